// ArgCursor: "--name value" and "--name=value", flags without values, and a missing value.
#include "runtime/command_line.h"

#include <vector>

#include <gtest/gtest.h>

namespace hybridai::runtime {
namespace {

TEST(ArgCursor, ReadsSeparateAndAttachedValues) {
  std::vector<std::string> words = {"prog", "--a", "1", "--b=2", "--flag", "--c=", "-h", "--d"};
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  ArgCursor args(static_cast<int>(argv.size()), argv.data());
  std::string v;

  ASSERT_TRUE(args.Next());
  EXPECT_EQ(args.flag(), "--a");
  EXPECT_FALSE(args.hasInlineValue());
  ASSERT_TRUE(args.Value(&v));
  EXPECT_EQ(v, "1");

  ASSERT_TRUE(args.Next());
  EXPECT_EQ(args.flag(), "--b");
  EXPECT_TRUE(args.hasInlineValue());
  ASSERT_TRUE(args.Value(&v));
  EXPECT_EQ(v, "2");

  ASSERT_TRUE(args.Next());  // a flag that takes no value is just read
  EXPECT_EQ(args.flag(), "--flag");

  ASSERT_TRUE(args.Next());  // an attached empty value is a value
  EXPECT_EQ(args.flag(), "--c");
  ASSERT_TRUE(args.Value(&v));
  EXPECT_EQ(v, "");

  ASSERT_TRUE(args.Next());  // short options are not split
  EXPECT_EQ(args.flag(), "-h");

  ASSERT_TRUE(args.Next());
  EXPECT_EQ(args.flag(), "--d");
  EXPECT_FALSE(args.Value(&v));  // nothing follows
  EXPECT_FALSE(args.Next());
}

}  // namespace
}  // namespace hybridai::runtime
