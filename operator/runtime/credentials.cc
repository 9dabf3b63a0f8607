// Token sources for RestCredentials. Tokens are never logged.
#include "runtime/credentials.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>

namespace hybridai::runtime {

RestCredentials::RestCredentials(const RestConfig& config, Clock& clock)
    : source_(config.source),
      staticToken_(config.bearerToken),
      tokenFile_(config.tokenFile),
      exec_(config.exec),
      clock_(clock) {}

Result<std::string> RestCredentials::Authorization() {
  if (!staticToken_.empty()) return "Bearer " + staticToken_;
  std::lock_guard<std::mutex> lock(mu_);
  if (!tokenFile_.empty()) {
    auto token = FromTokenFile();
    if (!token.ok()) return token.error();
    return "Bearer " + token.value();
  }
  if (exec_) {
    auto cred = FromExec();
    if (!cred.ok()) return cred.error();
    if (cred.value().token.empty()) return std::string();  // a client certificate instead
    return "Bearer " + cred.value().token;
  }
  return std::string();
}

void RestCredentials::Invalidate() {
  std::lock_guard<std::mutex> lock(mu_);
  fileReadAt_.reset();
  execCred_.reset();
}

Result<ExecCredential> RestCredentials::CurrentExecCredential() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!exec_) {
    ApiError e;
    e.reason = ApiError::Reason::Invalid;
    e.message = source_ + ": no exec credential plugin configured";
    return e;
  }
  return FromExec();
}

Result<std::string> RestCredentials::FromTokenFile() {
  const auto now = clock_.Now();
  if (fileReadAt_ && now - *fileReadAt_ < kTokenFileMaxAge) return fileToken_;
  std::ifstream in(tokenFile_, std::ios::binary);
  std::ostringstream ss;
  if (in) ss << in.rdbuf();
  std::string token = ss.str();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) {
    token.pop_back();
  }
  if (!in || token.empty()) {
    // A rotation in progress can leave the file briefly missing: keep the last good token.
    if (!fileToken_.empty()) return fileToken_;
    ApiError e;
    e.reason = ApiError::Reason::Unauthorized;
    e.message = source_ + ": token file " + tokenFile_ + ": " +
                (in ? std::string("empty") : std::string(std::strerror(errno)));
    return e;
  }
  if (token != fileToken_ && !fileToken_.empty()) {
    spdlog::info("msg=\"bearer token rotated\" source={} file={}", source_, tokenFile_);
  }
  fileToken_ = std::move(token);
  fileReadAt_ = now;
  return fileToken_;
}

Result<ExecCredential> RestCredentials::FromExec() {
  if (execCred_) {
    if (!execCred_->expiration || clock_.WallNow() + kExpirySkew < *execCred_->expiration) {
      return *execCred_;
    }
  }
  auto cred = RunExecPlugin(*exec_);
  if (!cred.ok()) return cred.error();
  execCred_ = cred.value();
  return cred;
}

}  // namespace hybridai::runtime
