// A Kubernetes watch response read as WatchEvents: one JSON object per line, {"type": ADDED |
// MODIFIED | DELETED | BOOKMARK | ERROR, "object": {...}}. A malformed line is an ApiError::Decode
// (the watcher re-watches), never a crash. Next() is for one reader thread; Cancel() may come
// from any thread.
#pragma once

#include <memory>
#include <string>

#include "runtime/api_client.h"
#include "runtime/http_transport.h"

namespace hybridai::runtime {

// Parses one line of a watch stream.
Result<WatchEvent> ParseWatchLine(const std::string& line);

class KubeWatchStream final : public WatchStream {
 public:
  // `what` names the watch in errors ("watch aiworkloads in team-a").
  KubeWatchStream(std::unique_ptr<HttpStream> stream, std::string what);
  ~KubeWatchStream() override;

  Result<std::optional<WatchEvent>> Next() override;
  void Cancel() override;

 private:
  std::unique_ptr<HttpStream> stream_;
  const std::string what_;
};

}  // namespace hybridai::runtime
