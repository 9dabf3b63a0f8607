// The informer cache for one kind: immutable objects keyed by "namespace/name", with indexes
// (namespace, a label's value, or any custom function). Readers get shared_ptr<const json>
// snapshots, so an update replaces a pointer and nobody sees a half-applied object.
// Thread-safe: many readers, one writer (the informer) at a time under a shared mutex.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/label_selector.h"
#include "runtime/watcher.h"

namespace hybridai::runtime {

// The values an object is indexed under (none = not in the index).
using IndexFunc = std::function<std::vector<std::string>(const json& object)>;

inline constexpr const char* kNamespaceIndex = "namespace";

// metadata.namespace (cluster-scoped objects are not indexed).
IndexFunc NamespaceIndexFunc();
// The value of one label, e.g. LabelIndexFunc("hybridai.io/workload").
IndexFunc LabelIndexFunc(std::string labelKey);

class Store {
 public:
  // Starts with the namespace index.
  Store();

  // Adds (or replaces) an index and indexes what is already cached. An index function that
  // throws leaves the object out of that index.
  void AddIndex(const std::string& name, IndexFunc fn);

  ObjectPtr Get(const std::string& key) const;
  ObjectPtr Get(const std::string& ns, const std::string& name) const;
  std::vector<ObjectPtr> List() const;
  // Objects whose labels match, in `ns` (or everywhere when empty).
  std::vector<ObjectPtr> List(const LabelSelector& selector, const std::string& ns = "") const;
  // Objects indexed under `value` by index `index` (empty when the index does not exist).
  std::vector<ObjectPtr> ByIndex(const std::string& index, const std::string& value) const;
  std::vector<std::string> Keys() const;
  std::size_t Size() const;

  // Writers. Both return the previous object (null when there was none).
  ObjectPtr Upsert(ObjectPtr object);
  ObjectPtr Remove(const std::string& key);

 private:
  struct Index {
    IndexFunc fn;
    std::unordered_map<std::string, std::unordered_set<std::string>> byValue;
  };
  static std::vector<std::string> ValuesOf(const Index& index, const json& object);
  void IndexLocked(const std::string& key, const json* before, const json* after);

  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, ObjectPtr> objects_;
  std::unordered_map<std::string, Index> indexes_;
};

}  // namespace hybridai::runtime
