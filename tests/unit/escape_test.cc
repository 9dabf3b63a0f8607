// Escaping of input text in messages (core/escape.h) and in Diagnostic lines: no input can
// put a newline, an escape sequence or invalid UTF-8 into one line of output.
#include "core/escape.h"

#include <gtest/gtest.h>

#include "core/diagnostic.h"

namespace hybridai {
namespace {

TEST(Escape, ControlCharactersBecomeVisible) {
  EXPECT_EQ(EscapeControl("a\nb\rc\td"), "a\\nb\\rc\\td");
  EXPECT_EQ(EscapeControl("\x1b[2J\x07\x7f"), "\\x1b[2J\\x07\\x7f");
  EXPECT_EQ(EscapeControl(std::string("nul\0x", 5)), "nul\\x00x");
}

TEST(Escape, C1ControlsSeparatorsAndBidiOverridesAreEscaped) {
  EXPECT_EQ(EscapeControl("\xc2\x85"), "\\u0085");  // NEL
  EXPECT_EQ(EscapeControl("\xc2\x9b"
                          "31m"),
            "\\u009b31m");  // CSI
  EXPECT_EQ(EscapeControl("a\xe2\x80\xa8"
                          "b"),
            "a\\u2028b");                               // LINE SEPARATOR
  EXPECT_EQ(EscapeControl("\xe2\x80\xae"), "\\u202e");  // RIGHT-TO-LEFT OVERRIDE
}

TEST(Escape, InvalidUtf8BytesAreEscapedValidTextIsKept) {
  EXPECT_EQ(EscapeControl("caf\xc3\xa9 \xe6\x97\xa5"), "caf\xc3\xa9 \xe6\x97\xa5");
  EXPECT_EQ(EscapeControl("a\xff"
                          "b"),
            "a\\xffb");
  EXPECT_EQ(EscapeControl("\xc0\xaf"), "\\xc0\\xaf");           // overlong "/"
  EXPECT_EQ(EscapeControl("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a surrogate
  EXPECT_EQ(EscapeControl("\xe6\x97"), "\\xe6\\x97");           // truncated
  EXPECT_TRUE(IsValidUtf8("caf\xc3\xa9"));
  EXPECT_FALSE(IsValidUtf8("caf\xc3"));
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // past U+10FFFF
}

TEST(Escape, QuoteEscapesQuotesAndBackslashes) {
  EXPECT_EQ(Quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(Quote("x\ny"), "\"x\\ny\"");
  EXPECT_EQ(Quote("\xff"), "\"\\xff\"");
}

TEST(Escape, ADiagnosticIsAlwaysOneLine) {
  Diagnostic d = MakeError("team-a/x\nplan: 0 errors", "spec.\x1b[1Akey", "bad \xff value");
  d.file = "dir/evil\rname.yaml";
  d.docIndex = 0;
  const std::string line = d.ToString();
  EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  EXPECT_EQ(line.find('\r'), std::string::npos) << line;
  EXPECT_EQ(line.find('\x1b'), std::string::npos) << line;
  EXPECT_EQ(line,
            "dir/evil\\rname.yaml[0] team-a/x\\nplan: 0 errors: spec.\\x1b[1Akey: bad \\xff value");
}

}  // namespace
}  // namespace hybridai
