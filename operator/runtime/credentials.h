// Where the Authorization header of each request comes from: a static token, a token file that
// rotates (service-account tokens; re-read when older than a minute or after a 401), or an exec
// credential plugin (cached until its expirationTimestamp). Thread-safe.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include "runtime/api_client.h"
#include "runtime/clock.h"
#include "runtime/kubeconfig.h"

namespace hybridai::runtime {

class Credentials {
 public:
  virtual ~Credentials() = default;
  // The Authorization header value ("Bearer ..."), or "" when requests go without one.
  virtual Result<std::string> Authorization() = 0;
  // The server answered 401: forget cached tokens so the next call re-reads or re-runs.
  virtual void Invalidate() = 0;
};

class RestCredentials final : public Credentials {
 public:
  // How long a token file's content is trusted before it is read again.
  static constexpr std::chrono::seconds kTokenFileMaxAge{60};
  // An exec credential is renewed this long before it expires.
  static constexpr std::chrono::seconds kExpirySkew{10};

  explicit RestCredentials(const RestConfig& config, Clock& clock = RealClock());

  Result<std::string> Authorization() override;
  void Invalidate() override;

  // The exec plugin's latest answer (for a client certificate it returned); runs it if needed.
  Result<ExecCredential> CurrentExecCredential();

 private:
  Result<std::string> FromTokenFile();
  Result<ExecCredential> FromExec();

  const std::string source_;
  const std::string staticToken_;
  const std::string tokenFile_;
  const std::optional<ExecConfig> exec_;
  Clock& clock_;

  std::mutex mu_;
  std::string fileToken_;
  std::optional<Clock::TimePoint> fileReadAt_;
  std::optional<ExecCredential> execCred_;
};

}  // namespace hybridai::runtime
