#include "runtime/command_line.h"

namespace hybridai::runtime {

bool ArgCursor::Next() {
  if (++i_ >= argc_) return false;
  flag_ = argv_[i_];
  inline_.clear();
  hasInline_ = false;
  if (auto eq = flag_.find('='); flag_.rfind("--", 0) == 0 && eq != std::string::npos) {
    inline_ = flag_.substr(eq + 1);
    flag_.resize(eq);
    hasInline_ = true;
  }
  return true;
}

bool ArgCursor::Value(std::string* out) {
  if (hasInline_) {
    *out = inline_;
    return true;
  }
  if (i_ + 1 >= argc_) return false;
  *out = argv_[++i_];
  return true;
}

}  // namespace hybridai::runtime
