// The informer cache; see store.h.
#include "runtime/store.h"

#include <mutex>

namespace hybridai::runtime {

IndexFunc NamespaceIndexFunc() {
  return [](const json& object) -> std::vector<std::string> {
    std::string ns = MetaString(object, "namespace");
    if (ns.empty()) return {};
    return {ns};
  };
}

IndexFunc LabelIndexFunc(std::string labelKey) {
  return [labelKey = std::move(labelKey)](const json& object) -> std::vector<std::string> {
    auto meta = object.is_object() ? object.find("metadata") : object.end();
    if (meta == object.end() || !meta->is_object()) return {};
    auto labels = meta->find("labels");
    if (labels == meta->end() || !labels->is_object()) return {};
    auto v = labels->find(labelKey);
    if (v == labels->end() || !v->is_string()) return {};
    return {v->get<std::string>()};
  };
}

StoredObject::StoredObject(ObjectPtr object, bool compact)
    : key_(ObjectKey(*object)),
      uid_(MetaString(*object, "uid")),
      resourceVersion_(MetaString(*object, "resourceVersion")) {
  if (!compact) {
    object_ = std::move(object);
    return;
  }
  packed_ = json::to_msgpack(*object);
  packed_.shrink_to_fit();
}

ObjectPtr StoredObject::object() const {
  if (object_) return object_;
  // Packed by to_msgpack above, so it always decodes.
  return std::make_shared<const json>(json::from_msgpack(packed_));
}

Store::Store(StoreOptions options) : options_(options) {
  indexes_[kNamespaceIndex] = Index{NamespaceIndexFunc(), {}};
}

std::vector<std::string> Store::ValuesOf(const Index& index, const json& object) {
  try {
    return index.fn(object);
  } catch (const std::exception&) {
    return {};
  }
}

void Store::AddIndex(const std::string& name, IndexFunc fn) {
  std::unique_lock lock(mu_);
  Index& index = indexes_[name];
  index.fn = std::move(fn);
  index.byValue.clear();
  for (const auto& [key, stored] : objects_) {
    const ObjectPtr obj = stored->object();
    for (auto& v : ValuesOf(index, *obj)) index.byValue[v].insert(key);
  }
}

void Store::IndexLocked(const std::string& key, const json* before, const json* after) {
  for (auto& [name, index] : indexes_) {
    if (before) {
      for (const auto& v : ValuesOf(index, *before)) {
        auto it = index.byValue.find(v);
        if (it == index.byValue.end()) continue;
        it->second.erase(key);
        if (it->second.empty()) index.byValue.erase(it);
      }
    }
    if (after) {
      for (auto& v : ValuesOf(index, *after)) index.byValue[std::move(v)].insert(key);
    }
  }
}

ObjectPtr Store::Get(const std::string& key) const {
  std::shared_lock lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return nullptr;
  StoredObjectPtr stored = it->second;
  lock.unlock();
  return stored->object();
}

ObjectPtr Store::Get(const std::string& ns, const std::string& name) const {
  return Get(ns.empty() ? name : ns + "/" + name);
}

namespace {

std::vector<ObjectPtr> Objects(const std::vector<StoredObjectPtr>& stored) {
  std::vector<ObjectPtr> out;
  out.reserve(stored.size());
  for (const auto& s : stored) out.push_back(s->object());
  return out;
}

}  // namespace

std::vector<StoredObjectPtr> Store::Snapshot(const std::string& index,
                                             const std::string& value) const {
  std::shared_lock lock(mu_);
  std::vector<StoredObjectPtr> out;
  if (index.empty()) {
    out.reserve(objects_.size());
    for (const auto& [key, stored] : objects_) out.push_back(stored);
    return out;
  }
  auto idx = indexes_.find(index);
  if (idx == indexes_.end()) return out;
  auto keys = idx->second.byValue.find(value);
  if (keys == idx->second.byValue.end()) return out;
  out.reserve(keys->second.size());
  for (const auto& key : keys->second) {
    auto it = objects_.find(key);
    if (it != objects_.end()) out.push_back(it->second);
  }
  return out;
}

std::vector<ObjectPtr> Store::List() const {
  // Decoding (in a compact store) happens outside the lock.
  return Objects(Snapshot("", ""));
}

std::vector<ObjectPtr> Store::List(const LabelSelector& selector, const std::string& ns) const {
  std::vector<ObjectPtr> candidates = ns.empty() ? List() : ByIndex(kNamespaceIndex, ns);
  std::vector<ObjectPtr> out;
  for (auto& obj : candidates) {
    if (selector.MatchesObject(*obj)) out.push_back(std::move(obj));
  }
  return out;
}

std::vector<ObjectPtr> Store::ByIndex(const std::string& index, const std::string& value) const {
  if (index.empty()) return {};
  return Objects(Snapshot(index, value));
}

void Store::ForEach(const std::string& index, const std::string& value,
                    const std::function<void(const StoredObject&)>& fn) const {
  for (const auto& stored : Snapshot(index, value)) fn(*stored);
}

std::vector<std::string> Store::Keys() const {
  std::shared_lock lock(mu_);
  std::vector<std::string> out;
  out.reserve(objects_.size());
  for (const auto& [key, obj] : objects_) out.push_back(key);
  return out;
}

std::size_t Store::Size() const {
  std::shared_lock lock(mu_);
  return objects_.size();
}

ObjectPtr Store::Upsert(ObjectPtr object) {
  if (!object) return nullptr;
  if (ObjectKey(*object).empty()) return nullptr;
  // Packing happens before the lock is taken.
  auto stored = std::make_shared<const StoredObject>(object, options_.compact);
  std::unique_lock lock(mu_);
  StoredObjectPtr& slot = objects_[stored->key()];
  ObjectPtr previous = slot ? slot->object() : nullptr;
  slot = std::move(stored);
  IndexLocked(slot->key(), previous.get(), object.get());
  return previous;
}

ObjectPtr Store::Remove(const std::string& key) {
  std::unique_lock lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return nullptr;
  ObjectPtr previous = it->second->object();
  objects_.erase(it);
  IndexLocked(key, previous.get(), nullptr);
  return previous;
}

}  // namespace hybridai::runtime
