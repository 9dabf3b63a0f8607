// kubeconfig parsing with yaml-cpp. yaml-cpp throws; every exception is caught here and turned
// into an error naming the file and the field. Contents are never logged or quoted in errors.
#include "runtime/kubeconfig.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "runtime/base64.h"

namespace hybridai::runtime {

namespace {

ApiError ConfigError(const std::string& source, const std::string& what) {
  ApiError e;
  e.reason = ApiError::Reason::Invalid;
  e.message = (source == "in-cluster" ? "in-cluster config" : "kubeconfig " + source) + ": " + what;
  return e;
}

std::optional<std::string> ReadFile(const std::string& path, std::string* err) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *err = "cannot read " + path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string DirOf(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string Resolve(const std::string& baseDir, const std::string& p) {
  if (p.empty() || p[0] == '/' || baseDir.empty()) return p;
  return baseDir + "/" + p;
}

// Reads fields of one map node, remembering the first problem with its path.
class Fields {
 public:
  Fields(const YAML::Node& node, std::string path, std::string* err)
      : node_(node), path_(std::move(path)), err_(err) {}

  std::string Str(const char* key) {
    const YAML::Node v = node_[key];
    if (!v || v.IsNull()) return "";
    if (!v.IsScalar()) {
      Fail(key, "must be a string");
      return "";
    }
    return v.as<std::string>();
  }
  bool Bool(const char* key) {
    const YAML::Node v = node_[key];
    if (!v || v.IsNull()) return false;
    try {
      return v.as<bool>();
    } catch (const YAML::Exception&) {
      Fail(key, "must be true or false");
      return false;
    }
  }
  // A `<key>-data` (base64) or `<key>` (file) pair; data wins, as in kubectl.
  std::string DataOrFile(const std::string& key, const std::string& baseDir) {
    const std::string dataKey = key + "-data";
    std::string data = Str(dataKey.c_str());
    if (!data.empty()) {
      auto decoded = Base64Decode(data);
      if (!decoded) {
        Fail(dataKey, "invalid base64");
        return "";
      }
      return *decoded;
    }
    std::string file = Str(key.c_str());
    if (file.empty()) return "";
    std::string why;
    auto text = ReadFile(Resolve(baseDir, file), &why);
    if (!text) {
      Fail(key, why);
      return "";
    }
    return *text;
  }
  void Fail(const std::string& key, const std::string& what) {
    if (err_->empty()) *err_ = path_ + "." + key + ": " + what;
  }
  const std::string& path() const { return path_; }

 private:
  YAML::Node node_;
  std::string path_;
  std::string* err_;
};

// Finds `name` in a kubeconfig list (clusters, users, contexts) and returns its inner map and
// its path ("users[1].user").
std::optional<std::pair<YAML::Node, std::string>> FindNamed(const YAML::Node& root,
                                                            const char* list, const char* inner,
                                                            const std::string& name) {
  const YAML::Node seq = root[list];
  if (!seq || !seq.IsSequence()) return std::nullopt;
  for (size_t i = 0; i < seq.size(); ++i) {
    const YAML::Node item = seq[i];
    if (!item.IsMap() || !item["name"] || !item["name"].IsScalar()) continue;
    if (item["name"].as<std::string>() != name) continue;
    YAML::Node body = item[inner];
    return std::make_pair(body, std::string(list) + "[" + std::to_string(i) + "]." + inner);
  }
  return std::nullopt;
}

ApiError PolicyError(const std::string& source, const std::string& what) {
  ApiError e = ConfigError(source, what);
  e.reason = ApiError::Reason::Forbidden;
  return e;
}

// The first file-path field of `node` among `keys`, or "" when it has none.
std::string FirstFileField(const YAML::Node& node, std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    const YAML::Node v = node[key];
    if (v && !v.IsNull() && !(v.IsScalar() && v.Scalar().empty())) return key;
  }
  return "";
}

std::string FileRefusal(const std::string& field) {
  const std::string inline_form = field == "tokenFile" ? "token" : field + "-data";
  return field + ": file paths are not allowed in a kubeconfig read from a Secret; use " +
         inline_form + " (inline) instead";
}

Result<RestConfig> ParseRoot(const YAML::Node& root, const std::string& contextName,
                             const std::string& source, const std::string& baseDir,
                             const KubeconfigPolicy& policy) {
  if (!root.IsMap()) return ConfigError(source, "not a kubeconfig (top level must be a map)");
  RestConfig cfg;
  cfg.source = source;
  cfg.context = contextName;
  if (cfg.context.empty()) {
    const YAML::Node cur = root["current-context"];
    if (cur && cur.IsScalar()) cfg.context = cur.as<std::string>();
    if (cfg.context.empty()) {
      return ConfigError(source, "current-context: not set and no context was given");
    }
  }
  auto ctx = FindNamed(root, "contexts", "context", cfg.context);
  if (!ctx) return ConfigError(source, "context \"" + cfg.context + "\" not found");
  if (!ctx->first || !ctx->first.IsMap()) {
    return ConfigError(source, ctx->second + ": must be a map");
  }
  std::string err;
  Fields c(ctx->first, ctx->second, &err);
  cfg.cluster = c.Str("cluster");
  cfg.user = c.Str("user");
  cfg.namespace_ = c.Str("namespace");
  if (!err.empty()) return ConfigError(source, err);
  if (cfg.cluster.empty()) return ConfigError(source, ctx->second + ".cluster: required");

  auto cl = FindNamed(root, "clusters", "cluster", cfg.cluster);
  if (!cl) {
    return ConfigError(
        source, "cluster \"" + cfg.cluster + "\" (of context \"" + cfg.context + "\") not found");
  }
  if (!cl->first || !cl->first.IsMap()) return ConfigError(source, cl->second + ": must be a map");
  if (policy.inlineCredentialsOnly) {
    if (std::string f = FirstFileField(cl->first, {"certificate-authority"}); !f.empty()) {
      return PolicyError(source, cl->second + "." + FileRefusal(f));
    }
  }
  Fields k(cl->first, cl->second, &err);
  cfg.server = k.Str("server");
  cfg.tls.caPem = k.DataOrFile("certificate-authority", baseDir);
  cfg.tls.insecureSkipVerify = k.Bool("insecure-skip-tls-verify");
  if (!err.empty()) return ConfigError(source, err);
  if (cfg.server.empty()) return ConfigError(source, cl->second + ".server: required");

  if (cfg.user.empty()) return cfg;  // anonymous
  auto us = FindNamed(root, "users", "user", cfg.user);
  if (!us) {
    return ConfigError(source,
                       "user \"" + cfg.user + "\" (of context \"" + cfg.context + "\") not found");
  }
  if (!us->first || us->first.IsNull()) return cfg;
  if (!us->first.IsMap()) return ConfigError(source, us->second + ": must be a map");
  if (policy.inlineCredentialsOnly) {
    if (std::string f =
            FirstFileField(us->first, {"tokenFile", "client-certificate", "client-key"});
        !f.empty()) {
      return PolicyError(source, us->second + "." + FileRefusal(f));
    }
  }
  if (const YAML::Node ex = us->first["exec"]; ex && !ex.IsNull() && !policy.allowExec) {
    return PolicyError(source, us->second +
                                   ".exec: exec credential plugins are not allowed in a kubeconfig "
                                   "read from a Secret unless the operator runs with "
                                   "--allow-member-exec-credentials");
  }
  Fields u(us->first, us->second, &err);
  cfg.tls.clientCertPem = u.DataOrFile("client-certificate", baseDir);
  cfg.tls.clientKeyPem = u.DataOrFile("client-key", baseDir);
  cfg.bearerToken = u.Str("token");
  std::string tokenFile = u.Str("tokenFile");
  if (!err.empty()) return ConfigError(source, err);
  if (cfg.tls.clientCertPem.empty() != cfg.tls.clientKeyPem.empty()) {
    return ConfigError(source, us->second +
                                   ": client-certificate and client-key must be given "
                                   "together");
  }
  if (!tokenFile.empty() && cfg.bearerToken.empty()) {
    cfg.tokenFile = Resolve(baseDir, tokenFile);
    std::string why;
    if (!ReadFile(cfg.tokenFile, &why))
      return ConfigError(source, us->second + ".tokenFile: " + why);
  }
  if (us->first["auth-provider"]) {
    return ConfigError(source,
                       us->second + ".auth-provider: not supported; use an exec credential plugin");
  }
  if (us->first["username"] || us->first["password"]) {
    return ConfigError(source, us->second + ".username: basic authentication is not supported");
  }
  if (const YAML::Node ex = us->first["exec"]; ex && !ex.IsNull()) {
    if (!ex.IsMap()) return ConfigError(source, us->second + ".exec: must be a map");
    Fields e(ex, us->second + ".exec", &err);
    ExecConfig exec;
    exec.baseDir = baseDir;
    exec.command = e.Str("command");
    std::string apiVersion = e.Str("apiVersion");
    if (!apiVersion.empty()) exec.apiVersion = apiVersion;
    if (!err.empty()) return ConfigError(source, err);
    if (exec.command.empty()) return ConfigError(source, e.path() + ".command: required");
    if (exec.apiVersion != "client.authentication.k8s.io/v1" &&
        exec.apiVersion != "client.authentication.k8s.io/v1beta1") {
      return ConfigError(source, e.path() +
                                     ".apiVersion: want client.authentication.k8s.io/v1 "
                                     "or v1beta1, got \"" +
                                     exec.apiVersion + "\"");
    }
    if (const YAML::Node args = ex["args"]; args && !args.IsNull()) {
      if (!args.IsSequence()) return ConfigError(source, e.path() + ".args: must be a list");
      for (size_t i = 0; i < args.size(); ++i) {
        if (!args[i].IsScalar()) {
          return ConfigError(source,
                             e.path() + ".args[" + std::to_string(i) + "]: must be a string");
        }
        exec.args.push_back(args[i].as<std::string>());
      }
    }
    if (const YAML::Node env = ex["env"]; env && !env.IsNull()) {
      if (!env.IsSequence()) return ConfigError(source, e.path() + ".env: must be a list");
      for (size_t i = 0; i < env.size(); ++i) {
        Fields kv(env[i], e.path() + ".env[" + std::to_string(i) + "]", &err);
        std::string name = env[i].IsMap() ? kv.Str("name") : "";
        std::string value = env[i].IsMap() ? kv.Str("value") : "";
        if (!err.empty()) return ConfigError(source, err);
        if (name.empty()) return ConfigError(source, kv.path() + ".name: required");
        exec.env.emplace_back(name, value);
      }
    }
    cfg.exec = std::move(exec);
  }
  return cfg;
}

}  // namespace

Result<RestConfig> ParseKubeconfig(const std::string& yaml, const std::string& context,
                                   const std::string& source, const std::string& baseDir,
                                   const KubeconfigPolicy& policy) {
  try {
    YAML::Node root = YAML::Load(yaml);
    return ParseRoot(root, context, source, baseDir, policy);
  } catch (const YAML::Exception& ex) {
    // ex.mark points at the problem without quoting the (possibly secret) content.
    if (ex.mark.is_null()) return ConfigError(source, "not valid YAML");
    return ConfigError(source, "not valid YAML (line " + std::to_string(ex.mark.line + 1) +
                                   ", column " + std::to_string(ex.mark.column + 1) + ")");
  } catch (const std::exception& ex) {
    return ConfigError(source, std::string("cannot read: ") + ex.what());
  }
}

Result<RestConfig> LoadKubeconfigFile(const std::string& path, const std::string& context) {
  std::string why;
  auto text = ReadFile(path, &why);
  if (!text) return ConfigError(path, why);
  return ParseKubeconfig(*text, context, path, DirOf(path));
}

Result<RestConfig> InClusterConfig(const std::string& dir) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (host == nullptr || port == nullptr || *host == '\0' || *port == '\0') {
    return ConfigError("in-cluster",
                       "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set");
  }
  RestConfig cfg;
  cfg.source = "in-cluster";
  cfg.context = "in-cluster";
  std::string h = host;
  if (h.find(':') != std::string::npos) h = "[" + h + "]";  // IPv6 literal
  cfg.server = "https://" + h + ":" + port;
  std::string why;
  cfg.tokenFile = dir + "/token";
  if (!ReadFile(cfg.tokenFile, &why)) return ConfigError("in-cluster", "token: " + why);
  auto ca = ReadFile(dir + "/ca.crt", &why);
  if (!ca) return ConfigError("in-cluster", "ca.crt: " + why);
  cfg.tls.caPem = *ca;
  if (auto ns = ReadFile(dir + "/namespace", &why)) {
    cfg.namespace_ = *ns;
    while (!cfg.namespace_.empty() &&
           std::isspace(static_cast<unsigned char>(cfg.namespace_.back()))) {
      cfg.namespace_.pop_back();
    }
  }
  return cfg;
}

Result<RestConfig> LoadClientConfig(const std::string& kubeconfigPath, const std::string& context) {
  if (!kubeconfigPath.empty()) return LoadKubeconfigFile(kubeconfigPath, context);
  if (const char* env = std::getenv("KUBECONFIG"); env != nullptr && *env != '\0') {
    std::string first = env;
    first = first.substr(0, first.find(':'));
    return LoadKubeconfigFile(first, context);
  }
  if (const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
      host != nullptr && *host != '\0' && context.empty()) {
    return InClusterConfig();
  }
  const char* home = std::getenv("HOME");
  return LoadKubeconfigFile(std::string(home ? home : "") + "/.kube/config", context);
}

}  // namespace hybridai::runtime
