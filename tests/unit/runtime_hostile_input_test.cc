// What a misbehaving API server or credential plugin can send the runtime: numbers past
// double's range, deep nesting, invalid UTF-8, fields of the wrong type, control characters.
// Each becomes an error value (or is escaped); nothing throws out of an informer's thread.
#include <gtest/gtest.h>

#include "runtime/exec_credential.h"
#include "runtime/kube_client.h"
#include "runtime/kube_watch_stream.h"

namespace hybridai::runtime {
namespace {

HttpResponse Resp(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

TEST(RuntimeHostileInput, WatchLinesThatUsedToThrowAreDecodeErrors) {
  const std::vector<std::string> lines = {
      R"({"type":"ADDED","object":{"metadata":{"name":"a"},"spec":{"x":1e999}}})",
      R"({"type":"ADDED","object":{"metadata":{"name":"a"},"n":-1e400}})",
      "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\xff\"}}}",
      "{\"type\":\"ADDED\",\"object\":" + std::string(70'000, '[') + std::string(70'000, ']') + "}",
  };
  for (const auto& line : lines) {
    Result<WatchEvent> ev = ParseWatchLine(line);
    ASSERT_FALSE(ev.ok()) << line.substr(0, 80);
    EXPECT_EQ(ev.error().reason, ApiError::Reason::Decode);
  }
  EXPECT_EQ(ParseWatchLine(lines[3]).error().message,
            "watch event is not usable JSON: nesting deeper than 128");
  // Objects nested as deep as the limit still decode.
  std::string ok =
      R"({"type":"ADDED","object":{"a":)" + std::string(100, '[') + std::string(100, ']') + "}}";
  EXPECT_TRUE(ParseWatchLine(ok).ok());
}

TEST(RuntimeHostileInput, ErrorStatusesWithOddTypesAndControlCharacters) {
  // kind, message and causes of the wrong type: read what can be read, never throw.
  ApiError e = DecodeApiError(Resp(500, R"({"kind":5,"message":{"a":1}})"), "get x");
  EXPECT_EQ(e.reason, ApiError::Reason::InternalError);
  e = DecodeApiError(Resp(422, R"({"kind":"Status","reason":7,"message":"bad\nline\u001b[31m",
                   "details":{"causes":[{"field":1}],"retryAfterSeconds":9223372036854775807}})"),
                     "update x");
  EXPECT_EQ(e.reason, ApiError::Reason::Invalid);
  EXPECT_EQ(e.message.find('\n'), std::string::npos) << e.message;
  EXPECT_EQ(e.message.find('\x1b'), std::string::npos) << e.message;
  e = DecodeApiError(
      Resp(
          429,
          R"({"kind":"Status","message":"slow down","details":{"retryAfterSeconds":9223372036854775807}})"),
      "list x");
  ASSERT_TRUE(e.retryAfter);
  EXPECT_LE(e.retryAfter->count(), 86400);
  e = DecodeApiError(Resp(502, "upstream\r\nX-Injected: 1\x1b[2J"), "get y");
  EXPECT_EQ(e.ToString().find('\n'), std::string::npos) << e.ToString();
  EXPECT_NE(e.ToString().find("upstream\\r\\nX-Injected: 1\\x1b[2J"), std::string::npos)
      << e.ToString();
}

TEST(RuntimeHostileInput, ApiErrorMessagesAreOneLine) {
  ApiError e;
  e.reason = ApiError::Reason::NotFound;
  e.message = "team-a/x\nlevel=info msg=\"forged\"";
  e.causes.push_back({"spec\x1b", "FieldValueInvalid", "no\rway"});
  const std::string s = e.ToString();
  EXPECT_EQ(s.find('\n'), std::string::npos) << s;
  EXPECT_EQ(s.find('\r'), std::string::npos) << s;
  EXPECT_EQ(s.find('\x1b'), std::string::npos) << s;
}

TEST(RuntimeHostileInput, ExecCredentialOfOddShapeIsAnError) {
  const std::string v1 = "client.authentication.k8s.io/v1";
  for (
      const std::string& text : std::vector<std::string>{
          R"({"kind":5})",
          R"({"kind":"ExecCredential","apiVersion":["x"],"status":{"token":"t"}})",
          R"({"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"token":1e999}})",
          R"({"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"token":"t","expirationTimestamp":"999-01-01T00:00:00Z"}})",
          std::string(10'000, '['),
      }) {
    Result<ExecCredential> c = ParseExecCredential(text, v1);
    EXPECT_FALSE(c.ok()) << text.substr(0, 80);
  }
}

}  // namespace
}  // namespace hybridai::runtime
