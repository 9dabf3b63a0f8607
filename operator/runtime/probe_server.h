// HTTP endpoints for kubelet probes and Prometheus (/healthz, /readyz with named checks, /metrics):
// a minimal HTTP/1.1 server on POSIX sockets, one thread answering one request at a time.
// Thread-safe: add checks and Stop() from any thread; checks run on the server thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "runtime/api_client.h"

namespace hybridai::runtime {

class MetricsRegistry;

struct ProbeResult {
  bool ok = true;
  std::string why;  // shown by ?verbose when not ok

  static ProbeResult Ok() { return {}; }
  static ProbeResult Fail(std::string why) { return {false, std::move(why)}; }
};

using ProbeCheck = std::function<ProbeResult()>;

struct ProbeServerOptions {
  // "127.0.0.1:8081", ":8081" (all interfaces), "[::1]:8081", "localhost:0" (any free port).
  std::string bindAddress = "127.0.0.1:8081";
  // Serves /metrics from this registry when set; otherwise /metrics is 404.
  MetricsRegistry* metrics = nullptr;
  // A client that sends nothing for this long is dropped, so it cannot stall the server.
  std::chrono::milliseconds ioTimeout{2000};
};

class ProbeServer {
 public:
  explicit ProbeServer(ProbeServerOptions options);
  ~ProbeServer();  // Stop()
  ProbeServer(const ProbeServer&) = delete;
  ProbeServer& operator=(const ProbeServer&) = delete;

  // /healthz and /healthz/<name>. With no check registered, /healthz answers ok.
  void AddHealthCheck(std::string name, ProbeCheck check);
  // /readyz and /readyz/<name>: e.g. "informers" (caches synced), "leader-election" (settled).
  void AddReadyCheck(std::string name, ProbeCheck check);

  // Binds, listens and starts serving; returns the bound port (useful with port 0). A bind
  // failure is a Transport error naming the address.
  Result<int> Start();
  // Stops accepting, finishes the request in progress and closes the socket. Idempotent.
  void Stop();

  int port() const { return port_; }

 private:
  struct Named {
    std::string name;
    ProbeCheck check;
  };
  struct Response {
    int status = 200;
    std::string contentType = "text/plain; charset=utf-8";
    std::string body;
  };

  void Serve();
  void HandleConnection(int fd);
  Response Route(const std::string& method, const std::string& target);
  Response RunChecks(const std::string& endpoint, const std::vector<Named>& checks,
                     const std::string& only, bool verbose);

  const ProbeServerOptions options_;
  std::mutex mu_;  // guards the check lists
  std::vector<Named> healthChecks_;
  std::vector<Named> readyChecks_;

  int listenFd_ = -1;
  int wakeFd_ = -1;  // an eventfd written by Stop() to wake poll()
  std::atomic<int> port_{0};
  std::thread thread_;
  std::mutex lifecycleMu_;  // serializes Start/Stop
};

// Splits "host:port" (host may be empty or bracketed IPv6). False on a malformed address.
bool SplitHostPort(const std::string& address, std::string* host, std::string* port);

}  // namespace hybridai::runtime
