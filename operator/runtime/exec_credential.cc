// Spawns credential plugins with posix_spawn and reads their output through pipes with a
// deadline, so a hung plugin cannot hang the client.
#include "runtime/exec_credential.h"

#include "core/escape.h"
#include "core/json_parse.h"
#include "core/rfc3339.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

extern char** environ;

namespace hybridai::runtime {

namespace {

ApiError ExecError(const ExecConfig& exec, const std::string& what) {
  ApiError e;
  e.reason = ApiError::Reason::Unauthorized;
  e.message = "exec credential plugin " + exec.command + ": " + what;
  return e;
}

std::string ResolveCommand(const ExecConfig& exec) {
  // As kubectl does: a command with a slash is a path, relative ones to the kubeconfig's dir.
  if (exec.command.find('/') != std::string::npos && exec.command[0] != '/' &&
      !exec.baseDir.empty()) {
    return exec.baseDir + "/" + exec.command;
  }
  return exec.command;
}

struct Pipe {
  int fds[2] = {-1, -1};
  ~Pipe() {
    for (int fd : fds)
      if (fd >= 0) close(fd);
  }
  void CloseEnd(int i) {
    if (fds[i] >= 0) close(fds[i]);
    fds[i] = -1;
  }
};

}  // namespace

std::optional<std::chrono::system_clock::time_point> Rfc3339ToTimePoint(std::string_view s) {
  using std::chrono::system_clock;
  const std::optional<int64_t> unix_seconds = ParseRfc3339(s);
  if (!unix_seconds) return std::nullopt;
  constexpr int64_t kMax =
      std::chrono::duration_cast<std::chrono::seconds>(system_clock::duration::max()).count();
  constexpr int64_t kMin =
      std::chrono::duration_cast<std::chrono::seconds>(system_clock::duration::min()).count();
  if (*unix_seconds >= kMax) return system_clock::time_point::max();
  if (*unix_seconds <= kMin) return system_clock::time_point::min();
  return system_clock::time_point(
      std::chrono::duration_cast<system_clock::duration>(std::chrono::seconds(*unix_seconds)));
}

namespace {

ApiError BadCredential(const std::string& m) {
  ApiError e;
  e.reason = ApiError::Reason::Unauthorized;
  e.message = "ExecCredential: " + m;
  return e;
}

Result<ExecCredential> DecodeExecCredential(const json& doc, const std::string& apiVersion) {
  auto bad = BadCredential;
  if (!doc.is_object()) return bad("output is not a JSON object");
  auto kind = doc.find("kind");
  if (kind == doc.end() || *kind != "ExecCredential") return bad("kind: want ExecCredential");
  auto version = doc.find("apiVersion");
  std::string got = version != doc.end() && version->is_string() ? version->get<std::string>() : "";
  if (!apiVersion.empty() && got != apiVersion) {
    return bad("apiVersion: want " + apiVersion + ", got " + Quote(got));
  }
  if (!doc.contains("status") || !doc["status"].is_object()) return bad("status: missing");
  const json& st = doc["status"];
  ExecCredential cred;
  auto str = [&](const char* key, std::string* out) -> bool {
    if (!st.contains(key)) return true;
    if (!st[key].is_string()) return false;
    *out = st[key].get<std::string>();
    return true;
  };
  if (!str("token", &cred.token)) return bad("status.token: must be a string");
  if (!str("clientCertificateData", &cred.clientCertificatePem)) {
    return bad("status.clientCertificateData: must be a string");
  }
  if (!str("clientKeyData", &cred.clientKeyPem))
    return bad("status.clientKeyData: must be a string");
  if (cred.clientCertificatePem.empty() != cred.clientKeyPem.empty()) {
    return bad("status.clientCertificateData and status.clientKeyData must be given together");
  }
  if (cred.token.empty() && cred.clientCertificatePem.empty()) {
    return bad("status: neither token nor clientCertificateData");
  }
  if (st.contains("expirationTimestamp") && !st["expirationTimestamp"].is_null()) {
    if (!st["expirationTimestamp"].is_string()) {
      return bad("status.expirationTimestamp: must be an RFC 3339 string");
    }
    std::string ts = st["expirationTimestamp"].get<std::string>();
    cred.expiration = Rfc3339ToTimePoint(ts);
    if (!cred.expiration) {
      return bad("status.expirationTimestamp: not RFC 3339: " + Quote(ts.substr(0, 40)));
    }
  }
  return cred;
}

}  // namespace

Result<ExecCredential> ParseExecCredential(const std::string& text, const std::string& apiVersion) {
  // The plugin is a program of the kubeconfig's author: its output is untrusted input.
  std::optional<json> doc = ParseJsonBounded(text, nullptr);
  if (!doc) return BadCredential("output is not JSON");
  try {
    return DecodeExecCredential(*doc, apiVersion);
  } catch (const std::exception& e) {
    return BadCredential(std::string("cannot decode: ") + e.what());
  }
}

Result<ExecCredential> RunExecPlugin(const ExecConfig& exec, std::chrono::seconds timeout) {
  if (exec.command.empty()) return ExecError(exec, "command: required");
  const std::string path = ResolveCommand(exec);

  std::vector<std::string> argStore;
  argStore.push_back(path);
  for (const auto& a : exec.args) argStore.push_back(a);
  std::vector<std::string> envStore;
  for (char** e = environ; e && *e; ++e) {
    std::string kv = *e;
    std::string key = kv.substr(0, kv.find('='));
    bool overridden = key == "KUBERNETES_EXEC_INFO";
    for (const auto& [k, v] : exec.env) overridden = overridden || k == key;
    if (!overridden) envStore.push_back(std::move(kv));
  }
  for (const auto& [k, v] : exec.env) envStore.push_back(k + "=" + v);
  json info = {{"apiVersion", exec.apiVersion},
               {"kind", "ExecCredential"},
               {"spec", {{"interactive", false}}}};
  envStore.push_back("KUBERNETES_EXEC_INFO=" + info.dump());
  std::vector<char*> argv, envp;
  for (auto& s : argStore) argv.push_back(s.data());
  argv.push_back(nullptr);
  for (auto& s : envStore) envp.push_back(s.data());
  envp.push_back(nullptr);

  Pipe out, err;
  if (pipe2(out.fds, O_CLOEXEC) != 0 || pipe2(err.fds, O_CLOEXEC) != 0) {
    return ExecError(exec, std::string("pipe: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out.fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err.fds[1], STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, path.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return ExecError(exec, std::string("cannot start: ") + std::strerror(rc));
  out.CloseEnd(1);
  err.CloseEnd(1);

  std::string stdoutText, stderrText;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timedOut = false;
  while (out.fds[0] >= 0 || err.fds[0] >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timedOut = true;
      break;
    }
    pollfd pfds[2] = {{out.fds[0], POLLIN, 0}, {err.fds[0], POLLIN, 0}};
    int n = poll(pfds, 2, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    for (int i = 0; i < 2; ++i) {
      if (pfds[i].fd < 0 || pfds[i].revents == 0) continue;
      char buf[4096];
      ssize_t got = read(pfds[i].fd, buf, sizeof(buf));
      if (got <= 0) {
        (i == 0 ? out : err).CloseEnd(0);
      } else {
        (i == 0 ? stdoutText : stderrText).append(buf, static_cast<size_t>(got));
      }
    }
  }
  if (timedOut) kill(pid, SIGKILL);
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  if (timedOut) {
    return ExecError(exec, "no answer within " + std::to_string(timeout.count()) + "s");
  }
  if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
    // The plugin's stderr is its own diagnostic (login hints); keep it short.
    std::string hint = stderrText.substr(0, 300);
    while (!hint.empty() && (hint.back() == '\n' || hint.back() == '\r')) hint.pop_back();
    std::string how = WIFEXITED(wstatus) ? "exit status " + std::to_string(WEXITSTATUS(wstatus))
                                         : "killed by signal " + std::to_string(WTERMSIG(wstatus));
    if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 127) how += " (command not found?)";
    return ExecError(exec, how + (hint.empty() ? "" : ": " + hint));
  }
  auto cred = ParseExecCredential(stdoutText, exec.apiVersion);
  if (!cred.ok()) return ExecError(exec, cred.error().message);
  return cred;
}

}  // namespace hybridai::runtime
