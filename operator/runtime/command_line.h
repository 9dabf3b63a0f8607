// Walks a program's arguments the way its flags are written: "--name value" or "--name=value".
// Shared by the operator and the tools, so they all read flags alike.
#pragma once

#include <string>

namespace hybridai::runtime {

class ArgCursor {
 public:
  ArgCursor(int argc, char** argv) : argc_(argc), argv_(argv) {}

  // Moves to the next argument; false when there is none.
  bool Next();
  // The current argument without any "=value" ("--workers"), and whether one was attached.
  const std::string& flag() const { return flag_; }
  bool hasInlineValue() const { return hasInline_; }
  const std::string& inlineValue() const { return inline_; }
  // The flag's value: the attached one, else the next argument (consumed). False when neither.
  bool Value(std::string* out);

 private:
  int argc_;
  char** argv_;
  int i_ = 0;
  std::string flag_, inline_;
  bool hasInline_ = false;
};

}  // namespace hybridai::runtime
