// Manifest loading: paths -> texts -> documents -> JSON -> typed, validated objects.
#include "core/manifest_loader.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <set>
#include <system_error>

#include "core/codec.h"
#include "core/json_parse.h"
#include "core/validation.h"

namespace hybridai {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// ---- splitting a YAML stream into documents ----
// Splitting by hand (instead of YAML::LoadAll) lets a malformed document be reported with
// its index while the documents around it are still loaded and checked.
struct DocumentText {
  std::string text;
  int first_line = 0;  // 0-based line of `text` in the file
};

bool IsMarker(std::string_view line, std::string_view marker) {
  return line.substr(0, 3) == marker &&
         (line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r');
}

// Blank lines, comments and directives carry no content of their own.
bool IsContent(std::string_view line) {
  size_t i = line.find_first_not_of(" \t\r");
  if (i == std::string_view::npos) return false;
  if (line[i] == '#') return false;
  if (line[0] == '%') return false;
  return true;
}

std::vector<DocumentText> SplitDocuments(std::string_view text) {
  std::vector<DocumentText> docs;
  DocumentText current;
  bool explicit_start = false;  // began with "---": a document even when empty
  bool has_content = false;
  auto is_document = [&] { return explicit_start || has_content; };
  auto restart = [&](int first_line) {
    current = DocumentText{};
    current.first_line = first_line;
    explicit_start = has_content = false;
  };
  int line_no = 0;
  for (size_t pos = 0; pos <= text.size(); ++line_no) {
    size_t end = std::min(text.find('\n', pos), text.size());
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (IsMarker(line, "---")) {
      // A preamble of comments and directives stays with the document it introduces.
      if (is_document()) {
        docs.push_back(std::move(current));
        restart(line_no);
      } else if (current.text.empty()) {
        current.first_line = line_no;
      }
      explicit_start = true;
      // Content on the marker line itself ("--- {a: 1}").
      if (IsContent(line.substr(3))) has_content = true;
    } else if (IsMarker(line, "...")) {
      if (is_document()) docs.push_back(std::move(current));
      restart(line_no + 1);
      continue;
    } else {
      if (current.text.empty()) current.first_line = line_no;
      if (IsContent(line)) has_content = true;
    }
    current.text.append(line).append("\n");
  }
  if (is_document()) docs.push_back(std::move(current));
  return docs;
}

// ---- reading ----

// Reads `in` to its end. False on a read error: a stdin that is a directory or closed makes
// the stream buffer throw (ios_base::failure), which istream::read turns into badbit.
bool ReadAll(std::istream& in, std::string* text) {
  errno = 0;
  char chunk[1 << 16];
  try {
    while (in.read(chunk, sizeof chunk), in.gcount() > 0) {
      text->append(chunk, static_cast<size_t>(in.gcount()));
    }
  } catch (const std::exception&) {
    return false;
  }
  return !in.bad();
}

std::string ErrnoMessage() {
  const int err = errno;
  return err == 0 ? "input/output error" : std::error_code(err, std::generic_category()).message();
}

// ---- the loader proper ----
class Loader {
 public:
  void LoadPath(const std::string& path);
  void LoadYamlText(std::string_view text, const std::string& label);
  void LoadJsonText(const std::string& text, const std::string& label);
  LoadResult Finish();

 private:
  void Problem(const SourceRef& src, std::string object_ref, std::string path, std::string message,
               Severity severity = Severity::Error, int line = 0, int column = 0) {
    Diagnostic d;
    d.file = src.file;
    d.docIndex = src.docIndex;
    d.line = line;
    d.column = column;
    d.objectRef = std::move(object_ref);
    d.path = std::move(path);
    d.message = std::move(message);
    d.severity = severity;
    result_.diagnostics.push_back(std::move(d));
  }
  void LoadFile(const fs::path& file);
  bool ListDirectory(const fs::path& dir, std::vector<fs::path>* files);
  void Document(const json& doc, const SourceRef& src);
  template <class F>
  void Guarded(const SourceRef& src, F&& body);
  template <class T>
  void Object(json doc, const SourceRef& src, std::vector<Loaded<T>>* out);

  LoadResult result_;
  std::set<std::string> cluster_names_;  // every MemberCluster named, valid or not
};

void Loader::LoadPath(const std::string& path) {
  if (path == "-") {
    std::string text;
    if (!ReadAll(std::cin, &text)) {
      Problem({"<stdin>", -1}, "", "", "cannot read: " + ErrnoMessage());
      std::cin.clear();
      return;
    }
    LoadYamlText(text, "<stdin>");
    return;
  }
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) {
    Problem({path, -1}, "", "",
            std::string("cannot read: ") + (ec && ec != std::errc::no_such_file_or_directory
                                                ? ec.message()
                                                : "no such file or directory"));
    return;
  }
  if (!fs::is_directory(st)) {
    LoadFile(path);
    return;
  }
  std::vector<fs::path> files;
  const bool listed = ListDirectory(path, &files);
  std::sort(files.begin(), files.end());
  if (files.empty() && listed) {
    Problem({path, -1}, "", "", "no *.yaml, *.yml or *.json files in this directory",
            Severity::Warning);
  }
  for (const auto& f : files) LoadFile(f);
}

// Every directory below `dir` (symbolic links to directories are not followed, as before).
// A subdirectory that cannot be listed is an error, not a silent skip: it may hold a Budget.
bool Loader::ListDirectory(const fs::path& dir, std::vector<fs::path>* files) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  bool ok = true;
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::error_code entry_ec;
    const fs::file_status link = it->symlink_status(entry_ec);
    if (!entry_ec && fs::is_directory(link)) {
      ok = ListDirectory(it->path(), files) && ok;
      continue;
    }
    if (!it->is_regular_file(entry_ec)) continue;
    std::string ext = it->path().extension().string();
    if (ext == ".yaml" || ext == ".yml" || ext == ".json") files->push_back(it->path());
  }
  if (ec) {
    Problem({dir.string(), -1}, "", "", "cannot list directory: " + ec.message());
    return false;
  }
  return ok;
}

void Loader::LoadFile(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::string label = file.string();
  if (!in) {
    Problem({label, -1}, "", "",
            "cannot read: " + std::error_code(errno, std::generic_category()).message());
    return;
  }
  std::string text;
  if (!ReadAll(in, &text)) {
    Problem({label, -1}, "", "", "cannot read: " + ErrnoMessage());
    return;
  }
  if (file.extension() == ".json") {
    LoadJsonText(text, label);
  } else {
    LoadYamlText(text, label);
  }
}

void Loader::LoadYamlText(std::string_view text, const std::string& label) {
  std::vector<DocumentText> docs = SplitDocuments(text);
  for (size_t i = 0; i < docs.size(); ++i) {
    SourceRef src{label, static_cast<int>(i)};
    YAML::Node node;
    try {
      node = YAML::Load(docs[i].text);
    } catch (const YAML::DeepRecursion& e) {
      // yaml-cpp's own message for this one is a misleading "bad file".
      Problem(src, "", "", "malformed YAML: nesting too deep", Severity::Error,
              docs[i].first_line + 1);
      continue;
    } catch (const YAML::Exception& e) {
      int line = e.mark.is_null() ? 0 : docs[i].first_line + e.mark.line + 1;
      int column = e.mark.is_null() ? 0 : e.mark.column + 1;
      Problem(src, "", "", "malformed YAML: " + e.msg, Severity::Error, line, column);
      continue;
    }
    Diagnostic error;
    std::optional<json> doc = YamlToJson(node, &error);
    if (!doc) {
      if (error.line > 0) error.line += docs[i].first_line;
      Problem(src, "", "", error.message, Severity::Error, error.line, error.column);
      continue;
    }
    Guarded(src, [&] { Document(*doc, src); });
  }
}

void Loader::LoadJsonText(const std::string& text, const std::string& label) {
  SourceRef src{label, 0};
  JsonParseError error;
  JsonParseOptions options;
  options.rejectDuplicateKeys = true;  // as the YAML path does: a later key would win silently
  std::optional<json> doc = ParseJsonBounded(text, &error, options);
  if (!doc) {
    // Turn the byte offset into line and column.
    int line = 0;
    int column = 0;
    if (error.byte > 0) {
      size_t upto = std::min<size_t>(error.byte - 1, text.size());
      line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + upto, '\n'));
      size_t nl = text.rfind('\n', upto == 0 ? 0 : upto - 1);
      column = static_cast<int>(nl == std::string::npos ? upto + 1 : upto - nl);
    }
    Problem(src, "", error.path, "malformed JSON: " + error.message, Severity::Error, line, column);
    return;
  }
  Guarded(src, [&] { Document(*doc, src); });
}

// Decoding and validation do not throw by design; should a library still throw, the document
// is reported as an error and the rest is still loaded.
template <class F>
void Loader::Guarded(const SourceRef& src, F&& body) {
  try {
    body();
  } catch (const std::exception& e) {
    Problem(src, "", "", std::string("cannot decode: ") + e.what());
  }
}

void Loader::Document(const json& doc, const SourceRef& src) {
  if (doc.is_null()) return;  // an empty document, as kubectl skips them
  if (!doc.is_object()) {
    Problem(src, "", "", "a manifest must be a mapping, got " + DescribeJson(doc));
    return;
  }
  std::string ref = api::ObjectRefOf(doc);
  auto av = doc.find("apiVersion");
  auto kd = doc.find("kind");
  bool bad = false;
  if (av == doc.end() || av->is_null() || !av->is_string() || av->get<std::string>().empty()) {
    Problem(src, ref, "apiVersion",
            av == doc.end() || av->is_null() ? "required"
                                             : "must be a string, got " + DescribeJson(*av));
    bad = true;
  }
  if (kd == doc.end() || kd->is_null() || !kd->is_string() || kd->get<std::string>().empty()) {
    Problem(src, ref, "kind",
            kd == doc.end() || kd->is_null() ? "required"
                                             : "must be a string, got " + DescribeJson(*kd));
    bad = true;
  }
  if (bad) return;
  const std::string api_version = av->get<std::string>();
  const std::string kind = kd->get<std::string>();
  if (kind == "List" && api_version == "v1") {
    auto items = doc.find("items");
    if (items == doc.end() || !items->is_array()) {
      if (items != doc.end() && !items->is_null()) {
        Problem(src, "", "items", "must be a list, got " + DescribeJson(*items));
      }
      return;
    }
    for (const auto& item : *items) Document(item, src);
    return;
  }
  size_t slash = api_version.find('/');
  std::string group = slash == std::string::npos ? "" : api_version.substr(0, slash);
  if (group != api::kGroup) {
    std::string name;
    if (auto md = doc.find("metadata"); md != doc.end() && md->is_object()) {
      if (auto n = md->find("name"); n != md->end() && n->is_string()) name = n->get<std::string>();
    }
    Diagnostic note;
    note.file = src.file;
    note.docIndex = src.docIndex;
    note.message = "skipping " + api_version + " " + kind +
                   (name.empty() ? "" : " \"" + name + "\"") + ": not a hybridai.io kind";
    note.severity = Severity::Note;
    result_.notes.push_back(std::move(note));
    return;
  }
  if (api_version != api::kApiVersion) {
    Problem(src, ref, "apiVersion",
            "unsupported version \"" + api_version + "\", want \"" + api::kApiVersion + "\"");
    return;
  }
  if (kind == "MemberCluster") {
    Object(doc, src, &result_.manifests.clusters);
  } else if (kind == "GPUPool") {
    Object(doc, src, &result_.manifests.pools);
  } else if (kind == "AIWorkload") {
    Object(doc, src, &result_.manifests.workloads);
  } else if (kind == "Budget") {
    Object(doc, src, &result_.manifests.budgets);
  } else {
    Problem(src, ref, "kind",
            "unknown kind \"" + kind + "\" in " + api::kApiVersion +
                " (want MemberCluster, GPUPool, AIWorkload or Budget)");
  }
}

// True when `path` is `prefix` or a field below it ("spec.a" under "spec", not "spec2").
bool Under(const std::string& path, const std::string& prefix) {
  if (prefix.empty()) return true;
  if (path.compare(0, prefix.size(), prefix) != 0) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '.' || path[prefix.size()] == '[';
}

template <class T>
void Loader::Object(json doc, const SourceRef& src, std::vector<Loaded<T>>* out) {
  if constexpr (api::KindTraits<T>::kNamespaced) {
    // Like kubectl: a namespaced manifest without a namespace lands in "default".
    json& md = doc["metadata"];
    if (md.is_null()) md = json::object();
    if (md.is_object()) {
      auto ns = md.find("namespace");
      if (ns == md.end() || ns->is_null() || (ns->is_string() && ns->get<std::string>().empty())) {
        md["namespace"] = "default";
      }
    }
  }
  std::vector<Diagnostic> diags;
  T object;
  api::DecodeInto(doc, &object, &diags);
  if constexpr (std::is_same_v<T, api::MemberCluster>) {
    if (!object.metadata.name.empty()) cluster_names_.insert(object.metadata.name);
  }
  // Validate what decoded too, but say nothing more about a field whose type was wrong: its
  // value is a default and any complaint about it would mislead.
  std::vector<std::string> bad_paths;
  for (const auto& d : diags) {
    if (d.severity == Severity::Error) bad_paths.push_back(d.path);
  }
  for (auto& d : Validate(object)) {
    bool shadowed = std::any_of(bad_paths.begin(), bad_paths.end(),
                                [&](const std::string& p) { return Under(d.path, p); });
    if (!shadowed) diags.push_back(std::move(d));
  }
  bool failed = HasErrors(diags);
  for (auto& d : diags) {
    d.file = src.file;
    d.docIndex = src.docIndex;
    result_.diagnostics.push_back(std::move(d));
  }
  if (!failed) out->push_back(Loaded<T>{std::move(object), src});
}

template <class T>
void RemoveDuplicates(std::vector<Loaded<T>>* objects, std::vector<Diagnostic>* diags) {
  std::map<std::string, SourceRef> seen;
  std::vector<Loaded<T>> kept;
  for (auto& o : *objects) {
    std::string ref = api::ObjectRef(o.object.metadata);
    auto [it, inserted] = seen.emplace(ref, o.source);
    if (inserted) {
      kept.push_back(std::move(o));
      continue;
    }
    Diagnostic d = MakeError(ref, "metadata.name",
                             "duplicate " + std::string(api::KindTraits<T>::kKind) + " \"" + ref +
                                 "\": already defined at " + it->second.ToString());
    d.file = o.source.file;
    d.docIndex = o.source.docIndex;
    diags->push_back(std::move(d));
  }
  *objects = std::move(kept);
}

void CheckSet(Manifests* m, std::vector<Diagnostic>* diags,
              const std::set<std::string>& invalid_cluster_names) {
  RemoveDuplicates(&m->clusters, diags);
  RemoveDuplicates(&m->pools, diags);
  RemoveDuplicates(&m->workloads, diags);
  RemoveDuplicates(&m->budgets, diags);

  std::set<std::string> clusters;
  for (const auto& c : m->clusters) clusters.insert(c.object.metadata.name);
  std::vector<Loaded<api::GPUPool>> pools;
  for (auto& p : m->pools) {
    const std::string& target = p.object.spec.cluster;
    if (clusters.count(target) != 0) {
      pools.push_back(std::move(p));
      continue;
    }
    // A pool of an invalid cluster is dropped quietly: the cluster's own errors say why.
    if (invalid_cluster_names.count(target) != 0) continue;
    Diagnostic d = MakeError(api::ObjectRef(p.object.metadata), "spec.cluster",
                             "MemberCluster \"" + target + "\" not found in the input");
    d.file = p.source.file;
    d.docIndex = p.source.docIndex;
    diags->push_back(std::move(d));
  }
  m->pools = std::move(pools);

  if (m->pools.empty()) return;
  const auto& first = m->pools.front();
  for (const auto& p : m->pools) {
    if (p.object.spec.pricing.currency == first.object.spec.pricing.currency) continue;
    Diagnostic d = MakeError(api::ObjectRef(p.object.metadata), "spec.pricing.currency",
                             "\"" + p.object.spec.pricing.currency + "\" differs from \"" +
                                 first.object.spec.pricing.currency + "\" of GPUPool \"" +
                                 first.object.metadata.name +
                                 "\": costs in different currencies are not converted or summed");
    d.severity = Severity::Warning;
    d.file = p.source.file;
    d.docIndex = p.source.docIndex;
    diags->push_back(std::move(d));
  }
}

LoadResult Loader::Finish() {
  std::set<std::string> invalid;
  std::set<std::string> valid;
  for (const auto& c : result_.manifests.clusters) valid.insert(c.object.metadata.name);
  std::set_difference(cluster_names_.begin(), cluster_names_.end(), valid.begin(), valid.end(),
                      std::inserter(invalid, invalid.end()));
  CheckSet(&result_.manifests, &result_.diagnostics, invalid);
  return std::move(result_);
}

}  // namespace

LoadResult LoadManifests(const std::vector<std::string>& paths) {
  Loader loader;
  for (const auto& p : paths) loader.LoadPath(p);
  return loader.Finish();
}

LoadResult LoadManifestsFromString(std::string_view text, const std::string& file_label) {
  Loader loader;
  loader.LoadYamlText(text, file_label);
  return loader.Finish();
}

void CheckManifestSet(Manifests* manifests, std::vector<Diagnostic>* diagnostics) {
  CheckSet(manifests, diagnostics, {});
}

PlacementInput PlacementInputFromManifests(const Manifests& m) {
  PlacementInput input;
  for (const auto& c : m.clusters) input.clusters.push_back(ClusterInput{c.object, {}, false});
  for (const auto& p : m.pools) input.pools.push_back(PoolInput{p.object, {}, false, 0});
  for (const auto& b : m.budgets) input.budgets.push_back(BudgetInput{b.object, {}, {}, {}});
  for (const auto& w : m.workloads) input.workloads.push_back(w.object);
  return input;
}

}  // namespace hybridai
