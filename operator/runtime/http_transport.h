// The narrow HTTP interface the Kubernetes client talks through, so that the client's URL
// building, error decoding and watch parsing are unit-tested against a scripted fake and the
// cpprestsdk implementation (runtime/cpprest_transport.h) could be replaced without touching it.
// Implementations are thread-safe: one transport serves every request of a cluster's client.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/api_client.h"

namespace hybridai::runtime {

struct HttpRequest {
  std::string method = "GET";
  // Path on the server, already percent-encoded where needed (/api/v1/namespaces/a/pods).
  std::string path;
  // Query parameters, raw: the transport encodes them.
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // An inactivity timeout: the longest wait for the next bytes, not a total deadline (see
  // NOTES.md). A watch gives one above its server-side timeoutSeconds.
  std::chrono::milliseconds timeout{30'000};
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;

  // First header of that name (case-insensitive), or nullopt.
  std::optional<std::string> Header(const std::string& name) const;
};

// A response whose body is read as it arrives, line by line (a Kubernetes watch sends one JSON
// event per line). ReadLine and Cancel may be called from different threads.
class HttpStream {
 public:
  virtual ~HttpStream() = default;
  // Status and headers; the body is read through ReadLine.
  virtual const HttpResponse& Head() const = 0;
  // The next line without its newline; nullopt when the body ended (or after Cancel). A broken
  // connection is ApiError::Transport, an inactivity timeout ApiError::Timeout.
  virtual Result<std::optional<std::string>> ReadLine() = 0;
  // Closes the stream; a blocked ReadLine returns promptly with nullopt.
  virtual void Cancel() = 0;
};

// Errors are values: ApiError::Transport for connection/TLS failures, ApiError::Timeout when no
// byte arrived within the request's timeout. Any HTTP status, 4xx/5xx included, is a response.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Sends the request and reads the whole body.
  virtual Result<HttpResponse> Send(const HttpRequest& request) = 0;
  // Sends the request and returns as soon as the headers arrived.
  virtual Result<std::unique_ptr<HttpStream>> Open(const HttpRequest& request) = 0;
};

// Percent-encodes one path segment or query component (RFC 3986 unreserved chars kept).
std::string PercentEncode(const std::string& s);

}  // namespace hybridai::runtime
