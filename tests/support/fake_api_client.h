// An in-memory Kubernetes API server behind runtime::ApiClient, for unit tests of everything
// above the client: resourceVersions from one global counter, generation bumps on spec change,
// finalizers, label/field selectors, paginated lists, watches fed by every write, and fault
// injection (errors, 410 Gone after compaction, broken streams, bookmarks, malformed lines).
// Thread-safe: one instance is shared by the code under test and the test driving it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "runtime/api_client.h"
#include "runtime/clock.h"

namespace hybridai::testing {

using runtime::ApiError;
using runtime::json;
using runtime::ResourceKind;

// A Kubernetes-shaped error value: `MakeApiError(Reason::NotFound, "x not found")` carries the
// HTTP status the real server would send for that reason.
ApiError MakeApiError(ApiError::Reason reason, std::string message = "");
// 429 with a Retry-After header.
ApiError TooManyRequests(std::chrono::seconds retryAfter);

class FakeApiClient final : public runtime::ApiClient {
 public:
  enum class Verb { Get, List, Watch, Create, Update, UpdateStatus, Delete, Patch, GetPath };

  // One element of a scripted watch stream (see ScriptNextWatch). Exactly one field is used:
  // an event, a raw line decoded as the wire format (malformed -> a Decode error), an error
  // that ends the stream, or `end` (the stream ends normally, as on a server timeout).
  struct ScriptItem {
    std::optional<runtime::WatchEvent> event;
    std::optional<std::string> rawLine;
    std::optional<ApiError> error;
    bool end = false;

    static ScriptItem Event(runtime::WatchEvent::Type type, json object);
    static ScriptItem Raw(std::string line);
    static ScriptItem Error(ApiError error);
    static ScriptItem End();
  };

  struct Call {
    Verb verb = Verb::Get;
    ResourceKind kind;  // empty for GetPath
    std::string ns;
    std::string name;             // Get/Delete/Patch: the target; Create/Update: the object's
    std::string resourceVersion;  // List/Watch: the requested RV
    std::string continueToken;    // List
    int64_t limit = 0;            // List
    std::string labelSelector;    // List/Watch
    std::string subresource;      // Patch: "" or "status"
  };

  // `clock` stamps creationTimestamp/deletionTimestamp; defaults to the real clock.
  explicit FakeApiClient(runtime::Clock* clock = nullptr);
  ~FakeApiClient() override;
  FakeApiClient(const FakeApiClient&) = delete;
  FakeApiClient& operator=(const FakeApiClient&) = delete;

  // ---- runtime::ApiClient ----
  runtime::Result<json> Get(const ResourceKind& kind, const std::string& ns,
                            const std::string& name) override;
  runtime::Result<runtime::ListResult> List(const ResourceKind& kind, const std::string& ns,
                                            const runtime::ListOptions& opts) override;
  runtime::Result<std::unique_ptr<runtime::WatchStream>> Watch(
      const ResourceKind& kind, const std::string& ns, const runtime::WatchOptions& opts) override;
  runtime::Result<json> Create(const ResourceKind& kind, const std::string& ns,
                               const json& object) override;
  runtime::Result<json> Update(const ResourceKind& kind, const std::string& ns,
                               const json& object) override;
  runtime::Result<json> UpdateStatus(const ResourceKind& kind, const std::string& ns,
                                     const json& object) override;
  runtime::Status Delete(const ResourceKind& kind, const std::string& ns, const std::string& name,
                         const runtime::DeleteOptions& opts) override;
  runtime::Result<json> Patch(const ResourceKind& kind, const std::string& ns,
                              const std::string& name, runtime::PatchType type,
                              const std::string& body, const runtime::PatchOptions& opts) override;
  runtime::Result<json> GetPath(const std::string& path) override;

  // ---- state for tests (no error injection, not recorded as calls) ----
  // Stores `object` as if created (uid, resourceVersion, generation, creationTimestamp filled in
  // when absent; status kept), feeding open watches. Returns the stored object.
  json Seed(const ResourceKind& kind, json object);
  std::optional<json> Peek(const ResourceKind& kind, const std::string& ns,
                           const std::string& name) const;
  // Every stored object of `kind` (in `ns`, or all namespaces when empty), sorted by ns/name.
  std::vector<json> Objects(const ResourceKind& kind, const std::string& ns = "") const;
  // The newest resourceVersion handed out.
  std::string CurrentResourceVersion() const;
  // The answer to GetPath(path); "/version" and "/readyz" have defaults.
  void SetPath(const std::string& path, json body);

  // ---- fault injection ----
  // The next call of `verb` (on `kind` only, when given) fails with `error` instead of running.
  // Injections queue up and each is consumed once, in order.
  void InjectError(Verb verb, ApiError error, std::optional<ResourceKind> kind = std::nullopt);
  // Forgets the watch history up to now: a watch from an older resourceVersion gets 410 Gone
  // (as an ERROR event, like the real server, unless SetGoneAsWatchError(false)), and pending
  // continue tokens expire.
  void Compact();
  // true (default): a too-old watch opens and delivers an ERROR event with code 410.
  // false: the Watch() call itself fails with Reason::Gone.
  void SetGoneAsErrorEvent(bool errorEvent);
  // Every open watch (of `kind`, when given) fails with a Transport error, as a dropped connection.
  void BreakWatches(std::optional<ResourceKind> kind = std::nullopt);
  // Every open watch (of `kind`) ends normally, as when the server's timeoutSeconds expires.
  void CloseWatches(std::optional<ResourceKind> kind = std::nullopt);
  // Every open watch of `kind` that asked for bookmarks gets a BOOKMARK at the current RV.
  void SendBookmark(const ResourceKind& kind);
  // Delivers `event` to every open watch of `kind` without touching the stored objects.
  void SendWatchEvent(const ResourceKind& kind, runtime::WatchEvent event);
  // Delivers a raw wire line (decoded like the real client: malformed -> Decode error).
  void SendRawLine(const ResourceKind& kind, std::string line);
  // The next Watch() on `kind` returns a stream that replays `items` and is fed nothing else;
  // when the items run out without End/Error it stays quiet until cancelled. Queue up several
  // for successive watches.
  void ScriptNextWatch(const ResourceKind& kind, std::vector<ScriptItem> items);

  // ---- observation ----
  std::size_t OpenWatches(std::optional<ResourceKind> kind = std::nullopt) const;
  // Blocks (real time) until at least `n` watches of `kind` are open. The limit is a hang guard
  // for broken tests, not a timing assertion: returns false when it expires.
  bool WaitForWatches(std::size_t n, std::optional<ResourceKind> kind = std::nullopt,
                      std::chrono::milliseconds realLimit = std::chrono::seconds(20)) const;
  // Blocks until at least `n` calls of `verb` were made (same hang guard).
  bool WaitForCalls(Verb verb, std::size_t n,
                    std::chrono::milliseconds realLimit = std::chrono::seconds(20)) const;
  std::vector<Call> Calls() const;
  std::size_t CallCount(Verb verb) const;
  // Status writes of any verb: UpdateStatus, and Patch of the /status subresource.
  std::size_t StatusWrites() const;
  void ClearCalls();

 private:
  struct Stream;
  class StreamHandle;
  struct PendingList;
  struct Injection {
    Verb verb;
    ApiError error;
    std::optional<ResourceKind> kind;
  };
  struct HistoryEntry {
    std::string kindKey;
    uint64_t rv;
    runtime::WatchEvent::Type type;
    std::shared_ptr<const json> object;
    std::shared_ptr<const json> old;  // Modified: the previous state, for selector transitions
  };

  static Call MakeCall(Verb verb, const ResourceKind& kind, const std::string& ns,
                       const std::string& name = "");
  // All private helpers expect mu_ held.
  std::optional<ApiError> Begin(Call call);
  std::string NextRv();
  void Publish(const ResourceKind& kind, runtime::WatchEvent::Type type, const json& object,
               const json* old);
  // statusOnly: the /status subresource; seeding: keep the caller's status and skip checks.
  runtime::Result<json> DoUpdate(const ResourceKind& kind, const std::string& ns,
                                 const json& object, bool statusOnly, bool seeding);
  runtime::Result<json> DoCreate(const ResourceKind& kind, const std::string& ns, json object,
                                 bool seeding);
  runtime::Status DoDelete(const ResourceKind& kind, const std::string& ns, const std::string& name,
                           const runtime::DeleteOptions& opts);
  void PruneStreams();
  std::string Timestamp() const;

  runtime::Clock* clock_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;  // signalled on calls and watch opens
  uint64_t rv_ = 1;
  uint64_t compactedRv_ = 0;
  uint64_t uidCounter_ = 0;
  uint64_t continueCounter_ = 0;
  bool goneAsErrorEvent_ = true;
  // kind key ("group/resource") -> "ns/name" -> object
  std::map<std::string, std::map<std::string, json>> objects_;
  std::deque<HistoryEntry> history_;
  std::map<std::string, std::shared_ptr<PendingList>> pendingLists_;
  std::vector<std::shared_ptr<Stream>> streams_;
  std::map<std::string, std::deque<std::vector<ScriptItem>>> scripts_;
  std::deque<Injection> injections_;
  std::vector<Call> calls_;
  std::map<std::string, json> paths_;
};

}  // namespace hybridai::testing
