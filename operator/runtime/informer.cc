// The informer; see informer.h.
#include "runtime/informer.h"

#include <spdlog/spdlog.h>

namespace hybridai::runtime {

namespace {

WatcherOptions ToWatcherOptions(const InformerOptions& o) {
  WatcherOptions w;
  w.ns = o.ns;
  w.labelSelector = o.labelSelector;
  w.fieldSelector = o.fieldSelector;
  w.pageSize = o.pageSize;
  w.timeoutSeconds = o.timeoutSeconds;
  w.backoff = o.backoff;
  w.transform = o.transform;
  w.onError = o.onError;
  return w;
}

// A throwing handler must not take the informer down with it.
template <typename F>
void Guarded(const ResourceKind& kind, const char* what, F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    spdlog::error("informer handler failed kind={} handler={} error=\"{}\"", kind.kind, what,
                  e.what());
  }
}

}  // namespace

Informer::Informer(ApiClient& api, ResourceKind kind, Clock& clock, InformerOptions options)
    : kind_(kind),
      store_(StoreOptions{.compact = options.compact}),
      watcher_(api, std::move(kind), clock, ToWatcherOptions(options),
               [this](const WatcherEvent& e) { OnEvent(e); }) {}

Informer::~Informer() {
  Stop();
}

void Informer::AddEventHandler(ResourceEventHandler handler) {
  std::lock_guard lock(handlersMu_);
  if (handler.onAdd) {
    for (const auto& obj : store_.List()) Guarded(kind_, "add", [&] { handler.onAdd(obj); });
  }
  handlers_.push_back(std::move(handler));
}

void Informer::Start() {
  std::lock_guard lock(threadMu_);
  if (thread_.joinable()) return;
  thread_ = std::jthread([this](std::stop_token stop) { watcher_.Run(stop); });
}

void Informer::Stop() {
  std::lock_guard lock(threadMu_);
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
}

bool Informer::HasSynced() const {
  std::lock_guard lock(syncMu_);
  return synced_;
}

bool Informer::WaitForSync(std::stop_token stop) const {
  std::unique_lock lock(syncMu_);
  return syncCv_.wait(lock, stop, [&] { return synced_; });
}

void Informer::OnEvent(const WatcherEvent& event) {
  std::lock_guard lock(handlersMu_);
  switch (event.type) {
    case WatcherEvent::Type::Synced: {
      std::lock_guard sl(syncMu_);
      if (!synced_) spdlog::info("informer synced kind={} objects={}", kind_.kind, store_.Size());
      synced_ = true;
      syncCv_.notify_all();
      return;
    }
    case WatcherEvent::Type::Added:
    case WatcherEvent::Type::Modified: {
      ObjectPtr previous = store_.Upsert(event.object);
      for (auto& h : handlers_) {
        if (previous && h.onUpdate) {
          Guarded(kind_, "update", [&] { h.onUpdate(previous, event.object); });
        } else if (!previous && h.onAdd) {
          Guarded(kind_, "add", [&] { h.onAdd(event.object); });
        }
      }
      return;
    }
    case WatcherEvent::Type::Deleted: {
      ObjectPtr previous = store_.Remove(ObjectKey(*event.object));
      if (!previous) return;  // never cached: nobody was told it existed
      // A relist only knows the key; the cache's last copy says more than the stub.
      const ObjectPtr& shown = event.finalStateUnknown ? previous : event.object;
      for (auto& h : handlers_) {
        if (h.onDelete) {
          Guarded(kind_, "delete", [&] { h.onDelete(shown, event.finalStateUnknown); });
        }
      }
      return;
    }
  }
}

}  // namespace hybridai::runtime
