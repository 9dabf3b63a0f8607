// Spawns credential plugins with posix_spawn and reads their output through pipes with a
// deadline, so a hung plugin cannot hang the client.
#include "runtime/exec_credential.h"

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

std::optional<std::chrono::system_clock::time_point> ParseRfc3339(const std::string& s) {
  int y, mo, d, h, mi, sec, consumed = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &consumed) !=
          6 &&
      std::sscanf(s.c_str(), "%4d-%2d-%2dt%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &consumed) !=
          6) {
    return std::nullopt;
  }
  size_t i = static_cast<size_t>(consumed);
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  }
  long offset = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int oh, om;
    if (std::sscanf(s.c_str() + i + 1, "%2d:%2d", &oh, &om) != 2) return std::nullopt;
    offset = (s[i] == '+' ? 1 : -1) * (oh * 3600L + om * 60L);
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != s.size() || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  time_t t = timegm(&tm) - offset;
  return std::chrono::system_clock::from_time_t(t);
}

Result<ExecCredential> ParseExecCredential(const std::string& text, const std::string& apiVersion) {
  auto bad = [](const std::string& m) {
    ApiError e;
    e.reason = ApiError::Reason::Unauthorized;
    e.message = "ExecCredential: " + m;
    return e;
  };
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception&) {
    return bad("output is not JSON");
  }
  if (!doc.is_object()) return bad("output is not a JSON object");
  if (doc.value("kind", std::string()) != "ExecCredential") {
    return bad("kind: want ExecCredential");
  }
  std::string got = doc.value("apiVersion", std::string());
  if (!apiVersion.empty() && got != apiVersion) {
    return bad("apiVersion: want " + apiVersion + ", got \"" + got + "\"");
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
    cred.expiration = ParseRfc3339(ts);
    if (!cred.expiration) {
      return bad("status.expirationTimestamp: not RFC 3339: \"" + ts + "\"");
    }
  }
  return cred;
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
