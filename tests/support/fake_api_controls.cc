// The test-facing controls of the in-memory API server: seeding, inspection, fault injection
// and observation; see fake_api_client.h.
#include <algorithm>
#include <stdexcept>

#include "fake_api_client.h"
#include "fake_api_internal.h"

namespace hybridai::testing {

using runtime::WatchEvent;
using Reason = ApiError::Reason;
using namespace fake;

json FakeApiClient::Seed(const ResourceKind& kind, json object) {
  std::lock_guard lock(mu_);
  std::string ns = kind.namespaced ? MetaStr(object, "namespace") : "";
  bool exists = objects_[KindKey(kind)].count(ObjKey(ns, MetaStr(object, "name"))) > 0;
  auto r = exists ? DoUpdate(kind, ns, object, false, true) : DoCreate(kind, ns, object, true);
  if (!r.ok()) throw std::invalid_argument("FakeApiClient::Seed: " + r.error().ToString());
  return std::move(r).value();
}

std::optional<json> FakeApiClient::Peek(const ResourceKind& kind, const std::string& ns,
                                        const std::string& name) const {
  std::lock_guard lock(mu_);
  auto k = objects_.find(KindKey(kind));
  if (k == objects_.end()) return std::nullopt;
  auto it = k->second.find(ObjKey(kind.namespaced ? ns : "", name));
  if (it == k->second.end()) return std::nullopt;
  return it->second;
}

std::vector<json> FakeApiClient::Objects(const ResourceKind& kind, const std::string& ns) const {
  std::lock_guard lock(mu_);
  std::vector<json> out;
  auto k = objects_.find(KindKey(kind));
  if (k == objects_.end()) return out;
  for (const auto& [key, obj] : k->second) {
    if (ns.empty() || MetaStr(obj, "namespace") == ns) out.push_back(obj);
  }
  return out;
}

std::string FakeApiClient::CurrentResourceVersion() const {
  std::lock_guard lock(mu_);
  return std::to_string(rv_);
}

void FakeApiClient::SetPath(const std::string& path, json body) {
  std::lock_guard lock(mu_);
  paths_[path] = std::move(body);
}

void FakeApiClient::InjectError(Verb verb, ApiError error, std::optional<ResourceKind> kind) {
  std::lock_guard lock(mu_);
  injections_.push_back({verb, std::move(error), std::move(kind)});
}

void FakeApiClient::Compact() {
  std::lock_guard lock(mu_);
  compactedRv_ = rv_;
  history_.clear();
  pendingLists_.clear();
}

void FakeApiClient::SetGoneAsErrorEvent(bool errorEvent) {
  std::lock_guard lock(mu_);
  goneAsErrorEvent_ = errorEvent;
}

void FakeApiClient::BreakWatches(std::optional<ResourceKind> kind) {
  std::lock_guard lock(mu_);
  for (auto& s : streams_) {
    if (kind && s->kindKey != KindKey(*kind)) continue;
    s->Push(ScriptItem::Error(MakeApiError(Reason::Transport,
                                           "watch stream broken: connection "
                                           "reset by peer")));
  }
  PruneStreams();
}

void FakeApiClient::CloseWatches(std::optional<ResourceKind> kind) {
  std::lock_guard lock(mu_);
  for (auto& s : streams_) {
    if (!kind || s->kindKey == KindKey(*kind)) s->Push(ScriptItem::End());
  }
  PruneStreams();
}

void FakeApiClient::SendBookmark(const ResourceKind& kind) {
  std::lock_guard lock(mu_);
  json obj{{"apiVersion", kind.ApiVersion()},
           {"kind", kind.kind},
           {"metadata", {{"resourceVersion", std::to_string(rv_)}}}};
  for (auto& s : streams_) {
    if (s->kindKey == KindKey(kind) && s->bookmarks && !s->scripted) {
      s->Push(ScriptItem::Event(WatchEvent::Type::Bookmark, obj));
    }
  }
}

void FakeApiClient::SendWatchEvent(const ResourceKind& kind, WatchEvent event) {
  std::lock_guard lock(mu_);
  for (auto& s : streams_) {
    if (s->kindKey == KindKey(kind) && !s->scripted)
      s->Push(ScriptItem::Event(event.type, event.object));
  }
}

void FakeApiClient::SendRawLine(const ResourceKind& kind, std::string line) {
  std::lock_guard lock(mu_);
  for (auto& s : streams_) {
    if (s->kindKey == KindKey(kind) && !s->scripted) s->Push(ScriptItem::Raw(line));
  }
}

void FakeApiClient::ScriptNextWatch(const ResourceKind& kind, std::vector<ScriptItem> items) {
  std::lock_guard lock(mu_);
  scripts_[KindKey(kind)].push_back(std::move(items));
}

std::size_t FakeApiClient::OpenWatches(std::optional<ResourceKind> kind) const {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (const auto& s : streams_) {
    if ((!kind || s->kindKey == KindKey(*kind)) && s->Open()) ++n;
  }
  return n;
}

bool FakeApiClient::WaitForWatches(std::size_t n, std::optional<ResourceKind> kind,
                                   std::chrono::milliseconds realLimit) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, realLimit, [&] {
    std::size_t open = 0;
    for (const auto& s : streams_) {
      if ((!kind || s->kindKey == KindKey(*kind)) && s->Open()) ++open;
    }
    return open >= n;
  });
}

bool FakeApiClient::WaitForCalls(Verb verb, std::size_t n,
                                 std::chrono::milliseconds realLimit) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, realLimit, [&] {
    return static_cast<std::size_t>(std::count_if(
               calls_.begin(), calls_.end(), [&](const Call& c) { return c.verb == verb; })) >= n;
  });
}

std::vector<FakeApiClient::Call> FakeApiClient::Calls() const {
  std::lock_guard lock(mu_);
  return calls_;
}

std::size_t FakeApiClient::CallCount(Verb verb) const {
  std::lock_guard lock(mu_);
  return std::count_if(calls_.begin(), calls_.end(), [&](const Call& c) { return c.verb == verb; });
}

std::size_t FakeApiClient::StatusWrites() const {
  std::lock_guard lock(mu_);
  return std::count_if(calls_.begin(), calls_.end(), [](const Call& c) {
    return c.verb == Verb::UpdateStatus || (c.verb == Verb::Patch && c.subresource == "status");
  });
}

void FakeApiClient::ClearCalls() {
  std::lock_guard lock(mu_);
  calls_.clear();
}

}  // namespace hybridai::testing
