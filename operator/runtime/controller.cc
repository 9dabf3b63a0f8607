// The generic controller; see controller.h.
#include "runtime/controller.h"

#include <spdlog/spdlog.h>

namespace hybridai::runtime {

namespace {

std::string Label(const json& object, const std::string& key) {
  if (!object.is_object()) return "";
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return "";
  auto labels = meta->find("labels");
  if (labels == meta->end() || !labels->is_object()) return "";
  auto v = labels->find(key);
  return v != labels->end() && v->is_string() ? v->get<std::string>() : "";
}

}  // namespace

Request Request::FromKey(const std::string& key) {
  auto slash = key.find('/');
  if (slash == std::string::npos) return {"", key};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

MapFunc MapToSelf() {
  return [](const json& object) -> std::vector<Request> {
    std::string key = ObjectKey(object);
    if (key.empty()) return {};
    return {Request::FromKey(key)};
  };
}

MapFunc MapByLabels(std::string nsLabel, std::string nameLabel) {
  return [nsLabel = std::move(nsLabel),
          nameLabel = std::move(nameLabel)](const json& object) -> std::vector<Request> {
    std::string name = Label(object, nameLabel);
    if (name.empty()) return {};
    return {Request{nsLabel.empty() ? "" : Label(object, nsLabel), name}};
  };
}

Controller::Controller(std::string name, Reconciler& reconciler, Clock& clock,
                       ControllerOptions options)
    : name_(std::move(name)),
      reconciler_(reconciler),
      clock_(clock),
      workers_(options.workers > 0 ? options.workers : 1),
      hooks_(std::move(options.hooks)),
      queue_(name_, clock, std::move(options.rateLimiter), hooks_.queue) {}

Controller::~Controller() {
  Stop();
}

void Controller::Enqueue(const Request& request) {
  queue_.Add(request.Key());
}

void Controller::EnqueueAfter(const Request& request, Clock::Duration delay) {
  queue_.AddAfter(request.Key(), delay);
}

ResourceEventHandler Controller::EnqueueHandler(MapFunc map, Clock::Duration batch) {
  auto enqueue = [this, map, batch](const ObjectPtr& obj) {
    if (!obj) return;
    for (const auto& r : map(*obj)) EnqueueAfter(r, batch);
  };
  ResourceEventHandler h;
  h.onAdd = enqueue;
  h.onUpdate = [enqueue](const ObjectPtr& oldObj, const ObjectPtr& newObj) {
    // A label change can move the object to another owner: tell both.
    enqueue(oldObj);
    enqueue(newObj);
  };
  h.onDelete = [enqueue](const ObjectPtr& obj, bool) { enqueue(obj); };
  return h;
}

void Controller::Start() {
  std::lock_guard lock(threadsMu_);
  if (!threads_.empty() || queue_.ShuttingDown()) return;
  spdlog::info("controller starting controller={} workers={}", name_, workers_);
  for (int i = 0; i < workers_; ++i) threads_.emplace_back([this] { Work(); });
}

void Controller::Stop() {
  stopping_.store(true);
  queue_.ShutDown();
  std::lock_guard lock(threadsMu_);
  if (threads_.empty()) return;
  for (auto& t : threads_) t.join();
  threads_.clear();
  spdlog::info("controller stopped controller={}", name_);
}

void Controller::Work() {
  if (hooks_.activeWorkers) hooks_.activeWorkers(0);  // registers the series at zero
  while (auto key = queue_.Get()) {
    if (stopping_.load()) {  // queued before Stop(): dropped, not reconciled
      queue_.Done(*key);
      continue;
    }
    if (hooks_.activeWorkers) hooks_.activeWorkers(1);
    Process(*key);
    if (hooks_.activeWorkers) hooks_.activeWorkers(-1);
    queue_.Done(*key);
  }
}

void Controller::Process(const std::string& key) {
  Request request = Request::FromKey(key);
  Clock::TimePoint start = clock_.Now();
  std::optional<Result<ReconcileResult>> outcome;
  try {
    outcome.emplace(reconciler_.Reconcile(request));
  } catch (const std::exception& e) {
    ApiError err;
    err.reason = ApiError::Reason::Unknown;
    err.message = std::string("reconcile threw: ") + e.what();
    outcome.emplace(std::move(err));
  } catch (...) {
    ApiError err;
    err.reason = ApiError::Reason::Unknown;
    err.message = "reconcile threw a non-standard exception";
    outcome.emplace(std::move(err));
  }
  double seconds = std::chrono::duration<double>(clock_.Now() - start).count();
  std::string result;
  if (!outcome->ok()) {
    result = "error";
    queue_.AddRateLimited(key);
    spdlog::error("reconcile failed controller={} object={} retries={} error=\"{}\"", name_, key,
                  queue_.NumRequeues(key), outcome->error().ToString());
  } else if (outcome->value().requeueAfter > Clock::Duration::zero()) {
    result = "requeue_after";
    queue_.Forget(key);
    queue_.AddAfter(key, outcome->value().requeueAfter);
  } else if (outcome->value().requeue) {
    result = "requeue";
    queue_.AddRateLimited(key);
  } else {
    result = "success";
    queue_.Forget(key);
  }
  if (hooks_.reconciled) hooks_.reconciled(result, seconds);
}

}  // namespace hybridai::runtime
