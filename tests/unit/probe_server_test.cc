// The health/readiness/metrics HTTP server, over real loopback sockets.
#include "runtime/probe_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include "runtime/metrics.h"

namespace hybridai::runtime {
namespace {

struct HttpReply {
  int status = 0;
  std::string head;
  std::string body;
};

// Sends `request` raw to 127.0.0.1:port and reads until the server closes.
HttpReply Raw(int port, const std::string& request) {
  HttpReply reply;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return reply;
  }
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  std::string all;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) all.append(buf, n);
  ::close(fd);
  size_t split = all.find("\r\n\r\n");
  if (split == std::string::npos || all.rfind("HTTP/1.1 ", 0) != 0) return reply;
  reply.status = std::stoi(all.substr(9, 3));
  reply.head = all.substr(0, split);
  reply.body = all.substr(split + 4);
  return reply;
}

HttpReply Get(int port, const std::string& target) {
  return Raw(port, "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
}

bool CanConnect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

ProbeServerOptions Options(std::string address, MetricsRegistry* metrics = nullptr) {
  ProbeServerOptions o;
  o.bindAddress = std::move(address);
  o.metrics = metrics;
  o.ioTimeout = std::chrono::milliseconds(500);
  return o;
}

class ProbeServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_.AddCounter("hybridai_test_total", "A test counter", {"k"}).With({"v"}).Inc(3);
    server_ = std::make_unique<ProbeServer>(Options("127.0.0.1:0", &registry_));
    server_->AddHealthCheck("ping", [] { return ProbeResult::Ok(); });
    server_->AddReadyCheck("informers", [this] {
      return synced_ ? ProbeResult::Ok() : ProbeResult::Fail("caches not synced: aiworkloads");
    });
    server_->AddReadyCheck("leader-election", [] { return ProbeResult::Ok(); });
    Result<int> port = server_->Start();
    ASSERT_TRUE(port.ok()) << port.error().ToString();
    port_ = port.value();
    ASSERT_GT(port_, 0);
  }

  MetricsRegistry registry_;
  std::atomic<bool> synced_{false};
  std::unique_ptr<ProbeServer> server_;
  int port_ = 0;
};

TEST_F(ProbeServerTest, HealthzIsOk) {
  HttpReply r = Get(port_, "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok");
  EXPECT_NE(r.head.find("Content-Length: 2"), std::string::npos);
  EXPECT_NE(r.head.find("Connection: close"), std::string::npos);
}

TEST_F(ProbeServerTest, ReadyzFollowsItsChecks) {
  HttpReply before = Get(port_, "/readyz");
  EXPECT_EQ(before.status, 500);
  EXPECT_EQ(before.body,
            "[-]informers failed: reason withheld\n[+]leader-election ok\nreadyz check failed\n");

  HttpReply verbose = Get(port_, "/readyz?verbose");
  EXPECT_EQ(verbose.status, 500);
  EXPECT_EQ(verbose.body,
            "[-]informers failed: caches not synced: aiworkloads\n[+]leader-election ok\n"
            "readyz check failed\n");

  synced_ = true;
  HttpReply after = Get(port_, "/readyz");
  EXPECT_EQ(after.status, 200);
  EXPECT_EQ(after.body, "ok");
  HttpReply afterVerbose = Get(port_, "/readyz?verbose=1");
  EXPECT_EQ(afterVerbose.status, 200);
  EXPECT_EQ(afterVerbose.body, "[+]informers ok\n[+]leader-election ok\nreadyz check passed\n");
}

TEST_F(ProbeServerTest, SingleChecksByName) {
  EXPECT_EQ(Get(port_, "/readyz/informers").status, 500);
  EXPECT_EQ(Get(port_, "/readyz/leader-election").status, 200);
  EXPECT_EQ(Get(port_, "/readyz/nope").status, 404);
  EXPECT_EQ(Get(port_, "/healthz/ping").status, 200);
}

TEST_F(ProbeServerTest, MetricsServesTheRegistry) {
  HttpReply r = Get(port_, "/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.head.find("Content-Type: text/plain; version=0.0.4; charset=utf-8"),
            std::string::npos);
  EXPECT_EQ(r.body, registry_.Expose());
  EXPECT_NE(r.body.find("hybridai_test_total{k=\"v\"} 3\n"), std::string::npos);
}

TEST_F(ProbeServerTest, HeadHasNoBody) {
  HttpReply r = Raw(port_, "HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "");
  EXPECT_NE(r.head.find("Content-Length: 2"), std::string::npos);
}

TEST_F(ProbeServerTest, BadRequestsGetErrorsNotCrashes) {
  EXPECT_EQ(Get(port_, "/nowhere").status, 404);
  EXPECT_EQ(Raw(port_, "POST /healthz HTTP/1.1\r\n\r\n").status, 405);
  EXPECT_EQ(Raw(port_, "garbage\r\n\r\n").status, 400);
  EXPECT_EQ(Raw(port_, "GET /" + std::string(20000, 'a')).status, 431);
  // A client that connects and says nothing is dropped; the server keeps answering.
  EXPECT_EQ(Raw(port_, "").status, 0);
  EXPECT_EQ(Get(port_, "/healthz").status, 200);
}

TEST_F(ProbeServerTest, AThrowingCheckFailsTheProbe) {
  server_->AddHealthCheck("boom", []() -> ProbeResult { throw std::runtime_error("bad state"); });
  HttpReply r = Get(port_, "/healthz?verbose");
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("[-]boom failed: check threw: bad state\n"), std::string::npos);
}

TEST_F(ProbeServerTest, StopReleasesThePort) {
  ASSERT_EQ(Get(port_, "/healthz").status, 200);
  server_->Stop();
  EXPECT_FALSE(CanConnect(port_));
  server_->Stop();  // idempotent

  ProbeServer again(Options("127.0.0.1:" + std::to_string(port_)));
  Result<int> port = again.Start();
  ASSERT_TRUE(port.ok()) << port.error().ToString();
  EXPECT_EQ(port.value(), port_);
  EXPECT_EQ(Get(port_, "/healthz").status, 200);
  EXPECT_EQ(Get(port_, "/metrics").status, 404);  // no registry given
  again.Stop();
}

TEST_F(ProbeServerTest, BusyPortIsAnError) {
  ProbeServer second(Options("127.0.0.1:" + std::to_string(port_)));
  Result<int> r = second.Start();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("127.0.0.1:" + std::to_string(port_)), std::string::npos);
}

TEST(ProbeServerAddressTest, MalformedAddressesAreRejected) {
  for (const char* bad : {"", "8080", "127.0.0.1", "127.0.0.1:", "127.0.0.1:99999", "::1:80",
                          "[::1]", "host:port", "256.1.1.1:80"}) {
    ProbeServer s(Options(bad));
    Result<int> r = s.Start();
    EXPECT_FALSE(r.ok()) << bad;
  }
}

TEST(ProbeServerAddressTest, SplitsHostAndPort) {
  std::string host, port;
  ASSERT_TRUE(SplitHostPort(":8081", &host, &port));
  EXPECT_EQ(host, "");
  EXPECT_EQ(port, "8081");
  ASSERT_TRUE(SplitHostPort("[::1]:8080", &host, &port));
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, "8080");
  ASSERT_TRUE(SplitHostPort("localhost:0", &host, &port));
  EXPECT_EQ(host, "localhost");
  EXPECT_EQ(port, "0");
}

TEST(ProbeServerAddressTest, NoChecksMeansHealthy) {
  ProbeServer s(Options("localhost:0"));
  Result<int> port = s.Start();
  ASSERT_TRUE(port.ok()) << port.error().ToString();
  EXPECT_EQ(Get(port.value(), "/readyz").status, 200);
  EXPECT_EQ(Get(port.value(), "/livez").status, 200);
}

}  // namespace
}  // namespace hybridai::runtime
