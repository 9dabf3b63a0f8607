#include "runtime/probe_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "runtime/metrics.h"

namespace hybridai::runtime {

namespace {

constexpr size_t kMaxRequestHead = 8192;
constexpr size_t kMaxDrain = 1 << 16;
constexpr auto kLinger = std::chrono::milliseconds(500);

std::string ErrnoText(int err) {
  return std::strerror(err);
}

ApiError BindError(const std::string& address, const std::string& why) {
  ApiError e;
  e.reason = ApiError::Reason::Transport;
  e.message = "probe server: bind " + address + ": " + why;
  return e;
}

const char* StatusText(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
  }
  return "Unknown";
}

// Waits until fd is ready for `events`, the deadline passes, or wakeFd fires.
bool WaitFor(int fd, short events, int wakeFd, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd fds[2] = {{fd, events, 0}, {wakeFd, POLLIN, 0}};
    int n = ::poll(fds, 2, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    if (fds[1].revents != 0) return false;
    return true;
  }
}

bool HasQueryFlag(const std::string& query, const std::string& flag) {
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    std::string item = query.substr(start, end - start);
    if (item == flag || item.rfind(flag + "=", 0) == 0) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

bool SplitHostPort(const std::string& address, std::string* host, std::string* port) {
  size_t colon;
  if (!address.empty() && address[0] == '[') {
    size_t close = address.find(']');
    if (close == std::string::npos || close + 1 >= address.size() || address[close + 1] != ':')
      return false;
    *host = address.substr(1, close - 1);
    colon = close + 1;
  } else {
    colon = address.rfind(':');
    if (colon == std::string::npos) return false;
    *host = address.substr(0, colon);
    if (host->find(':') != std::string::npos) return false;  // IPv6 needs brackets
  }
  *port = address.substr(colon + 1);
  if (port->empty() || port->size() > 5) return false;
  for (char c : *port)
    if (c < '0' || c > '9') return false;
  return std::stoi(*port) <= 65535;
}

ProbeServer::ProbeServer(ProbeServerOptions options) : options_(std::move(options)) {}

ProbeServer::~ProbeServer() {
  Stop();
}

void ProbeServer::AddHealthCheck(std::string name, ProbeCheck check) {
  std::lock_guard lock(mu_);
  healthChecks_.push_back({std::move(name), std::move(check)});
}

void ProbeServer::AddReadyCheck(std::string name, ProbeCheck check) {
  std::lock_guard lock(mu_);
  readyChecks_.push_back({std::move(name), std::move(check)});
}

Result<int> ProbeServer::Start() {
  std::lock_guard lifecycle(lifecycleMu_);
  const std::string& address = options_.bindAddress;
  if (thread_.joinable()) return BindError(address, "already started");
  std::string host, port;
  if (!SplitHostPort(address, &host, &port)) {
    return BindError(address, "expected host:port, :port or [ipv6]:port");
  }

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &found);
  if (rc != 0) return BindError(address, gai_strerror(rc));

  std::string lastError = "no usable address";
  int fd = -1;
  // With an empty host, prefer IPv4's 0.0.0.0, the usual meaning of ":8081" in a pod.
  for (int pass = 0; pass < 2 && fd < 0; ++pass) {
    for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
      if ((pass == 0) != (ai->ai_family == AF_INET)) continue;
      int s = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
      if (s < 0) {
        lastError = ErrnoText(errno);
        continue;
      }
      int one = 1;
      // A restarting operator must rebind at once despite connections in TIME_WAIT.
      ::setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (::bind(s, ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(s, 64) != 0) {
        lastError = ErrnoText(errno);
        ::close(s);
        continue;
      }
      fd = s;
      break;
    }
  }
  ::freeaddrinfo(found);
  if (fd < 0) return BindError(address, lastError);

  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
  int boundPort = bound.ss_family == AF_INET6
                      ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                      : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);

  int wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake < 0) {
    ::close(fd);
    return BindError(address, "eventfd: " + ErrnoText(errno));
  }
  listenFd_ = fd;
  wakeFd_ = wake;
  port_ = boundPort;
  thread_ = std::thread([this] { Serve(); });
  spdlog::info("msg=\"probe server listening\" address={} port={}", address, boundPort);
  return boundPort;
}

void ProbeServer::Stop() {
  std::lock_guard lifecycle(lifecycleMu_);
  if (!thread_.joinable()) return;
  uint64_t one = 1;
  ssize_t ignored = ::write(wakeFd_, &one, sizeof one);
  (void)ignored;
  thread_.join();
  ::close(listenFd_);
  ::close(wakeFd_);
  listenFd_ = wakeFd_ = -1;
  spdlog::info("msg=\"probe server stopped\" address={}", options_.bindAddress);
}

void ProbeServer::Serve() {
  for (;;) {
    pollfd fds[2] = {{listenFd_, POLLIN, 0}, {wakeFd_, POLLIN, 0}};
    int n = ::poll(fds, 2, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      spdlog::error("msg=\"probe server poll failed\" error=\"{}\"", ErrnoText(errno));
      return;
    }
    if (fds[1].revents != 0) return;
    if (fds[0].revents == 0) continue;
    int client = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (client < 0) continue;  // the peer gave up, or fds ran out: try again on the next poll
    HandleConnection(client);
    ::close(client);
  }
}

void ProbeServer::HandleConnection(int fd) {
  auto deadline = std::chrono::steady_clock::now() + options_.ioTimeout;
  std::string head;
  Response resp;
  std::string method, target;
  bool complete = false;
  char buf[2048];
  while (!complete) {
    if (head.size() > kMaxRequestHead) {
      resp = {431, "text/plain; charset=utf-8", "request head too large\n"};
      break;
    }
    if (!WaitFor(fd, POLLIN, wakeFd_, deadline)) return;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    if (n <= 0) return;
    head.append(buf, static_cast<size_t>(n));
    complete = head.find("\r\n\r\n") != std::string::npos || head.find("\n\n") != std::string::npos;
  }
  bool headOnly = false;
  if (complete) {
    std::string line = head.substr(0, head.find('\n'));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t sp1 = line.find(' ');
    size_t sp2 = sp1 == std::string::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp1 == std::string::npos || sp2 == std::string::npos ||
        line.compare(sp2 + 1, 5, "HTTP/") != 0) {
      resp = {400, "text/plain; charset=utf-8", "malformed request line\n"};
    } else {
      method = line.substr(0, sp1);
      target = line.substr(sp1 + 1, sp2 - sp1 - 1);
      headOnly = method == "HEAD";
      resp = Route(method, target);
    }
  }

  std::string out = "HTTP/1.1 " + std::to_string(resp.status) + " " + StatusText(resp.status) +
                    "\r\nContent-Type: " + resp.contentType +
                    "\r\nContent-Length: " + std::to_string(resp.body.size()) +
                    "\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n";
  if (!headOnly) out += resp.body;
  size_t sent = 0;
  while (sent < out.size()) {
    ssize_t n = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!WaitFor(fd, POLLOUT, wakeFd_, deadline)) return;
    } else {
      return;
    }
  }
  // Lingering close: closing with unread input would send a reset that can destroy the
  // response in flight. Half-close, then let the client close first (it holds TIME_WAIT).
  ::shutdown(fd, SHUT_WR);
  auto lingerUntil = std::min(deadline, std::chrono::steady_clock::now() + kLinger);
  for (size_t drained = 0; drained < kMaxDrain;) {
    if (!WaitFor(fd, POLLIN, wakeFd_, lingerUntil)) return;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    if (n <= 0) return;
    drained += static_cast<size_t>(n);
  }
}

ProbeServer::Response ProbeServer::Route(const std::string& method, const std::string& target) {
  if (method != "GET" && method != "HEAD") {
    return {405, "text/plain; charset=utf-8", "method not allowed\n"};
  }
  size_t q = target.find('?');
  std::string path = target.substr(0, q);
  std::string query = q == std::string::npos ? "" : target.substr(q + 1);
  bool verbose = HasQueryFlag(query, "verbose");

  if (path == "/metrics") {
    if (options_.metrics == nullptr) return {404, "text/plain; charset=utf-8", "not found\n"};
    return {200, kMetricsContentType, options_.metrics->Expose()};
  }
  for (const char* endpoint : {"healthz", "readyz", "livez"}) {
    std::string base = std::string("/") + endpoint;
    if (path != base && path.rfind(base + "/", 0) != 0) continue;
    std::string only = path.size() > base.size() + 1 ? path.substr(base.size() + 1) : "";
    std::vector<Named> checks;
    {
      std::lock_guard lock(mu_);
      checks = std::string(endpoint) == "readyz" ? readyChecks_ : healthChecks_;
    }
    return RunChecks(endpoint, checks, only, verbose);
  }
  return {404, "text/plain; charset=utf-8", "not found\n"};
}

// The body follows the apiserver's healthz handler, which kubectl and humans already read.
ProbeServer::Response ProbeServer::RunChecks(const std::string& endpoint,
                                             const std::vector<Named>& checks,
                                             const std::string& only, bool verbose) {
  std::string lines;
  bool allOk = true;
  bool matched = false;
  for (const Named& c : checks) {
    if (!only.empty() && c.name != only) continue;
    matched = true;
    ProbeResult r;
    try {
      r = c.check ? c.check() : ProbeResult::Ok();
    } catch (const std::exception& e) {
      r = ProbeResult::Fail(std::string("check threw: ") + e.what());
    } catch (...) {
      r = ProbeResult::Fail("check threw");
    }
    if (r.ok) {
      lines += "[+]" + c.name + " ok\n";
    } else {
      allOk = false;
      lines += "[-]" + c.name + " failed: " + (verbose ? r.why : "reason withheld") + "\n";
      spdlog::debug("msg=\"{} check failed\" check={} why=\"{}\"", endpoint, c.name, r.why);
    }
  }
  if (!only.empty() && !matched) return {404, "text/plain; charset=utf-8", "no such check\n"};
  if (!allOk) return {500, "text/plain; charset=utf-8", lines + endpoint + " check failed\n"};
  if (verbose) return {200, "text/plain; charset=utf-8", lines + endpoint + " check passed\n"};
  return {200, "text/plain; charset=utf-8", "ok"};
}

}  // namespace hybridai::runtime
