// Remembers, per verb and resource, whether an API server's latest answers were 403 Forbidden,
// so that readiness can say the operator loops on a permission it lacks (a missing RBAC rule)
// instead of staying ready while nothing gets done. Thread-safe: every request of a client
// records into it, any thread may ask.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/clock.h"
#include "runtime/http_transport.h"

namespace hybridai::runtime {

// "list hybridai.io/aiworkloads", "patch hybridai.io/aiworkloads/status", "get secrets",
// "watch apps/deployments": the verb RBAC checks and the resource it names, from a request;
// empty for paths that are not resources (/version, /healthz).
std::string RbacKeyOf(const HttpRequest& request);

class ForbiddenTracker {
 public:
  // A key is persistently forbidden once `threshold` answers in a row were 403, the latest
  // within `window` (a loop that backs off up to 30 s keeps hitting it; a one-off fades).
  explicit ForbiddenTracker(Clock& clock, int threshold = 2,
                            Clock::Duration window = std::chrono::minutes(2));

  // One answer to `request`: 403 extends the key's streak, anything else ends it.
  void Record(const HttpRequest& request, int status);
  // The persistently forbidden keys, sorted.
  std::vector<std::string> Persistent() const;

 private:
  struct Streak {
    int count = 0;
    Clock::TimePoint last{};
  };
  Clock& clock_;
  const int threshold_;
  const Clock::Duration window_;
  mutable std::mutex mu_;
  std::map<std::string, Streak> streaks_;
};

}  // namespace hybridai::runtime
