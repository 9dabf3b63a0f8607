// Why a request's RBAC key is derived from its path: the client sends paths, not verbs, and
// the resource names the rule a Role would need (see forbidden_tracker.h).
#include "runtime/forbidden_tracker.h"

#include <algorithm>

namespace hybridai::runtime {
namespace {

std::vector<std::string> Segments(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

}  // namespace

std::string RbacKeyOf(const HttpRequest& request) {
  std::string path = request.path.substr(0, request.path.find('?'));
  auto seg = Segments(path);
  std::string group;
  size_t rest = 0;
  if (seg.size() >= 3 && seg[0] == "api") {
    rest = 2;
  } else if (seg.size() >= 4 && seg[0] == "apis") {
    group = seg[1];
    rest = 3;
  } else {
    return "";
  }
  std::vector<std::string> r(seg.begin() + static_cast<std::ptrdiff_t>(rest), seg.end());
  if (r.size() >= 3 && r[0] == "namespaces") r.erase(r.begin(), r.begin() + 2);
  const bool collection = r.size() == 1;
  std::string resource = r[0];
  if (r.size() >= 3) resource += "/" + r[2];
  const bool watch = std::any_of(request.query.begin(), request.query.end(), [](const auto& q) {
    return q.first == "watch" && q.second == "true";
  });
  std::string verb;
  const std::string& m = request.method;
  if (m == "GET") {
    verb = watch ? "watch" : collection ? "list" : "get";
  } else if (m == "POST") {
    verb = "create";
  } else if (m == "PUT") {
    verb = "update";
  } else if (m == "PATCH") {
    verb = "patch";
  } else if (m == "DELETE") {
    verb = collection ? "deletecollection" : "delete";
  } else {
    verb = m;
  }
  return verb + " " + (group.empty() ? "" : group + "/") + resource;
}

ForbiddenTracker::ForbiddenTracker(Clock& clock, int threshold, Clock::Duration window)
    : clock_(clock), threshold_(std::max(1, threshold)), window_(window) {}

void ForbiddenTracker::Record(const HttpRequest& request, int status) {
  std::string key = RbacKeyOf(request);
  if (key.empty()) return;
  std::lock_guard lock(mu_);
  if (status != 403) {
    streaks_.erase(key);
    return;
  }
  Streak& s = streaks_[key];
  ++s.count;
  s.last = clock_.Now();
}

std::vector<std::string> ForbiddenTracker::Persistent() const {
  const auto now = clock_.Now();
  std::vector<std::string> out;
  std::lock_guard lock(mu_);
  for (const auto& [key, s] : streaks_) {
    if (s.count >= threshold_ && now - s.last <= window_) out.push_back(key);
  }
  return out;
}

}  // namespace hybridai::runtime
