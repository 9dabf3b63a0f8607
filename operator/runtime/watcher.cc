// The list+watch state machine; see watcher.h.
#include "runtime/watcher.h"

#include "core/escape.h"

#include <unordered_set>
#include <utility>

#include <spdlog/spdlog.h>

namespace hybridai::runtime {

void DropManagedFields(json& object) {
  if (!object.is_object()) return;
  auto meta = object.find("metadata");
  if (meta != object.end() && meta->is_object()) meta->erase("managedFields");
}

void DropManagedFieldsAndLastApplied(json& object) {
  DropManagedFields(object);
  if (!object.is_object()) return;
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return;
  auto annotations = meta->find("annotations");
  if (annotations == meta->end() || !annotations->is_object()) return;
  annotations->erase(kLastAppliedAnnotation);
  if (annotations->empty()) meta->erase(annotations);
}

std::string ObjectKey(const json& object) {
  std::string name = MetaString(object, "name");
  if (name.empty()) return "";
  std::string ns = MetaString(object, "namespace");
  return ns.empty() ? name : ns + "/" + name;
}

Watcher::Watcher(ApiClient& api, ResourceKind kind, Clock& clock, WatcherOptions options, Sink sink)
    : api_(api),
      kind_(std::move(kind)),
      clock_(clock),
      opts_(std::move(options)),
      sink_(std::move(sink)) {}

std::string Watcher::Where() const {
  return "kind=" + kind_.kind + " namespace=" + (opts_.ns.empty() ? "*" : opts_.ns);
}

std::string Watcher::LastResourceVersion() const {
  std::lock_guard lock(mu_);
  return lastRv_;
}

void Watcher::SetLastRv(std::string rv) {
  std::lock_guard lock(mu_);
  lastRv_ = std::move(rv);
}

Watcher::Stats Watcher::stats() const {
  Stats s;
  s.lists = lists_.load();
  s.watches = watches_.load();
  s.relists = relists_.load();
  s.errors = errors_.load();
  s.events = events_.load();
  return s;
}

bool Watcher::Pause(Backoff& backoff, const ApiError* error, std::stop_token stop) {
  ++errors_;
  if (error && opts_.onError) opts_.onError(*error);
  Clock::Duration delay = backoff.Next();
  if (error && error->retryAfter && error->reason == ApiError::Reason::TooManyRequests) {
    delay = *error->retryAfter;
  }
  spdlog::warn("watch backoff {} delay_ms={} error=\"{}\"", Where(),
               std::chrono::duration_cast<std::chrono::milliseconds>(delay).count(),
               error ? error->ToString() : "watch closed early with no events");
  return clock_.SleepFor(delay, stop);
}

void Watcher::Run(std::stop_token stop) {
  Backoff backoff(opts_.backoff, clock_);
  bool needList = true;
  int watchesSinceList = 0;
  while (!stop.stop_requested()) {
    if (needList) {
      if (!List(stop, backoff)) continue;  // List() already backed off or was stopped
      needList = false;
      watchesSinceList = 0;
    }
    WatchOptions w;
    w.resourceVersion = LastResourceVersion();
    w.labelSelector = opts_.labelSelector;
    w.fieldSelector = opts_.fieldSelector;
    w.timeoutSeconds = opts_.timeoutSeconds;
    w.allowWatchBookmarks = true;
    auto opened = api_.Watch(kind_, opts_.ns, w);
    ++watchesSinceList;
    if (!opened.ok()) {
      if (opened.Is(ApiError::Reason::Gone)) {
        spdlog::info("watch relist {} reason=gone rv={}", Where(), w.resourceVersion);
        needList = true;
        // Gone straight after a fresh list would otherwise loop at full speed.
        if (watchesSinceList <= 1 && !Pause(backoff, &opened.error(), stop)) return;
        continue;
      }
      if (!Pause(backoff, &opened.error(), stop)) return;
      continue;
    }
    ++watches_;
    switch (Consume(*opened.value(), stop, backoff)) {
      case StreamOutcome::Ended:
        break;
      case StreamOutcome::Gone:
        needList = true;
        if (watchesSinceList <= 1 && !Pause(backoff, nullptr, stop)) return;
        break;
      case StreamOutcome::Failed:
      case StreamOutcome::Stopped:
        break;
    }
  }
}

bool Watcher::List(std::stop_token stop, Backoff& backoff) {
  ListOptions o;
  o.labelSelector = opts_.labelSelector;
  o.fieldSelector = opts_.fieldSelector;
  o.limit = opts_.pageSize;
  // Each page is delivered as it arrives, so at most one page of decoded objects is alive at a
  // time (a 10,000-object list would otherwise be held whole before the cache gets any of it).
  // Deletions need the whole list, so they and Synced come after the last page.
  std::unordered_set<std::string> seen;
  std::string rv;
  bool restarted = false;
  bool counted = false;
  while (true) {
    if (stop.stop_requested()) return false;
    auto page = api_.List(kind_, opts_.ns, o);
    if (!page.ok()) {
      // An expired continue token: the snapshot is gone; start one fresh list, then give up.
      if (page.Is(ApiError::Reason::Gone) && !o.continueToken.empty() && !restarted) {
        restarted = true;
        o.continueToken.clear();
        seen.clear();
        rv.clear();
        continue;
      }
      Pause(backoff, &page.error(), stop);
      return false;
    }
    ListResult& r = page.value();
    if (o.continueToken.empty()) rv = r.resourceVersion;
    // Counted before delivery so a sink reacting to the events already sees the new totals.
    if (!counted) {
      counted = true;
      if (lists_.fetch_add(1) > 0) ++relists_;
    }
    if (r.items.is_array()) {
      for (auto& item : r.items) {
        std::string key = ObjectKey(item);
        if (key.empty()) {
          spdlog::warn("watch list skipped object without metadata.name {}", Where());
          continue;
        }
        if (opts_.transform) opts_.transform(item);
        std::string objRv = MetaString(item, "resourceVersion");
        seen.insert(key);
        auto it = known_.find(key);
        WatcherEvent ev;
        if (it == known_.end()) {
          known_.emplace(std::move(key), std::move(objRv));
          ev.type = WatcherEvent::Type::Added;
        } else if (it->second != objRv) {
          it->second = std::move(objRv);
          ev.type = WatcherEvent::Type::Modified;
        } else {
          continue;  // unchanged while away
        }
        ev.object = std::make_shared<const json>(std::move(item));
        item = json();  // the page's copy is gone; free its shell now too
        ++events_;
        sink_(ev);
      }
    }
    r.items = json();
    if (r.continueToken.empty()) break;
    o.continueToken = r.continueToken;
  }

  for (auto it = known_.begin(); it != known_.end();) {
    if (seen.count(it->first)) {
      ++it;
      continue;
    }
    json stub{{"apiVersion", kind_.ApiVersion()}, {"kind", kind_.kind}};
    auto slash = it->first.find('/');
    if (slash == std::string::npos) {
      stub["metadata"] = {{"name", it->first}, {"resourceVersion", it->second}};
    } else {
      stub["metadata"] = {{"namespace", it->first.substr(0, slash)},
                          {"name", it->first.substr(slash + 1)},
                          {"resourceVersion", it->second}};
    }
    WatcherEvent ev;
    ev.type = WatcherEvent::Type::Deleted;
    ev.object = std::make_shared<const json>(std::move(stub));
    ev.finalStateUnknown = true;
    it = known_.erase(it);
    ++events_;
    sink_(ev);
  }
  SetLastRv(rv);
  spdlog::info("watch listed {} objects={} rv={}", Where(), known_.size(), rv);
  WatcherEvent synced;
  synced.type = WatcherEvent::Type::Synced;
  sink_(synced);
  return true;
}

Watcher::StreamOutcome Watcher::Consume(WatchStream& stream, std::stop_token stop,
                                        Backoff& backoff) {
  std::stop_callback cancel(stop, [&stream] { stream.Cancel(); });
  Clock::TimePoint opened = clock_.Now();
  uint64_t received = 0;
  while (true) {
    auto next = stream.Next();
    if (stop.stop_requested()) return StreamOutcome::Stopped;
    if (!next.ok()) {
      const ApiError& e = next.error();
      if (e.reason == ApiError::Reason::Gone) {
        spdlog::info("watch relist {} reason=gone", Where());
        return StreamOutcome::Gone;
      }
      if (e.reason == ApiError::Reason::Decode) {
        spdlog::warn("watch malformed event {} rv={} error=\"{}\"", Where(), LastResourceVersion(),
                     e.message);
      }
      Pause(backoff, &e, stop);
      return StreamOutcome::Failed;
    }
    if (!next.value()) {
      if (received == 0 && clock_.Now() - opened < opts_.minWatchDuration) {
        Pause(backoff, nullptr, stop);
        return StreamOutcome::Failed;
      }
      spdlog::debug("watch ended {} rv={} events={}", Where(), LastResourceVersion(), received);
      return StreamOutcome::Ended;
    }
    WatchEvent& ev = *next.value();
    ++received;
    switch (ev.type) {
      case WatchEvent::Type::Bookmark: {
        std::string rv = MetaString(ev.object, "resourceVersion");
        if (!rv.empty()) SetLastRv(std::move(rv));
        break;
      }
      case WatchEvent::Type::Error: {
        // A Status from the server, read without trusting its field types.
        int code = 0;
        std::string message = "watch error event";
        if (ev.object.is_object()) {
          auto c = ev.object.find("code");
          if (c != ev.object.end() && c->is_number_integer()) {
            const int64_t v = c->get<int64_t>();
            code = v >= 0 && v < 1000 ? static_cast<int>(v) : 0;
          }
          auto m = ev.object.find("message");
          if (m != ev.object.end() && m->is_string())
            message = EscapeControl(m->get<std::string>());
        }
        if (code == 410) {
          spdlog::info("watch relist {} reason=expired message=\"{}\"", Where(), message);
          return StreamOutcome::Gone;
        }
        ApiError e;
        e.reason = ApiError::Reason::Unknown;
        e.httpStatus = code;
        e.message = message;
        Pause(backoff, &e, stop);
        return StreamOutcome::Failed;
      }
      case WatchEvent::Type::Added:
      case WatchEvent::Type::Modified:
      case WatchEvent::Type::Deleted:
        if (!Deliver(ev.type, std::move(ev.object))) {
          ApiError e;
          e.reason = ApiError::Reason::Decode;
          e.message = "watch event object without metadata.name";
          spdlog::warn("watch malformed event {} error=\"{}\"", Where(), e.message);
          Pause(backoff, &e, stop);
          return StreamOutcome::Failed;
        }
        backoff.Reset();
        break;
    }
  }
}

bool Watcher::Deliver(WatchEvent::Type type, json object) {
  std::string key = ObjectKey(object);
  if (key.empty()) return false;
  std::string rv = MetaString(object, "resourceVersion");
  if (opts_.transform) opts_.transform(object);
  WatcherEvent ev;
  auto it = known_.find(key);
  if (type == WatchEvent::Type::Deleted) {
    ev.type = WatcherEvent::Type::Deleted;
    if (it != known_.end()) known_.erase(it);
  } else {
    ev.type = it == known_.end() ? WatcherEvent::Type::Added : WatcherEvent::Type::Modified;
    known_[key] = rv;
  }
  ev.object = std::make_shared<const json>(std::move(object));
  if (!rv.empty()) SetLastRv(std::move(rv));
  ++events_;
  sink_(ev);
  return true;
}

}  // namespace hybridai::runtime
