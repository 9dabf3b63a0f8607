// An ApiClient that forwards every call to another one. Tests derive from it and override only
// the calls they want to gate, delay or observe. Thread-safe as far as the inner client is.
#pragma once

#include <memory>
#include <string>

#include "runtime/api_client.h"

namespace hybridai::testing {

class ForwardingApiClient : public runtime::ApiClient {
 public:
  explicit ForwardingApiClient(runtime::ApiClient& inner) : inner_(inner) {}

  runtime::Result<runtime::json> Get(const runtime::ResourceKind& k, const std::string& ns,
                                     const std::string& n) override {
    return inner_.Get(k, ns, n);
  }
  runtime::Result<runtime::ListResult> List(const runtime::ResourceKind& k, const std::string& ns,
                                            const runtime::ListOptions& o) override {
    return inner_.List(k, ns, o);
  }
  runtime::Result<std::unique_ptr<runtime::WatchStream>> Watch(
      const runtime::ResourceKind& k, const std::string& ns,
      const runtime::WatchOptions& o) override {
    return inner_.Watch(k, ns, o);
  }
  runtime::Result<runtime::json> Create(const runtime::ResourceKind& k, const std::string& ns,
                                        const runtime::json& obj) override {
    return inner_.Create(k, ns, obj);
  }
  runtime::Result<runtime::json> Update(const runtime::ResourceKind& k, const std::string& ns,
                                        const runtime::json& obj) override {
    return inner_.Update(k, ns, obj);
  }
  runtime::Result<runtime::json> UpdateStatus(const runtime::ResourceKind& k, const std::string& ns,
                                              const runtime::json& obj) override {
    return inner_.UpdateStatus(k, ns, obj);
  }
  runtime::Status Delete(const runtime::ResourceKind& k, const std::string& ns,
                         const std::string& n, const runtime::DeleteOptions& o) override {
    return inner_.Delete(k, ns, n, o);
  }
  runtime::Result<runtime::json> Patch(const runtime::ResourceKind& k, const std::string& ns,
                                       const std::string& n, runtime::PatchType t,
                                       const std::string& b,
                                       const runtime::PatchOptions& o) override {
    return inner_.Patch(k, ns, n, t, b, o);
  }
  runtime::Result<runtime::json> GetPath(const std::string& p) override {
    return inner_.GetPath(p);
  }

 protected:
  runtime::ApiClient& inner_;
};

}  // namespace hybridai::testing
