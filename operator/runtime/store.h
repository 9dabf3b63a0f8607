// The informer cache for one kind: immutable objects keyed by "namespace/name", with indexes
// (namespace, a label's value, or any custom function). Readers get shared_ptr<const json>
// snapshots, so an update replaces a pointer and nobody sees a half-applied object.
//
// A compact store keeps each object as MessagePack bytes instead of a JSON tree: a tree costs
// about five times its text (a map node and a string per key), the packed form a little less
// than its text. Readers then get a freshly decoded copy (about as costly as parsing the JSON),
// so a compact store suits large caches read one object at a time: scans that only need an
// object's identity use ForEach(), which decodes nothing until asked.
//
// Thread-safe: many readers, one writer (the informer) at a time under a shared mutex.
#pragma once

#include <cstddef>
#include <cstdint>
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

struct StoreOptions {
  bool compact = false;  // keep objects packed (MessagePack) rather than as JSON trees
};

// One cached object: its identity without decoding, and the object itself.
class StoredObject {
 public:
  StoredObject(ObjectPtr object, bool compact);
  const std::string& key() const { return key_; }
  const std::string& uid() const { return uid_; }
  const std::string& resourceVersion() const { return resourceVersion_; }
  // The object; a compact store decodes a new copy on every call.
  ObjectPtr object() const;
  // Bytes held for the object itself (the packed form; 0 for a shared JSON tree).
  std::size_t packedBytes() const { return packed_.size(); }

 private:
  std::string key_, uid_, resourceVersion_;
  ObjectPtr object_;                   // a plain store
  std::vector<std::uint8_t> packed_;  // a compact store
};
using StoredObjectPtr = std::shared_ptr<const StoredObject>;

class Store {
 public:
  // Starts with the namespace index.
  explicit Store(StoreOptions options = {});

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
  bool compact() const { return options_.compact; }

  // Calls `fn` for every object indexed under `value` by `index` (every object when `index` is
  // empty), outside the store's lock and in no particular order.
  void ForEach(const std::string& index, const std::string& value,
               const std::function<void(const StoredObject&)>& fn) const;

  // Writers. Both return the previous object (null when there was none).
  ObjectPtr Upsert(ObjectPtr object);
  ObjectPtr Remove(const std::string& key);

 private:
  struct Index {
    IndexFunc fn;
    std::unordered_map<std::string, std::unordered_set<std::string>> byValue;
  };
  // The entries under index/value (every entry when index is empty), copied under the lock.
  std::vector<StoredObjectPtr> Snapshot(const std::string& index, const std::string& value) const;
  static std::vector<std::string> ValuesOf(const Index& index, const json& object);
  void IndexLocked(const std::string& key, const json* before, const json* after);

  const StoreOptions options_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, StoredObjectPtr> objects_;
  std::unordered_map<std::string, Index> indexes_;
};

}  // namespace hybridai::runtime
