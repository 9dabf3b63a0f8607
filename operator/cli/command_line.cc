#include "cli/command_line.h"

#include <string_view>

namespace hybridai::cli {
namespace {

ParsedCommandLine Error(std::string message, std::string topic) {
  ParsedCommandLine result;
  result.error = std::move(message);
  result.usage_topic = std::move(topic);
  return result;
}

ParsedCommandLine Ok(CommandLine command) {
  ParsedCommandLine result;
  result.command = std::move(command);
  return result;
}

bool IsHelpFlag(std::string_view arg) {
  return arg == "-h" || arg == "--help";
}

// Splits a flag into its value when written as `--name=value`, `-xvalue` or `-x value`/
// `--name value` (consuming the next argument). Returns false when `arg` is not this flag.
// On a missing value sets `missing` to true.
bool TakeFlagValue(const std::vector<std::string>& args, size_t& i, std::string_view short_name,
                   std::string_view long_name, std::string& value, bool& missing) {
  const std::string_view arg = args[i];
  auto take_next = [&]() {
    if (i + 1 >= args.size()) {
      missing = true;
      return true;
    }
    value = args[++i];
    return true;
  };
  if (arg == short_name || arg == long_name) return take_next();
  const std::string long_prefix = std::string(long_name) + "=";
  if (arg.substr(0, long_prefix.size()) == long_prefix) {
    value = std::string(arg.substr(long_prefix.size()));
    missing = value.empty();
    return true;
  }
  if (arg.size() > short_name.size() && arg.substr(0, short_name.size()) == short_name) {
    // -ojson, -o=json, -ffile.yaml
    std::string_view rest = arg.substr(short_name.size());
    if (rest.front() == '=') rest.remove_prefix(1);
    value = std::string(rest);
    missing = value.empty();
    return true;
  }
  return false;
}

ParsedCommandLine ParsePlan(const std::vector<std::string>& args, size_t start) {
  CommandLine command;
  command.verb = Verb::Plan;
  for (size_t i = start; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (IsHelpFlag(arg)) {
      CommandLine help;
      help.verb = Verb::Help;
      help.help_topic = "plan";
      return Ok(help);
    }
    std::string value;
    bool missing = false;
    if (TakeFlagValue(args, i, "-f", "--filename", value, missing)) {
      if (missing) return Error("flag needs an argument: -f/--filename", "plan");
      command.plan.filenames.push_back(value);
      continue;
    }
    if (TakeFlagValue(args, i, "-o", "--output", value, missing)) {
      if (missing) return Error("flag needs an argument: -o/--output", "plan");
      const auto format = ParseOutputFormat(value);
      if (!format) {
        return Error("unknown output format \"" + value + "\": expected table, json or yaml",
                     "plan");
      }
      command.plan.output = *format;
      continue;
    }
    if (arg == "-") {
      return Error("unexpected argument \"-\": read stdin with -f -", "plan");
    }
    if (!arg.empty() && arg.front() == '-') return Error("unknown flag: " + arg, "plan");
    return Error("unexpected argument \"" + arg + "\": manifests are given with -f PATH", "plan");
  }
  if (command.plan.filenames.empty()) {
    return Error("no manifests given: use -f PATH (a file, a directory, or - for stdin)", "plan");
  }
  return Ok(command);
}

ParsedCommandLine ParseSpend(const std::vector<std::string>& args, size_t start) {
  CommandLine command;
  command.verb = Verb::Spend;
  SpendOptions& o = command.spend;
  for (size_t i = start; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (IsHelpFlag(arg)) {
      CommandLine help;
      help.help_topic = "spend";
      return Ok(help);
    }
    if (arg == "-A" || arg == "--all-namespaces") {
      o.allNamespaces = true;
      continue;
    }
    std::string value;
    bool missing = false;
    struct Flag {
      const char* shortName;
      const char* longName;
      std::string* target;
    };
    std::string output;
    const Flag flags[] = {{"-n", "--namespace", &o.ns},
                          {"--by", "--by", &o.by},
                          {"--kubeconfig", "--kubeconfig", &o.kubeconfig},
                          {"--context", "--context", &o.context},
                          {"-o", "--output", &output}};
    bool matched = false;
    for (const auto& f : flags) {
      if (!TakeFlagValue(args, i, f.shortName, f.longName, value, missing)) continue;
      if (missing) return Error(std::string("flag needs an argument: ") + f.longName, "spend");
      *f.target = value;
      matched = true;
      break;
    }
    if (matched) {
      if (!output.empty()) {
        const auto format = ParseOutputFormat(output);
        if (!format)
          return Error("unknown output format \"" + output + "\": expected table, json or yaml",
                       "spend");
        o.output = *format;
      }
      continue;
    }
    if (!arg.empty() && arg.front() == '-') return Error("unknown flag: " + arg, "spend");
    return Error("unexpected argument \"" + arg + "\"", "spend");
  }
  if (o.by.empty()) return Error("--by needs a tag key", "spend");
  return Ok(command);
}

}  // namespace

std::optional<OutputFormat> ParseOutputFormat(const std::string& text) {
  if (text == "table" || text == "wide") return OutputFormat::Table;
  if (text == "json") return OutputFormat::Json;
  if (text == "yaml") return OutputFormat::Yaml;
  return std::nullopt;
}

ParsedCommandLine ParseCommandLine(const std::vector<std::string>& args) {
  if (args.empty()) return Error("no command given", "");
  const std::string& verb = args[0];
  if (IsHelpFlag(verb)) return Ok(CommandLine{});
  if (verb == "help") {
    CommandLine help;
    if (args.size() > 2) return Error("help takes at most one command name", "");
    if (args.size() == 2) {
      if (args[1] != "plan" && args[1] != "version" && args[1] != "spend") {
        return Error("unknown command \"" + args[1] + "\"", "");
      }
      help.help_topic = args[1];
    }
    return Ok(help);
  }
  if (verb == "version" || verb == "--version") {
    for (size_t i = 1; i < args.size(); ++i) {
      if (IsHelpFlag(args[i])) {
        CommandLine help;
        help.help_topic = "version";
        return Ok(help);
      }
      return Error("version takes no arguments, got \"" + args[i] + "\"", "");
    }
    CommandLine version;
    version.verb = Verb::Version;
    return Ok(version);
  }
  if (verb == "plan") return ParsePlan(args, 1);
  if (verb == "spend") return ParseSpend(args, 1);
  if (!verb.empty() && verb.front() == '-') return Error("unknown flag: " + verb, "");
  return Error("unknown command \"" + verb + "\"", "");
}

}  // namespace hybridai::cli
