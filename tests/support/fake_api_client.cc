// The in-memory API server; see fake_api_client.h. Semantics follow kube-apiserver where tests
// depend on them: one global resourceVersion counter, generation bumps only on non-metadata,
// non-status changes, status only through /status for kinds with that subresource, finalizers
// delaying deletion, no-op updates not bumping the resourceVersion, consistent list pages.
#include "fake_api_client.h"

#include <algorithm>
#include <ctime>
#include <stdexcept>

#include "fake_api_internal.h"

namespace hybridai::testing {

using runtime::LabelSelector;
using runtime::Result;
using runtime::WatchEvent;
using Reason = ApiError::Reason;
using namespace fake;

namespace {

bool HasStatusSubresource(const ResourceKind& k) {
  return k.resource != "secrets" && k.resource != "leases" && k.resource != "events" &&
         k.resource != "configmaps";
}

json SpecPart(const json& obj) {
  json out = obj;
  out.erase("metadata");
  out.erase("status");
  return out;
}

}  // namespace

struct FakeApiClient::PendingList {
  std::string kindKey;
  std::string resourceVersion;
  std::deque<json> remaining;
};

// ---- construction, bookkeeping ----

FakeApiClient::FakeApiClient(runtime::Clock* clock)
    : clock_(clock ? clock : &runtime::RealClock()) {
  paths_["/version"] = json{{"major", "1"}, {"minor", "31"}, {"gitVersion", "v1.31.0"}};
  paths_["/readyz"] = "ok";
  paths_["/healthz"] = "ok";
}

FakeApiClient::~FakeApiClient() {
  std::lock_guard lock(mu_);
  for (auto& s : streams_) {
    std::lock_guard sl(s->mu);
    s->cancelled = true;
    s->cv.notify_all();
  }
}

std::optional<ApiError> FakeApiClient::Begin(Call call) {
  auto verb = call.verb;
  auto kind = call.kind;
  calls_.push_back(std::move(call));
  cv_.notify_all();
  for (auto it = injections_.begin(); it != injections_.end(); ++it) {
    if (it->verb != verb || (it->kind && *it->kind != kind)) continue;
    ApiError e = std::move(it->error);
    injections_.erase(it);
    return e;
  }
  return std::nullopt;
}

FakeApiClient::Call FakeApiClient::MakeCall(Verb verb, const ResourceKind& kind,
                                            const std::string& ns, const std::string& name) {
  Call c;
  c.verb = verb;
  c.kind = kind;
  c.ns = ns;
  c.name = name;
  return c;
}

std::string FakeApiClient::NextRv() {
  return std::to_string(++rv_);
}

std::string FakeApiClient::Timestamp() const {
  std::time_t t = std::chrono::system_clock::to_time_t(clock_->WallNow());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void FakeApiClient::PruneStreams() {
  std::erase_if(streams_, [](const std::shared_ptr<Stream>& s) { return !s->Open(); });
}

void FakeApiClient::Publish(const ResourceKind& kind, WatchEvent::Type type, const json& object,
                            const json* old) {
  auto obj = std::make_shared<const json>(object);
  std::shared_ptr<const json> before = old ? std::make_shared<const json>(*old) : nullptr;
  history_.push_back({KindKey(kind), rv_, type, obj, before});
  PruneStreams();
  for (auto& s : streams_) {
    if (s->scripted || s->kindKey != KindKey(kind)) continue;
    bool now = s->Matches(*obj);
    bool was = before && s->Matches(*before);
    WatchEvent::Type t = type;
    if (type == WatchEvent::Type::Modified) {
      if (!now && !was) continue;
      if (now && !was) t = WatchEvent::Type::Added;
      if (!now && was) t = WatchEvent::Type::Deleted;
    } else if (!now) {
      continue;
    }
    s->Push(ScriptItem::Event(t, *obj));
  }
}

// ---- reads ----

Result<json> FakeApiClient::Get(const ResourceKind& kind, const std::string& ns,
                                const std::string& name) {
  std::lock_guard lock(mu_);
  if (auto e = Begin(MakeCall(Verb::Get, kind, ns, name))) return *e;
  auto& objs = objects_[KindKey(kind)];
  auto it = objs.find(ObjKey(kind.namespaced ? ns : "", name));
  if (it == objs.end()) {
    return MakeApiError(Reason::NotFound, Qualified(kind) + " \"" + name + "\" not found");
  }
  return it->second;
}

Result<runtime::ListResult> FakeApiClient::List(const ResourceKind& kind, const std::string& ns,
                                                const runtime::ListOptions& opts) {
  std::lock_guard lock(mu_);
  Call call = MakeCall(Verb::List, kind, ns);
  call.resourceVersion = opts.resourceVersion;
  call.continueToken = opts.continueToken;
  call.limit = opts.limit;
  call.labelSelector = opts.labelSelector;
  if (auto e = Begin(std::move(call))) return *e;

  std::shared_ptr<PendingList> pending;
  if (!opts.continueToken.empty()) {
    auto it = pendingLists_.find(opts.continueToken);
    if (it == pendingLists_.end() || it->second->kindKey != KindKey(kind)) {
      return MakeApiError(Reason::Gone,
                          "The provided continue parameter is too old to display a consistent "
                          "list result. You can start a new list without the continue parameter.");
    }
    pending = it->second;
    pendingLists_.erase(it);
  } else {
    auto labels = LabelSelector::Parse(opts.labelSelector);
    if (!labels.ok()) return labels.error();
    auto fields = ParseFieldSelector(opts.fieldSelector);
    if (!fields.ok()) return fields.error();
    pending = std::make_shared<PendingList>();
    pending->kindKey = KindKey(kind);
    pending->resourceVersion = std::to_string(rv_);
    for (const auto& [key, obj] : objects_[KindKey(kind)]) {
      if (kind.namespaced && !ns.empty() && MetaStr(obj, "namespace") != ns) continue;
      if (!labels.value().MatchesObject(obj) || !FieldsMatch(fields.value(), obj)) continue;
      pending->remaining.push_back(obj);
    }
  }

  runtime::ListResult out;
  out.resourceVersion = pending->resourceVersion;
  size_t n = pending->remaining.size();
  if (opts.limit > 0) n = std::min<size_t>(n, static_cast<size_t>(opts.limit));
  for (size_t i = 0; i < n; ++i) {
    out.items.push_back(std::move(pending->remaining.front()));
    pending->remaining.pop_front();
  }
  if (!pending->remaining.empty()) {
    out.continueToken = "c" + std::to_string(++continueCounter_) + "-" + pending->resourceVersion;
    pendingLists_[out.continueToken] = pending;
  }
  return out;
}

Result<std::unique_ptr<runtime::WatchStream>> FakeApiClient::Watch(
    const ResourceKind& kind, const std::string& ns, const runtime::WatchOptions& opts) {
  std::lock_guard lock(mu_);
  Call call = MakeCall(Verb::Watch, kind, ns);
  call.resourceVersion = opts.resourceVersion;
  call.labelSelector = opts.labelSelector;
  if (auto e = Begin(std::move(call))) return *e;

  auto s = std::make_shared<Stream>();
  s->kindKey = KindKey(kind);
  s->ns = kind.namespaced ? ns : "";
  s->bookmarks = opts.allowWatchBookmarks;

  auto script = scripts_.find(KindKey(kind));
  if (script != scripts_.end() && !script->second.empty()) {
    s->scripted = true;
    for (auto& item : script->second.front()) s->Push(std::move(item));
    script->second.pop_front();
  } else {
    auto labels = LabelSelector::Parse(opts.labelSelector);
    if (!labels.ok()) return labels.error();
    auto fields = ParseFieldSelector(opts.fieldSelector);
    if (!fields.ok()) return fields.error();
    s->labels = labels.value();
    s->fields = fields.value();

    const std::string& rvText = opts.resourceVersion;
    if (rvText.empty() || rvText == "0") {
      // "Start at the most recent": synthetic ADDED for every current object first.
      for (const auto& [key, obj] : objects_[s->kindKey]) {
        if (s->Matches(obj)) s->Push(ScriptItem::Event(WatchEvent::Type::Added, obj));
      }
    } else {
      uint64_t from = 0;
      try {
        from = std::stoull(rvText);
      } catch (const std::exception&) {
        return MakeApiError(Reason::BadRequest, "invalid resourceVersion \"" + rvText + "\"");
      }
      if (from < compactedRv_) {
        std::string msg =
            "too old resource version: " + rvText + " (" + std::to_string(compactedRv_) + ")";
        if (!goneAsErrorEvent_) return MakeApiError(Reason::Gone, msg);
        s->Push(ScriptItem::Event(WatchEvent::Type::Error, GoneStatus(msg)));
        s->Push(ScriptItem::End());
      } else {
        for (const auto& h : history_) {
          if (h.rv <= from || h.kindKey != s->kindKey) continue;
          bool now = s->Matches(*h.object);
          bool was = h.old && s->Matches(*h.old);
          WatchEvent::Type t = h.type;
          if (h.type == WatchEvent::Type::Modified) {
            if (!now && !was) continue;
            if (now && !was) t = WatchEvent::Type::Added;
            if (!now && was) t = WatchEvent::Type::Deleted;
          } else if (!now) {
            continue;
          }
          s->Push(ScriptItem::Event(t, *h.object));
        }
      }
    }
  }
  PruneStreams();
  streams_.push_back(s);
  cv_.notify_all();
  return std::unique_ptr<runtime::WatchStream>(std::make_unique<StreamHandle>(s));
}

Result<json> FakeApiClient::GetPath(const std::string& path) {
  std::lock_guard lock(mu_);
  Call call = MakeCall(Verb::GetPath, ResourceKind{}, "", path);
  if (auto e = Begin(std::move(call))) return *e;
  auto it = paths_.find(path);
  if (it == paths_.end())
    return MakeApiError(Reason::NotFound, "the server could not find " + path);
  return it->second;
}

// ---- writes ----

Result<json> FakeApiClient::Create(const ResourceKind& kind, const std::string& ns,
                                   const json& object) {
  std::lock_guard lock(mu_);
  if (auto e = Begin(
          MakeCall(Verb::Create, kind, ns, object.is_object() ? MetaStr(object, "name") : ""))) {
    return *e;
  }
  return DoCreate(kind, ns, object, false);
}

Result<json> FakeApiClient::DoCreate(const ResourceKind& kind, const std::string& nsArg,
                                     json object, bool seeding) {
  if (!object.is_object()) return MakeApiError(Reason::BadRequest, "object must be a JSON object");
  if (!object.contains("metadata") || !object["metadata"].is_object()) {
    object["metadata"] = json::object();
  }
  json& meta = object["metadata"];
  std::string name = MetaStr(object, "name");
  if (name.empty()) {
    std::string gen = MetaStr(object, "generateName");
    if (gen.empty()) {
      return MakeApiError(Reason::Invalid, kind.kind + ": metadata.name: Required value");
    }
    name = gen + std::to_string(uidCounter_ + 1) + "x";
    meta["name"] = name;
  }
  std::string ns = MetaStr(object, "namespace");
  if (kind.namespaced) {
    if (!nsArg.empty() && !ns.empty() && ns != nsArg) {
      return MakeApiError(Reason::BadRequest,
                          "the namespace of the provided object does not match the namespace "
                          "sent on the request");
    }
    if (ns.empty()) ns = nsArg;
    if (ns.empty()) {
      return MakeApiError(Reason::BadRequest, kind.kind + " \"" + name + "\": namespace required");
    }
    meta["namespace"] = ns;
  } else {
    ns.clear();
    meta.erase("namespace");
  }
  auto& objs = objects_[KindKey(kind)];
  std::string key = ObjKey(ns, name);
  if (objs.count(key)) {
    return MakeApiError(Reason::AlreadyExists,
                        Qualified(kind) + " \"" + name + "\" already exists");
  }
  if (!object.contains("apiVersion")) object["apiVersion"] = kind.ApiVersion();
  if (!object.contains("kind")) object["kind"] = kind.kind;
  if (!seeding || !meta.contains("uid")) meta["uid"] = "uid-" + std::to_string(++uidCounter_);
  if (!seeding || !meta.contains("creationTimestamp")) meta["creationTimestamp"] = Timestamp();
  meta["generation"] = 1;
  meta.erase("deletionTimestamp");
  if (!seeding && HasStatusSubresource(kind)) object.erase("status");
  meta["resourceVersion"] = NextRv();
  objs[key] = object;
  Publish(kind, WatchEvent::Type::Added, object, nullptr);
  return object;
}

Result<json> FakeApiClient::Update(const ResourceKind& kind, const std::string& ns,
                                   const json& object) {
  std::lock_guard lock(mu_);
  if (auto e = Begin(
          MakeCall(Verb::Update, kind, ns, object.is_object() ? MetaStr(object, "name") : ""))) {
    return *e;
  }
  return DoUpdate(kind, ns, object, false, false);
}

Result<json> FakeApiClient::UpdateStatus(const ResourceKind& kind, const std::string& ns,
                                         const json& object) {
  std::lock_guard lock(mu_);
  Call call =
      MakeCall(Verb::UpdateStatus, kind, ns, object.is_object() ? MetaStr(object, "name") : "");
  if (auto e = Begin(std::move(call))) return *e;
  return DoUpdate(kind, ns, object, true, false);
}

Result<json> FakeApiClient::DoUpdate(const ResourceKind& kind, const std::string& nsArg,
                                     const json& object, bool statusOnly, bool seeding) {
  if (!object.is_object()) return MakeApiError(Reason::BadRequest, "object must be a JSON object");
  std::string name = MetaStr(object, "name");
  std::string ns = kind.namespaced ? (nsArg.empty() ? MetaStr(object, "namespace") : nsArg) : "";
  auto& objs = objects_[KindKey(kind)];
  auto it = objs.find(ObjKey(ns, name));
  if (it == objs.end()) {
    return MakeApiError(Reason::NotFound, Qualified(kind) + " \"" + name + "\" not found");
  }
  const json& current = it->second;
  std::string wantRv = MetaStr(object, "resourceVersion");
  if (!seeding && !wantRv.empty() && wantRv != MetaStr(current, "resourceVersion")) {
    return MakeApiError(Reason::Conflict,
                        "Operation cannot be fulfilled on " + Qualified(kind) + " \"" + name +
                            "\": the object has been modified; please apply your changes to the "
                            "latest version and try again");
  }

  json next;
  if (statusOnly) {
    next = current;
    if (object.contains("status")) {
      next["status"] = object["status"];
    } else {
      next.erase("status");
    }
  } else {
    next = object;
    if (!next.contains("metadata") || !next["metadata"].is_object()) {
      next["metadata"] = json::object();
    }
    if (!seeding && HasStatusSubresource(kind)) {
      if (current.contains("status")) {
        next["status"] = current["status"];
      } else {
        next.erase("status");
      }
    }
  }
  json& meta = next["metadata"];
  const json& curMeta = current["metadata"];
  for (const char* field : {"uid", "creationTimestamp", "deletionTimestamp", "namespace", "name",
                            "generation", "managedFields"}) {
    if (curMeta.contains(field)) {
      meta[field] = curMeta[field];
    } else {
      meta.erase(field);
    }
  }
  if (object.contains("metadata") && object["metadata"].contains("managedFields") && !statusOnly) {
    meta["managedFields"] = object["metadata"]["managedFields"];
  }
  if (!next.contains("apiVersion")) next["apiVersion"] = kind.ApiVersion();
  if (!next.contains("kind")) next["kind"] = kind.kind;
  meta["resourceVersion"] = curMeta.value("resourceVersion", "");
  if (next == current) return current;  // a no-op write keeps the resourceVersion

  if (SpecPart(next) != SpecPart(current)) {
    meta["generation"] = curMeta.value("generation", int64_t{1}) + 1;
  }
  meta["resourceVersion"] = NextRv();
  json previous = std::move(it->second);
  bool terminating = meta.contains("deletionTimestamp");
  bool noFinalizers =
      !meta.contains("finalizers") || !meta["finalizers"].is_array() || meta["finalizers"].empty();
  if (terminating && noFinalizers) {
    objs.erase(it);
    Publish(kind, WatchEvent::Type::Deleted, next, &previous);
    return next;
  }
  it->second = next;
  Publish(kind, WatchEvent::Type::Modified, next, &previous);
  return next;
}

runtime::Status FakeApiClient::Delete(const ResourceKind& kind, const std::string& ns,
                                      const std::string& name, const runtime::DeleteOptions& opts) {
  std::lock_guard lock(mu_);
  if (auto e = Begin(MakeCall(Verb::Delete, kind, ns, name))) return *e;
  return DoDelete(kind, ns, name, opts);
}

runtime::Status FakeApiClient::DoDelete(const ResourceKind& kind, const std::string& ns,
                                        const std::string& name,
                                        const runtime::DeleteOptions& opts) {
  auto& objs = objects_[KindKey(kind)];
  auto it = objs.find(ObjKey(kind.namespaced ? ns : "", name));
  if (it == objs.end()) {
    return MakeApiError(Reason::NotFound, Qualified(kind) + " \"" + name + "\" not found");
  }
  json& obj = it->second;
  if (opts.preconditionUid && *opts.preconditionUid != MetaStr(obj, "uid")) {
    return MakeApiError(Reason::Conflict,
                        "Precondition failed: UID in precondition: " + *opts.preconditionUid +
                            ", UID in object meta: " + MetaStr(obj, "uid"));
  }
  if (opts.preconditionResourceVersion &&
      *opts.preconditionResourceVersion != MetaStr(obj, "resourceVersion")) {
    return MakeApiError(Reason::Conflict, "Precondition failed: ResourceVersion in precondition: " +
                                              *opts.preconditionResourceVersion +
                                              ", ResourceVersion in object "
                                              "meta: " +
                                              MetaStr(obj, "resourceVersion"));
  }
  const json& meta = obj["metadata"];
  bool hasFinalizers =
      meta.contains("finalizers") && meta["finalizers"].is_array() && !meta["finalizers"].empty();
  if (hasFinalizers) {
    if (meta.contains("deletionTimestamp")) return runtime::OkStatus();
    json previous = obj;
    obj["metadata"]["deletionTimestamp"] = Timestamp();
    obj["metadata"]["deletionGracePeriodSeconds"] = 0;
    obj["metadata"]["resourceVersion"] = NextRv();
    Publish(kind, WatchEvent::Type::Modified, obj, &previous);
    return runtime::OkStatus();
  }
  json final = std::move(obj);
  objs.erase(it);
  final["metadata"]["resourceVersion"] = NextRv();
  Publish(kind, WatchEvent::Type::Deleted, final, nullptr);
  return runtime::OkStatus();
}

Result<json> FakeApiClient::Patch(const ResourceKind& kind, const std::string& nsArg,
                                  const std::string& name, runtime::PatchType type,
                                  const std::string& body, const runtime::PatchOptions& opts) {
  std::lock_guard lock(mu_);
  Call call = MakeCall(Verb::Patch, kind, nsArg, name);
  call.subresource = opts.subresource;
  if (auto e = Begin(call)) return *e;
  json patch = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (patch.is_discarded()) {
    return MakeApiError(Reason::BadRequest, Qualified(kind) + " \"" + name +
                                                "\": patch body is "
                                                "not valid JSON");
  }
  bool status = opts.subresource == "status";
  std::string ns = kind.namespaced ? nsArg : "";
  auto& objs = objects_[KindKey(kind)];
  auto it = objs.find(ObjKey(ns, name));

  if (type == runtime::PatchType::Apply) {
    if (opts.fieldManager.empty()) {
      return MakeApiError(Reason::BadRequest,
                          "PATCH requests with apply require fieldManager to be set");
    }
    if (!patch.is_object()) return MakeApiError(Reason::BadRequest, "apply body must be an object");
    json managed = json::array({json{{"manager", opts.fieldManager},
                                     {"operation", "Apply"},
                                     {"apiVersion", kind.ApiVersion()},
                                     {"time", Timestamp()},
                                     {"fieldsType", "FieldsV1"},
                                     {"fieldsV1", json::object()}}});
    if (it == objs.end()) {
      if (status) {
        return MakeApiError(Reason::NotFound, Qualified(kind) + " \"" + name + "\" not found");
      }
      json obj = patch;
      obj["metadata"]["name"] = name;
      if (!ns.empty()) obj["metadata"]["namespace"] = ns;
      obj["metadata"]["managedFields"] = managed;
      return DoCreate(kind, ns, std::move(obj), false);
    }
    json next = it->second;
    if (patch.contains("metadata") && patch["metadata"].is_object()) {
      patch["metadata"].erase("resourceVersion");
    }
    next.merge_patch(patch);
    json fields = json::array();
    for (const auto& f : next["metadata"].value("managedFields", json::array())) {
      if (!f.is_object() || f.value("manager", "") != opts.fieldManager) fields.push_back(f);
    }
    fields.push_back(managed[0]);
    next["metadata"]["managedFields"] = fields;
    return DoUpdate(kind, ns, next, status, false);
  }

  if (it == objs.end()) {
    return MakeApiError(Reason::NotFound, Qualified(kind) + " \"" + name + "\" not found");
  }
  json next = it->second;
  if (type == runtime::PatchType::JsonPatch) {
    try {
      next = next.patch(patch);
    } catch (const std::exception& e) {
      return MakeApiError(Reason::Invalid, Qualified(kind) + " \"" + name + "\": " + e.what());
    }
  } else {
    // Strategic merge is approximated by a JSON merge patch: lists are replaced, not merged.
    next.merge_patch(patch);
  }
  if (!next.is_object() || !next.contains("metadata") || !next["metadata"].is_object()) {
    return MakeApiError(Reason::Invalid, Qualified(kind) + " \"" + name + "\": metadata removed");
  }
  next["metadata"]["name"] = name;
  return DoUpdate(kind, ns, next, status, false);
}

}  // namespace hybridai::testing
