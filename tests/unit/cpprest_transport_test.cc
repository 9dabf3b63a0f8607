// CpprestTransport against a small OpenSSL server on 127.0.0.1 started by the test, with a CA,
// server and client certificates made by the openssl tool in a temp dir: verification with the
// right and a wrong CA, the explicit insecure flag, client certificates, keep-alive, chunked
// streaming read line by line, cancel and inactivity timeout.
#include "runtime/cpprest_transport.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

namespace hybridai::runtime {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Certificates for one test run: a cluster CA, a server cert for IP 127.0.0.1, a client cert
// CN=alice (both signed by the CA), and an unrelated CA.
struct Pki {
  std::string dir;
  bool ok = false;

  Pki() {
    char tmpl[] = "/tmp/hybridai-tls-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return;
    dir = tmpl;
    std::ofstream(dir + "/san.ext") << "subjectAltName=IP:127.0.0.1\n";
    std::ofstream(dir + "/client.ext") << "extendedKeyUsage=clientAuth\n";
    const std::string q = " >/dev/null 2>&1";
    const std::string d = dir + "/";
    auto run = [&](const std::string& cmd) { return std::system((cmd + q).c_str()) == 0; };
    ok =
        run("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=test-ca -keyout " + d +
            "ca.key -out " + d + "ca.crt") &&
        run("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=other-ca -keyout " + d +
            "other.key -out " + d + "other.crt") &&
        run("openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout " + d +
            "server.key -out " + d + "server.csr") &&
        run("openssl x509 -req -in " + d + "server.csr -CA " + d + "ca.crt -CAkey " + d +
            "ca.key -CAcreateserial -days 1 -extfile " + d + "san.ext -out " + d + "server.crt") &&
        run("openssl req -newkey rsa:2048 -nodes -subj /CN=alice/O=system:masters -keyout " + d +
            "client.key -out " + d + "client.csr") &&
        run("openssl x509 -req -in " + d + "client.csr -CA " + d + "ca.crt -CAkey " + d +
            "ca.key -CAcreateserial -days 1 -extfile " + d + "client.ext -out " + d + "client.crt");
  }
  ~Pki() {
    if (!dir.empty()) fs::remove_all(dir);
  }
  std::string Pem(const std::string& name) const { return ReadAll(dir + "/" + name); }
};

struct SeenRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string clientCn;  // "" without a client certificate
};

// A tiny HTTPS/1.1 server: one thread per connection, keep-alive, a few canned routes.
class TlsTestServer {
 public:
  explicit TlsTestServer(const Pki& pki) {
    ctx_ = SSL_CTX_new(TLS_server_method());
    SSL_CTX_use_certificate_file(ctx_, (pki.dir + "/server.crt").c_str(), SSL_FILETYPE_PEM);
    SSL_CTX_use_PrivateKey_file(ctx_, (pki.dir + "/server.key").c_str(), SSL_FILETYPE_PEM);
    SSL_CTX_load_verify_locations(ctx_, (pki.dir + "/ca.crt").c_str(), nullptr);
    // Ask for a client certificate, accept connections without one (like kube-apiserver).
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, [](int, X509_STORE_CTX*) { return 1; });
    listen_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(listen_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    bind(listen_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    listen(listen_, 16);
    socklen_t len = sizeof(addr);
    getsockname(listen_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { AcceptLoop(); });
  }

  ~TlsTestServer() {
    stop_ = true;
    ReleaseStream();
    acceptor_.join();
    for (auto& t : conns_) t.join();
    close(listen_);
    SSL_CTX_free(ctx_);
  }

  std::string Url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  int Connections() const { return connections_.load(); }
  int Handshakes() const { return handshakes_.load(); }
  SeenRequest Last() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_;
  }
  // /stream holds its remaining lines until this is called.
  void ReleaseStream() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  void AcceptLoop() {
    while (!stop_) {
      pollfd p{listen_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      int fd = accept(listen_, nullptr, nullptr);
      if (fd < 0) continue;
      connections_++;
      conns_.emplace_back([this, fd] { Serve(fd); });
    }
  }

  // Waits for readable data or stop; false on stop.
  bool WaitReadable(SSL* ssl, int fd) {
    while (!stop_) {
      if (SSL_pending(ssl) > 0) return true;
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 50) > 0) return true;
    }
    return false;
  }

  void Serve(int fd) {
    SSL* ssl = SSL_new(ctx_);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) == 1) {
      handshakes_++;
      std::string cn;
      if (X509* peer = SSL_get1_peer_certificate(ssl)) {
        char buf[256] = {0};
        X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, buf, sizeof(buf));
        cn = buf;
        X509_free(peer);
      }
      std::string in;
      while (HandleOne(ssl, fd, cn, in)) {
      }
    }
    ERR_clear_error();
    SSL_free(ssl);
    close(fd);
  }

  bool ReadMore(SSL* ssl, int fd, std::string& in) {
    if (!WaitReadable(ssl, fd)) return false;
    char buf[4096];
    int n = SSL_read(ssl, buf, sizeof(buf));
    if (n <= 0) return false;
    in.append(buf, static_cast<size_t>(n));
    return true;
  }

  bool Write(SSL* ssl, const std::string& s) {
    return SSL_write(ssl, s.data(), static_cast<int>(s.size())) == static_cast<int>(s.size());
  }

  bool HandleOne(SSL* ssl, int fd, const std::string& cn, std::string& in) {
    size_t end;
    while ((end = in.find("\r\n\r\n")) == std::string::npos) {
      if (!ReadMore(ssl, fd, in)) return false;
    }
    SeenRequest req;
    req.clientCn = cn;
    std::istringstream head(in.substr(0, end));
    in.erase(0, end + 4);
    std::string line;
    std::getline(head, line);
    std::istringstream first(line);
    first >> req.method >> req.target;
    while (std::getline(head, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string k = line.substr(0, colon);
      for (auto& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string v = line.substr(colon + 1);
      v.erase(0, v.find_first_not_of(' '));
      req.headers[k] = v;
    }
    size_t length =
        req.headers.count("content-length") ? std::stoul(req.headers["content-length"]) : 0;
    while (in.size() < length) {
      if (!ReadMore(ssl, fd, in)) return false;
    }
    req.body = in.substr(0, length);
    in.erase(0, length);
    {
      std::lock_guard<std::mutex> lock(mu_);
      last_ = req;
    }
    const std::string path = req.target.substr(0, req.target.find('?'));
    if (path == "/hello") {
      std::string body = R"({"ok":true,"cn":")" + cn + "\"}";
      return Write(ssl,
                   "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Test: yes\r\n"
                   "Content-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n" + body);
    }
    if (path == "/echo") {
      return Write(ssl, "HTTP/1.1 201 Created\r\nContent-Type: " + req.headers["content-type"] +
                            "\r\nContent-Length: " + std::to_string(req.body.size()) + "\r\n\r\n" +
                            req.body);
    }
    if (path == "/stream") {
      auto chunk = [](const std::string& s) {
        std::ostringstream o;
        o << std::hex << s.size() << "\r\n" << s << "\r\n";
        return o.str();
      };
      if (!Write(ssl,
                 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n" +
                     chunk("{\"n\":1}\n"))) {
        return false;
      }
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return released_ || stop_; });
      }
      if (stop_) return false;
      Write(ssl, chunk("{\"n\":2}\n{\"n\":3}\n") + chunk("{\"n\":4}") + "0\r\n\r\n");
      return false;  // one stream per connection
    }
    if (path == "/hang") {
      while (!stop_) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, 50) > 0) break;  // the client closed
      }
      return false;
    }
    const std::string body = R"({"kind":"Status","code":404,"reason":"NotFound"})";
    return Write(ssl,
                 "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n" + body);
  }

  SSL_CTX* ctx_ = nullptr;
  int listen_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> handshakes_{0};
  std::thread acceptor_;
  std::vector<std::thread> conns_;  // only touched by the acceptor, then the destructor
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
  SeenRequest last_;
};

class CpprestTransportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pki_ = new Pki(); }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(pki_->ok) << "openssl could not make the test certificates";
    server_ = std::make_unique<TlsTestServer>(*pki_);
  }
  void TearDown() override { server_.reset(); }

  std::shared_ptr<CpprestTransport> Make(TlsOptions tls) {
    CpprestTransportOptions o;
    o.server = server_->Url();
    o.tls = std::move(tls);
    auto t = CpprestTransport::Create(o);
    EXPECT_TRUE(t.ok()) << t.error().message;
    return t.ok() ? t.value() : nullptr;
  }
  TlsOptions Trusting() const {
    TlsOptions tls;
    tls.caPem = pki_->Pem("ca.crt");
    return tls;
  }

  static Pki* pki_;
  std::unique_ptr<TlsTestServer> server_;
};
Pki* CpprestTransportTest::pki_ = nullptr;

TEST_F(CpprestTransportTest, TrustedCaRoundTripWithQueryAndHeaders) {
  auto t = Make(Trusting());
  HttpRequest req;
  req.path = "/hello";
  req.query = {{"labelSelector", "app=web,tier in (a,b)"}, {"limit", "5"}};
  req.headers = {{"Authorization", "Bearer tok"}, {"User-Agent", "hybrid-test"}};
  auto r = t->Send(req);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r.value().status, 200);
  EXPECT_EQ(r.value().body, R"({"ok":true,"cn":""})");
  EXPECT_EQ(r.value().Header("X-TEST"), "yes");
  SeenRequest seen = server_->Last();
  EXPECT_EQ(seen.method, "GET");
  EXPECT_EQ(seen.target, "/hello?labelSelector=app%3Dweb%2Ctier%20in%20%28a%2Cb%29&limit=5");
  EXPECT_EQ(seen.headers["authorization"], "Bearer tok");
  EXPECT_EQ(seen.headers["user-agent"], "hybrid-test");
}

TEST_F(CpprestTransportTest, UntrustedCaFailsVerification) {
  TlsOptions tls;
  tls.caPem = pki_->Pem("other.crt");
  auto t = Make(tls);
  HttpRequest req;
  req.path = "/hello";
  auto r = t->Send(req);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.Is(ApiError::Reason::Transport)) << r.error().ToString();
  EXPECT_EQ(server_->Handshakes(), 0);
}

TEST_F(CpprestTransportTest, SystemTrustStoreDoesNotTrustTestCa) {
  auto t = Make(TlsOptions{});
  HttpRequest req;
  req.path = "/hello";
  EXPECT_TRUE(t->Send(req).Is(ApiError::Reason::Transport));
}

TEST_F(CpprestTransportTest, InsecureFlagSkipsVerification) {
  TlsOptions tls;
  tls.caPem = pki_->Pem("other.crt");
  tls.insecureSkipVerify = true;
  auto t = Make(tls);
  HttpRequest req;
  req.path = "/hello";
  auto r = t->Send(req);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r.value().status, 200);
}

TEST_F(CpprestTransportTest, ClientCertificateIsSent) {
  TlsOptions tls = Trusting();
  tls.clientCertPem = pki_->Pem("client.crt");
  tls.clientKeyPem = pki_->Pem("client.key");
  auto t = Make(tls);
  HttpRequest req;
  req.path = "/hello";
  auto r = t->Send(req);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r.value().body, R"({"ok":true,"cn":"alice"})");
  EXPECT_EQ(server_->Last().clientCn, "alice");
}

TEST_F(CpprestTransportTest, BadPemMaterialIsRejectedUpFront) {
  CpprestTransportOptions o;
  o.server = server_->Url();
  o.tls.caPem = "not a pem";
  EXPECT_NE(CpprestTransport::Create(o).error().message.find("certificate authority"),
            std::string::npos);
  o.tls = Trusting();
  o.tls.clientCertPem = pki_->Pem("client.crt");
  EXPECT_NE(CpprestTransport::Create(o).error().message.find("together"), std::string::npos);
  o.tls.clientKeyPem = pki_->Pem("other.key");  // a key of another certificate
  EXPECT_NE(CpprestTransport::Create(o).error().message.find("does not match"), std::string::npos);
  o.tls = Trusting();
  o.server = "ftp://127.0.0.1";
  EXPECT_FALSE(CpprestTransport::Create(o).ok());
  o.server = "::not a url::";
  EXPECT_FALSE(CpprestTransport::Create(o).ok());
}

TEST_F(CpprestTransportTest, BodyContentTypeAndKeepAlive) {
  auto t = Make(Trusting());
  for (int i = 0; i < 20; ++i) {
    HttpRequest req;
    req.method = "PATCH";
    req.path = "/echo";
    req.headers = {{"Content-Type", "application/apply-patch+yaml"}};
    req.body = R"({"n":)" + std::to_string(i) + "}";
    auto r = t->Send(req);
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_EQ(r.value().status, 201);
    EXPECT_EQ(r.value().body, req.body);
    EXPECT_EQ(r.value().Header("content-type"), "application/apply-patch+yaml");
    EXPECT_EQ(server_->Last().method, "PATCH");
  }
  // Keep-alive: requests reuse pooled connections. cpprestsdk hands a connection back to its
  // pool just after the body completes, so a request sent at once may still open a second one;
  // what must not happen is one connection per request.
  EXPECT_GE(server_->Connections(), 1);
  EXPECT_LT(server_->Connections(), 20);
}

TEST_F(CpprestTransportTest, ErrorStatusIsAResponse) {
  auto t = Make(Trusting());
  HttpRequest req;
  req.path = "/missing";
  auto r = t->Send(req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().status, 404);
  EXPECT_NE(r.value().body.find("NotFound"), std::string::npos);
}

TEST_F(CpprestTransportTest, ChunkedStreamIsReadLineByLine) {
  auto t = Make(Trusting());
  HttpRequest req;
  req.path = "/stream";
  auto s = t->Open(req);
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  EXPECT_EQ(s.value()->Head().status, 200);
  // The first line arrives while the server still holds the rest of the body.
  auto first = s.value()->ReadLine();
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  EXPECT_EQ(first.value(), std::optional<std::string>(R"({"n":1})"));
  server_->ReleaseStream();
  std::vector<std::string> rest;
  while (true) {
    auto l = s.value()->ReadLine();
    ASSERT_TRUE(l.ok()) << l.error().ToString();
    if (!l.value()) break;
    rest.push_back(*l.value());
  }
  EXPECT_EQ(rest, (std::vector<std::string>{R"({"n":2})", R"({"n":3})", R"({"n":4})"}));
}

TEST_F(CpprestTransportTest, CancelUnblocksAPendingRead) {
  auto t = Make(Trusting());
  HttpRequest req;
  req.path = "/stream";
  auto s = t->Open(req);
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  ASSERT_TRUE(s.value()->ReadLine().ok());
  HttpStream* stream = s.value().get();
  Result<std::optional<std::string>> blocked = std::optional<std::string>("unset");
  std::thread reader([&] { blocked = stream->ReadLine(); });
  // Whether Cancel lands before or during the read, the read must end as a closed stream.
  stream->Cancel();
  reader.join();
  ASSERT_TRUE(blocked.ok()) << blocked.error().ToString();
  EXPECT_FALSE(blocked.value().has_value());
}

TEST_F(CpprestTransportTest, InactivityTimeoutIsTimeout) {
  auto t = Make(Trusting());
  HttpRequest req;
  req.path = "/hang";
  req.timeout = std::chrono::milliseconds(300);
  auto r = t->Send(req);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.Is(ApiError::Reason::Timeout)) << r.error().ToString();
  EXPECT_NE(r.error().message.find("GET /hang"), std::string::npos);
}

TEST(CpprestTransportNoServer, ConnectionRefusedIsTransport) {
  // Bind a port, then close it, so nothing listens there.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  CpprestTransportOptions o;
  o.server = "https://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  auto t = CpprestTransport::Create(o);
  ASSERT_TRUE(t.ok());
  HttpRequest req;
  req.path = "/hello";
  auto r = t.value()->Send(req);
  EXPECT_TRUE(r.Is(ApiError::Reason::Transport));
}

}  // namespace
}  // namespace hybridai::runtime
