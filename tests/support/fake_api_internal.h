// Internals shared by the in-memory API server's translation units (fake_api_client.cc,
// fake_watch_stream.cc, fake_api_controls.cc): key helpers, field selectors, and the watch
// stream state. Not for tests to include. Stream is guarded by its own mutex.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "fake_api_client.h"
#include "runtime/label_selector.h"

namespace hybridai::testing {
namespace fake {

using runtime::Result;
using runtime::WatchEvent;

inline std::string KindKey(const ResourceKind& k) {
  return k.group + "/" + k.resource;
}

inline std::string ObjKey(const std::string& ns, const std::string& name) {
  return ns.empty() ? name : ns + "/" + name;
}

// "aiworkloads.hybridai.io", as the server names a resource in its messages.
inline std::string Qualified(const ResourceKind& k) {
  return k.group.empty() ? k.resource : k.resource + "." + k.group;
}

// A string at obj[a][b]; "" when absent or not a string.
std::string StrAt(const json& obj, const char* a, const char* b);
inline std::string MetaStr(const json& obj, const char* field) {
  return StrAt(obj, "metadata", field);
}

// `metadata.name=x,metadata.namespace!=y`: equality on any dotted path to a string.
struct FieldRequirement {
  std::vector<std::string> path;
  bool negate = false;
  std::string value;
};
Result<std::vector<FieldRequirement>> ParseFieldSelector(const std::string& text);
bool FieldsMatch(const std::vector<FieldRequirement>& reqs, const json& obj);

// Decodes one watch line the way the HTTPS client does; malformed input is a Decode error.
Result<WatchEvent> DecodeLine(const std::string& line);
// The metav1.Status of a 410 ERROR event.
json GoneStatus(const std::string& message);

}  // namespace fake

struct FakeApiClient::Stream {
  std::string kindKey;
  std::string ns;
  runtime::LabelSelector labels;
  std::vector<fake::FieldRequirement> fields;
  bool bookmarks = false;
  bool scripted = false;

  std::mutex mu;
  std::condition_variable cv;
  std::deque<ScriptItem> items;
  bool terminalQueued = false;  // an End/Error is queued: nothing more is accepted
  bool finished = false;        // the consumer saw the end
  bool cancelled = false;
  bool closed = false;  // the handle was destroyed

  bool Matches(const json& obj) const;
  void Push(ScriptItem item);
  bool Open();
};

class FakeApiClient::StreamHandle final : public runtime::WatchStream {
 public:
  explicit StreamHandle(std::shared_ptr<Stream> s) : s_(std::move(s)) {}
  ~StreamHandle() override;
  runtime::Result<std::optional<runtime::WatchEvent>> Next() override;
  void Cancel() override;

 private:
  std::shared_ptr<Stream> s_;
};

}  // namespace hybridai::testing
