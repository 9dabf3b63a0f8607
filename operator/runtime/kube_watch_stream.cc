// Watch line decoding. Lines of a Secret watch carry secret data: errors report the parse
// position and the line length, never the line.
#include "runtime/kube_watch_stream.h"

#include "core/escape.h"
#include "core/json_parse.h"

namespace hybridai::runtime {

namespace {
ApiError DecodeError(std::string message) {
  ApiError e;
  e.reason = ApiError::Reason::Decode;
  e.message = std::move(message);
  return e;
}
}  // namespace

Result<WatchEvent> ParseWatchLine(const std::string& line) {
  // Bounded and exception-free: one bad line from a member must not end the informer's thread.
  JsonParseError perr;
  std::optional<json> parsed = ParseJsonBounded(line, &perr);
  if (!parsed) {
    if (perr.byte == 0) return DecodeError("watch event is not usable JSON: " + perr.message);
    return DecodeError("watch event is not JSON (byte " + std::to_string(perr.byte) + " of " +
                       std::to_string(line.size()) + ")");
  }
  json& doc = *parsed;
  if (!doc.is_object()) return DecodeError("watch event is not a JSON object");
  auto type = doc.find("type");
  if (type == doc.end() || !type->is_string()) return DecodeError("watch event: type missing");
  auto object = doc.find("object");
  if (object == doc.end() || !object->is_object()) {
    return DecodeError("watch event: object missing or not an object");
  }
  WatchEvent ev;
  const std::string& t = type->get_ref<const std::string&>();
  if (t == "ADDED") {
    ev.type = WatchEvent::Type::Added;
  } else if (t == "MODIFIED") {
    ev.type = WatchEvent::Type::Modified;
  } else if (t == "DELETED") {
    ev.type = WatchEvent::Type::Deleted;
  } else if (t == "BOOKMARK") {
    ev.type = WatchEvent::Type::Bookmark;
  } else if (t == "ERROR") {
    ev.type = WatchEvent::Type::Error;
  } else {
    return DecodeError("watch event: unknown type " + Quote(t.substr(0, 40)));
  }
  ev.object = std::move(*object);
  return ev;
}

KubeWatchStream::KubeWatchStream(std::unique_ptr<HttpStream> stream, std::string what)
    : stream_(std::move(stream)), what_(std::move(what)) {}

KubeWatchStream::~KubeWatchStream() {
  stream_->Cancel();
}

Result<std::optional<WatchEvent>> KubeWatchStream::Next() {
  while (true) {
    auto line = stream_->ReadLine();
    if (!line.ok()) {
      ApiError e = line.error();
      e.message = what_ + ": " + e.message;
      return e;
    }
    if (!line.value()) return std::optional<WatchEvent>();
    const std::string& text = *line.value();
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;  // keep-alive blank
    auto ev = ParseWatchLine(text);
    if (!ev.ok()) {
      ApiError e = ev.error();
      e.message = what_ + ": " + e.message;
      return e;
    }
    return std::optional<WatchEvent>(std::move(ev).value());
  }
}

void KubeWatchStream::Cancel() {
  stream_->Cancel();
}

}  // namespace hybridai::runtime
