// Fake watch streams, error values and selector helpers of the in-memory API server; see
// fake_api_client.h and fake_api_internal.h.
#include "fake_api_internal.h"

namespace hybridai::testing {

using Reason = ApiError::Reason;
using runtime::WatchEvent;

ApiError MakeApiError(Reason reason, std::string message) {
  ApiError e;
  e.reason = reason;
  e.message = std::move(message);
  switch (reason) {
    case Reason::NotFound:
      e.httpStatus = 404;
      break;
    case Reason::AlreadyExists:
    case Reason::Conflict:
      e.httpStatus = 409;
      break;
    case Reason::Invalid:
      e.httpStatus = 422;
      break;
    case Reason::BadRequest:
      e.httpStatus = 400;
      break;
    case Reason::Unauthorized:
      e.httpStatus = 401;
      break;
    case Reason::Forbidden:
      e.httpStatus = 403;
      break;
    case Reason::Gone:
      e.httpStatus = 410;
      break;
    case Reason::TooManyRequests:
      e.httpStatus = 429;
      break;
    case Reason::MethodNotAllowed:
      e.httpStatus = 405;
      break;
    case Reason::Timeout:
      e.httpStatus = 504;
      break;
    case Reason::InternalError:
      e.httpStatus = 500;
      break;
    case Reason::ServiceUnavailable:
      e.httpStatus = 503;
      break;
    case Reason::Transport:
    case Reason::Decode:
    case Reason::Unknown:
      e.httpStatus = 0;
      break;
  }
  if (e.message.empty()) e.message = runtime::ReasonName(reason);
  return e;
}

ApiError TooManyRequests(std::chrono::seconds retryAfter) {
  ApiError e = MakeApiError(Reason::TooManyRequests, "the server has received too many requests");
  e.retryAfter = retryAfter;
  return e;
}

FakeApiClient::ScriptItem FakeApiClient::ScriptItem::Event(WatchEvent::Type type, json object) {
  ScriptItem i;
  i.event = WatchEvent{type, std::move(object)};
  return i;
}
FakeApiClient::ScriptItem FakeApiClient::ScriptItem::Raw(std::string line) {
  ScriptItem i;
  i.rawLine = std::move(line);
  return i;
}
FakeApiClient::ScriptItem FakeApiClient::ScriptItem::Error(ApiError error) {
  ScriptItem i;
  i.error = std::move(error);
  return i;
}
FakeApiClient::ScriptItem FakeApiClient::ScriptItem::End() {
  ScriptItem i;
  i.end = true;
  return i;
}

namespace fake {

namespace {

std::optional<WatchEvent::Type> ParseEventType(const std::string& t) {
  if (t == "ADDED") return WatchEvent::Type::Added;
  if (t == "MODIFIED") return WatchEvent::Type::Modified;
  if (t == "DELETED") return WatchEvent::Type::Deleted;
  if (t == "BOOKMARK") return WatchEvent::Type::Bookmark;
  if (t == "ERROR") return WatchEvent::Type::Error;
  return std::nullopt;
}

}  // namespace

std::string StrAt(const json& obj, const char* a, const char* b) {
  auto ia = obj.find(a);
  if (ia == obj.end() || !ia->is_object()) return "";
  auto ib = ia->find(b);
  return ib != ia->end() && ib->is_string() ? ib->get<std::string>() : "";
}

Result<std::vector<FieldRequirement>> ParseFieldSelector(const std::string& text) {
  std::vector<FieldRequirement> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string term = text.substr(start, comma - start);
    start = comma + 1;
    if (term.empty()) continue;
    FieldRequirement r;
    size_t p = term.find("!=");
    size_t vlen = 2;
    if (p != std::string::npos) {
      r.negate = true;
    } else if ((p = term.find("==")) == std::string::npos) {
      p = term.find('=');
      vlen = 1;
    }
    if (p == std::string::npos || p == 0) {
      return MakeApiError(Reason::BadRequest, "fieldSelector \"" + text + "\": invalid term");
    }
    std::string path = term.substr(0, p);
    r.value = term.substr(p + vlen);
    size_t s = 0;
    while (s <= path.size()) {
      size_t dot = path.find('.', s);
      if (dot == std::string::npos) dot = path.size();
      r.path.push_back(path.substr(s, dot - s));
      s = dot + 1;
    }
    out.push_back(std::move(r));
  }
  return out;
}

bool FieldsMatch(const std::vector<FieldRequirement>& reqs, const json& obj) {
  for (const auto& r : reqs) {
    const json* cur = &obj;
    for (const auto& part : r.path) {
      if (!cur->is_object() || !cur->contains(part)) {
        cur = nullptr;
        break;
      }
      cur = &(*cur)[part];
    }
    std::string v = cur && cur->is_string() ? cur->get<std::string>() : "";
    if ((v == r.value) == r.negate) return false;
  }
  return true;
}

Result<WatchEvent> DecodeLine(const std::string& line) {
  json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
  auto bad = [&](const std::string& why) {
    return MakeApiError(Reason::Decode, "malformed watch event: " + why);
  };
  if (j.is_discarded()) return bad("not JSON");
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string()) return bad("no type");
  auto type = ParseEventType(j["type"].get<std::string>());
  if (!type) return bad("unknown type " + j["type"].get<std::string>());
  if (!j.contains("object") || !j["object"].is_object()) return bad("no object");
  return WatchEvent{*type, std::move(j["object"])};
}

json GoneStatus(const std::string& message) {
  return json{{"kind", "Status"},   {"apiVersion", "v1"},  {"status", "Failure"},
              {"message", message}, {"reason", "Expired"}, {"code", 410}};
}

}  // namespace fake

bool FakeApiClient::Stream::Matches(const json& obj) const {
  if (!ns.empty() && fake::MetaStr(obj, "namespace") != ns) return false;
  return labels.MatchesObject(obj) && fake::FieldsMatch(fields, obj);
}

void FakeApiClient::Stream::Push(ScriptItem item) {
  std::lock_guard lock(mu);
  if (terminalQueued || finished || cancelled || closed) return;
  if (item.end || item.error) terminalQueued = true;
  items.push_back(std::move(item));
  cv.notify_all();
}

bool FakeApiClient::Stream::Open() {
  std::lock_guard lock(mu);
  return !terminalQueued && !finished && !cancelled && !closed;
}

FakeApiClient::StreamHandle::~StreamHandle() {
  std::lock_guard lock(s_->mu);
  s_->closed = true;
}

runtime::Result<std::optional<WatchEvent>> FakeApiClient::StreamHandle::Next() {
  std::unique_lock lock(s_->mu);
  s_->cv.wait(lock, [&] { return s_->cancelled || s_->finished || !s_->items.empty(); });
  if (s_->cancelled || s_->finished) return std::optional<WatchEvent>{};
  ScriptItem item = std::move(s_->items.front());
  s_->items.pop_front();
  if (item.event) return std::optional<WatchEvent>(std::move(*item.event));
  if (item.rawLine) {
    auto decoded = fake::DecodeLine(*item.rawLine);
    if (decoded.ok()) return std::optional<WatchEvent>(std::move(decoded).value());
    s_->finished = true;  // the real client cannot resynchronise inside a broken stream
    return decoded.error();
  }
  s_->finished = true;
  if (item.error) return *item.error;
  return std::optional<WatchEvent>{};
}

void FakeApiClient::StreamHandle::Cancel() {
  std::lock_guard lock(s_->mu);
  s_->cancelled = true;
  s_->cv.notify_all();
}

}  // namespace hybridai::testing
