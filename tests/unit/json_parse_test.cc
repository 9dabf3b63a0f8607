// Bounded JSON parsing (core/json_parse.h): never throws, limits depth, reports duplicate keys
// with their path, and turns numbers past double's range into an error.
#include "core/json_parse.h"

#include <gtest/gtest.h>

namespace hybridai {
namespace {

std::string Nested(int depth) {
  return std::string(static_cast<size_t>(depth), '[') +
         std::string(static_cast<size_t>(depth), ']');
}

TEST(JsonParse, ParsesOrdinaryDocuments) {
  JsonParseError e;
  auto doc = ParseJsonBounded(R"({"a": [1, 2.5, "x", null, true], "b": {"c": -0}})", &e);
  ASSERT_TRUE(doc) << e.message;
  EXPECT_EQ((*doc)["a"][1], 2.5);
  EXPECT_EQ((*doc)["b"]["c"], 0);
}

TEST(JsonParse, DepthIsBounded) {
  JsonParseError e;
  EXPECT_TRUE(ParseJsonBounded(Nested(kMaxNestingDepth), &e)) << e.message;
  EXPECT_FALSE(ParseJsonBounded(Nested(kMaxNestingDepth + 1), &e));
  EXPECT_EQ(e.message, "nesting deeper than 128");
  // Deep enough to overflow the stack when copied or decoded if it were accepted.
  JsonParseError deep;
  EXPECT_FALSE(ParseJsonBounded(Nested(70'000), &deep));
  EXPECT_EQ(deep.message, "nesting deeper than 128");
  std::string objects;
  for (int i = 0; i < 70'000; ++i) objects += "{\"a\":";
  objects += "1" + std::string(70'000, '}');
  EXPECT_FALSE(ParseJsonBounded(objects, &deep));
}

TEST(JsonParse, NumberOverflowIsAnErrorWithItsPosition) {
  JsonParseError e;
  EXPECT_FALSE(ParseJsonBounded(R"({"replicas": 1e999})", &e));
  EXPECT_NE(e.message.find("number overflow"), std::string::npos) << e.message;
  EXPECT_GT(e.byte, 0u);
  EXPECT_FALSE(ParseJsonBounded("-1e99999", &e));
}

TEST(JsonParse, InvalidUtf8AndSyntaxErrorsAreValues) {
  JsonParseError e;
  EXPECT_FALSE(ParseJsonBounded("{\"name\": \"a\xff\"}", &e));
  EXPECT_FALSE(e.message.empty());
  EXPECT_FALSE(ParseJsonBounded("{\"a\": 1,}", &e));
  EXPECT_FALSE(ParseJsonBounded("", &e));
  EXPECT_FALSE(ParseJsonBounded("{} {}", &e));
  EXPECT_FALSE(ParseJsonBounded("[1, 2", nullptr));
}

TEST(JsonParse, DuplicateKeysAreRejectedWithTheirPathWhenAsked) {
  JsonParseOptions strict;
  strict.rejectDuplicateKeys = true;
  JsonParseError e;
  const std::string text = R"({"spec": {"replicas": 1, "replicas": 100}})";
  EXPECT_FALSE(ParseJsonBounded(text, &e, strict));
  EXPECT_EQ(e.message, "duplicate key \"replicas\"");
  EXPECT_EQ(e.path, "spec.replicas");
  EXPECT_FALSE(ParseJsonBounded(R"({"a": [{"x": 1}, {"x": 1, "x": 2}]})", &e, strict));
  EXPECT_EQ(e.path, "a[1].x");
  // The same key in sibling objects is fine; without the option the last one wins.
  EXPECT_TRUE(ParseJsonBounded(R"({"a": {"x": 1}, "b": {"x": 2}})", &e, strict));
  auto lenient = ParseJsonBounded(text, &e);
  ASSERT_TRUE(lenient);
  EXPECT_EQ((*lenient)["spec"]["replicas"], 100);
}

}  // namespace
}  // namespace hybridai
