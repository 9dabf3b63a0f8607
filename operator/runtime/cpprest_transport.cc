// cpprestsdk implementation of HttpTransport. TLS material is handed to OpenSSL from memory in
// the ssl_context_callback, which cpprestsdk calls for every new pooled connection.
#include "runtime/cpprest_transport.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <strings.h>

#include <atomic>
#include <system_error>
#include <utility>
#include <vector>

#include <cpprest/containerstream.h>
#include <cpprest/http_client.h>
#include <spdlog/spdlog.h>

namespace hybridai::runtime {

namespace http = web::http;
namespace client = web::http::client;

namespace {

ApiError TransportError(ApiError::Reason reason, std::string message) {
  ApiError e;
  e.reason = reason;
  e.message = std::move(message);
  return e;
}

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;
struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

BioPtr MemBio(const std::string& pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// Every certificate of a PEM bundle, in order. Empty when none parsed.
std::vector<X509Ptr> ReadCerts(const std::string& pem) {
  std::vector<X509Ptr> certs;
  BioPtr bio = MemBio(pem);
  while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    certs.emplace_back(x);
  }
  ERR_clear_error();  // the loop ends on a "no start line" error by design
  return certs;
}

PkeyPtr ReadKey(const std::string& pem) {
  BioPtr bio = MemBio(pem);
  return PkeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

// Applies the TLS options to a fresh SSL_CTX. Material was validated in Create, so failures
// here only come from OpenSSL itself; they surface as a failed handshake.
void ConfigureSsl(SSL_CTX* ctx, const TlsOptions& tls) {
  if (!tls.caPem.empty()) {
    // Trust exactly the cluster's CA, not the system store cpprestsdk loaded by default.
    X509_STORE* store = X509_STORE_new();
    for (auto& cert : ReadCerts(tls.caPem)) X509_STORE_add_cert(store, cert.get());
    SSL_CTX_set_cert_store(ctx, store);
  }
  if (!tls.clientCertPem.empty()) {
    auto certs = ReadCerts(tls.clientCertPem);
    if (!certs.empty()) {
      SSL_CTX_use_certificate(ctx, certs[0].get());
      for (size_t i = 1; i < certs.size(); ++i) {
        // add_extra_chain_cert takes ownership.
        if (SSL_CTX_add_extra_chain_cert(ctx, certs[i].get()) == 1) certs[i].release();
      }
    }
    if (auto key = ReadKey(tls.clientKeyPem)) SSL_CTX_use_PrivateKey(ctx, key.get());
  }
}

Status ValidateTls(const TlsOptions& tls) {
  auto bad = [](std::string m) { return TransportError(ApiError::Reason::Invalid, std::move(m)); };
  if (!tls.caPem.empty() && ReadCerts(tls.caPem).empty()) {
    return bad("certificate authority: no PEM certificate found");
  }
  if (tls.clientCertPem.empty() != tls.clientKeyPem.empty()) {
    return bad("client certificate and client key must be given together");
  }
  if (!tls.clientCertPem.empty()) {
    auto certs = ReadCerts(tls.clientCertPem);
    if (certs.empty()) return bad("client certificate: no PEM certificate found");
    PkeyPtr key = ReadKey(tls.clientKeyPem);
    if (!key) {
      ERR_clear_error();
      return bad("client key: no PEM private key found");
    }
    if (X509_check_private_key(certs[0].get(), key.get()) != 1) {
      ERR_clear_error();
      return bad("client key does not match the client certificate");
    }
  }
  return OkStatus();
}

std::string RequestUri(const HttpRequest& r) {
  std::string uri = r.path.empty() ? "/" : r.path;
  char sep = uri.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [k, v] : r.query) {
    uri += sep;
    uri += PercentEncode(k) + "=" + PercentEncode(v);
    sep = '&';
  }
  return uri;
}

http::http_request ToCpprest(const HttpRequest& r) {
  http::http_request req(r.method);
  req.set_request_uri(RequestUri(r));
  std::string contentType = "application/json";
  for (const auto& [k, v] : r.headers) {
    if (strcasecmp(k.c_str(), "content-type") == 0) {
      contentType = v;
    } else {
      req.headers().add(k, v);
    }
  }
  if (!r.body.empty()) {
    // A byte stream over a byte container: the std::string overload of set_body wraps a char
    // buffer as an unsigned-char one, which UBSan reports as a dynamic type mismatch.
    req.set_body(concurrency::streams::bytestream::open_istream(
                     std::vector<unsigned char>(r.body.begin(), r.body.end())),
                 r.body.size(), contentType);
  }
  return req;
}

HttpResponse HeadOf(const http::http_response& resp) {
  HttpResponse out;
  out.status = resp.status_code();
  for (const auto& [k, v] : resp.headers()) {
    std::string name = k;
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers.emplace_back(std::move(name), v);
  }
  return out;
}

// Maps a cpprestsdk/Boost failure onto the error kinds callers act on.
ApiError FromException(const HttpRequest& r, const std::exception& ex) {
  std::string what = r.method + " " + r.path + ": " + ex.what();
  if (auto* he = dynamic_cast<const http::http_exception*>(&ex)) {
    if (he->error_code() == std::errc::timed_out) {
      return TransportError(ApiError::Reason::Timeout, std::move(what));
    }
  }
  return TransportError(ApiError::Reason::Transport, std::move(what));
}

class CpprestStream final : public HttpStream {
 public:
  CpprestStream(HttpRequest request, http::http_response resp, pplx::cancellation_token_source cts)
      : request_(std::move(request)),
        head_(HeadOf(resp)),
        resp_(std::move(resp)),
        body_(resp_.body()),
        cts_(std::move(cts)) {}

  ~CpprestStream() override { Cancel(); }

  const HttpResponse& Head() const override { return head_; }

  Result<std::optional<std::string>> ReadLine() override {
    if (cancelled_.load()) return std::optional<std::string>();
    try {
      // A fresh buffer per line: clearing a container_buffer's string does not reset its
      // write position. Bytes, as the body stream: a char buffer would be reinterpreted as an
      // unsigned-char one (UBSan: dynamic type mismatch).
      concurrency::streams::container_buffer<std::vector<unsigned char>> line;
      size_t n = body_.read_line(line).get();
      if (cancelled_.load()) return std::optional<std::string>();
      if (n == 0 && body_.is_eof() && line.collection().empty()) {
        return std::optional<std::string>();
      }
      std::string s(line.collection().begin(), line.collection().end());
      if (!s.empty() && s.back() == '\r') s.pop_back();
      return std::optional<std::string>(std::move(s));
    } catch (const std::exception& ex) {
      if (cancelled_.load()) return std::optional<std::string>();
      return FromException(request_, ex);
    }
  }

  void Cancel() override {
    if (cancelled_.exchange(true)) return;
    // Closes the connection, which fails a pending read at once.
    cts_.cancel();
  }

 private:
  const HttpRequest request_;
  const HttpResponse head_;
  http::http_response resp_;
  concurrency::streams::istream body_;
  pplx::cancellation_token_source cts_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace

Result<std::shared_ptr<CpprestTransport>> CpprestTransport::Create(
    CpprestTransportOptions options) {
  // OpenSSL registers its cleanup with atexit on first use. Initialise it before cpprestsdk
  // starts its thread pool (a static, joined at exit): exit then joins the pool before OpenSSL
  // frees its locks, instead of freeing them under a pool thread still closing a connection
  // (a hang or a leak at exit, a race under TSan).
  OPENSSL_init_ssl(0, nullptr);
  try {
    web::uri uri(options.server);
    if (uri.scheme() != "https" && uri.scheme() != "http") {
      return TransportError(ApiError::Reason::Invalid,
                            "server " + options.server + ": scheme must be https or http");
    }
    if (uri.host().empty()) {
      return TransportError(ApiError::Reason::Invalid, "server " + options.server + ": no host");
    }
  } catch (const std::exception& ex) {
    return TransportError(ApiError::Reason::Invalid,
                          "server " + options.server + ": not a URL (" + ex.what() + ")");
  }
  if (Status st = ValidateTls(options.tls); !st.ok()) return st.error();
  if (options.tls.insecureSkipVerify) {
    spdlog::warn("msg=\"TLS verification of the API server is OFF\" server={}", options.server);
  }
  return std::shared_ptr<CpprestTransport>(new CpprestTransport(std::move(options)));
}

CpprestTransport::CpprestTransport(CpprestTransportOptions options)
    : options_(std::move(options)) {}

CpprestTransport::~CpprestTransport() = default;

std::shared_ptr<client::http_client> CpprestTransport::ClientFor(
    std::chrono::milliseconds timeout) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = clients_.find(timeout);
  if (it != clients_.end()) return it->second;
  client::http_client_config config;
  config.set_timeout(std::chrono::duration_cast<std::chrono::microseconds>(timeout));
  config.set_validate_certificates(!options_.tls.insecureSkipVerify);
  TlsOptions tls = options_.tls;
  config.set_ssl_context_callback(
      [tls](boost::asio::ssl::context& ctx) { ConfigureSsl(ctx.native_handle(), tls); });
  auto c = std::make_shared<client::http_client>(options_.server, config);
  clients_.emplace(timeout, c);
  return c;
}

Result<HttpResponse> CpprestTransport::Send(const HttpRequest& request) {
  try {
    auto c = ClientFor(request.timeout);
    http::http_response resp = c->request(ToCpprest(request)).get();
    HttpResponse out = HeadOf(resp);
    std::vector<unsigned char> body = resp.extract_vector().get();
    out.body.assign(body.begin(), body.end());
    return out;
  } catch (const std::exception& ex) {
    return FromException(request, ex);
  }
}

Result<std::unique_ptr<HttpStream>> CpprestTransport::Open(const HttpRequest& request) {
  try {
    auto c = ClientFor(request.timeout);
    pplx::cancellation_token_source cts;
    http::http_response resp = c->request(ToCpprest(request), cts.get_token()).get();
    return std::unique_ptr<HttpStream>(
        std::make_unique<CpprestStream>(request, std::move(resp), std::move(cts)));
  } catch (const std::exception& ex) {
    return FromException(request, ex);
  }
}

}  // namespace hybridai::runtime
