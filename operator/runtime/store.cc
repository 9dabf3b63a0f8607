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

Store::Store() {
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
  for (const auto& [key, obj] : objects_) {
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
  return it == objects_.end() ? nullptr : it->second;
}

ObjectPtr Store::Get(const std::string& ns, const std::string& name) const {
  return Get(ns.empty() ? name : ns + "/" + name);
}

std::vector<ObjectPtr> Store::List() const {
  std::shared_lock lock(mu_);
  std::vector<ObjectPtr> out;
  out.reserve(objects_.size());
  for (const auto& [key, obj] : objects_) out.push_back(obj);
  return out;
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
  std::shared_lock lock(mu_);
  std::vector<ObjectPtr> out;
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
  std::string key = ObjectKey(*object);
  if (key.empty()) return nullptr;
  std::unique_lock lock(mu_);
  ObjectPtr& slot = objects_[key];
  ObjectPtr previous = std::move(slot);
  slot = std::move(object);
  IndexLocked(key, previous.get(), slot.get());
  return previous;
}

ObjectPtr Store::Remove(const std::string& key) {
  std::unique_lock lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return nullptr;
  ObjectPtr previous = std::move(it->second);
  objects_.erase(it);
  IndexLocked(key, previous.get(), nullptr);
  return previous;
}

}  // namespace hybridai::runtime
