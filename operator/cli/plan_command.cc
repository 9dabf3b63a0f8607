#include "cli/plan_command.h"

#include <cerrno>
#include <iostream>
#include <system_error>

#include "cli/plan_output.h"
#include "core/escape.h"
#include "core/manifest_loader.h"
#include "core/placement_engine.h"

namespace hybridai::cli {
namespace {

// LoadManifests reads "-" from std::cin. Point std::cin at the caller's stream for the call,
// so that in-process callers (tests, embedding) supply stdin like the process would.
class StdinRedirect {
 public:
  explicit StdinRedirect(std::istream& in)
      : saved_(&in == &std::cin ? nullptr : std::cin.rdbuf(in.rdbuf())) {}
  ~StdinRedirect() {
    if (saved_ != nullptr) std::cin.rdbuf(saved_);
  }
  StdinRedirect(const StdinRedirect&) = delete;
  StdinRedirect& operator=(const StdinRedirect&) = delete;

 private:
  std::streambuf* saved_;
};

int RunPlanUnguarded(const PlanOptions& options, CliIo& io);

}  // namespace

int RunPlan(const PlanOptions& options, CliIo& io) {
  // Every library error is a value by design; this is the last line for one that is not, so
  // that no input aborts the process.
  try {
    return RunPlanUnguarded(options, io);
  } catch (const std::exception& e) {
    io.err << "plan: internal error: " << EscapeControl(e.what()) << "\n";
    return kExitUsage;
  }
}

namespace {

int RunPlanUnguarded(const PlanOptions& options, CliIo& io) {
  LoadResult loaded;
  {
    StdinRedirect redirect(io.in);
    loaded = LoadManifests(options.filenames);
  }
  for (const auto& note : loaded.notes) io.err << note.ToString() << "\n";
  // One line per problem, exactly as Diagnostic spells it (`file[doc] ns/name: path: message`;
  // warnings start with "warning: "), so editors and CI annotations can parse them.
  int errors = 0;
  for (const auto& d : loaded.diagnostics) {
    if (d.severity == Severity::Error) ++errors;
    io.err << d.ToString() << "\n";
  }
  if (errors > 0) {
    io.err << "plan: " << errors << (errors == 1 ? " error" : " errors")
           << " in the manifests; nothing was planned\n";
    return kExitUsage;
  }

  const PlacementInput input = PlacementInputFromManifests(loaded.manifests);
  const PlacementPlan plan = PlanPlacements(input);
  const PlanReport report = BuildPlanReport(input, plan);
  io.out << Render(report, options.output, io.color);
  io.out.flush();
  if (!io.out) {
    // A full disk or a closed pipe: the plan was not delivered, so it must not read as passed.
    const int err = errno;
    io.err << "plan: cannot write the output"
           << (err != 0 ? ": " + std::error_code(err, std::generic_category()).message() : "")
           << "\n";
    return kExitUsage;
  }
  return report.AllPlaced() && !report.AnyBudgetExceeded() ? kExitOk : kExitPlanFailed;
}

}  // namespace

}  // namespace hybridai::cli
