// HttpTransport over cpprestsdk (Boost.Asio + OpenSSL): pooled keep-alive connections to one API
// server, TLS verified against the cluster CA given as PEM in memory, client certificates from
// PEM in memory. Thread-safe: requests from many threads share the pooled connections.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "runtime/http_transport.h"

namespace web::http::client {
class http_client;
}

namespace hybridai::runtime {

struct TlsOptions {
  // PEM bundle of the CAs to trust. Empty: the system's trust store.
  std::string caPem;
  // PEM client certificate (with optional chain) and its key; both or neither.
  std::string clientCertPem;
  std::string clientKeyPem;
  // Turns verification of the server off. Only for throwaway clusters; logs a warning.
  bool insecureSkipVerify = false;
};

struct CpprestTransportOptions {
  // Base URL of the API server: https://127.0.0.1:6443 (a path prefix is kept).
  std::string server;
  TlsOptions tls;
};

class CpprestTransport final : public HttpTransport {
 public:
  // Checks the URL and the PEM material up front, so a bad CA or key is reported here with a
  // clear message instead of as an opaque handshake failure later.
  static Result<std::shared_ptr<CpprestTransport>> Create(CpprestTransportOptions options);
  ~CpprestTransport() override;

  Result<HttpResponse> Send(const HttpRequest& request) override;
  Result<std::unique_ptr<HttpStream>> Open(const HttpRequest& request) override;

 private:
  explicit CpprestTransport(CpprestTransportOptions options);
  // cpprestsdk sets the (inactivity) timeout per client, so one pooled client per distinct
  // timeout: ordinary requests share one, watches another.
  std::shared_ptr<web::http::client::http_client> ClientFor(std::chrono::milliseconds timeout);

  const CpprestTransportOptions options_;
  std::mutex mu_;
  std::map<std::chrono::milliseconds, std::shared_ptr<web::http::client::http_client>> clients_;
};

}  // namespace hybridai::runtime
