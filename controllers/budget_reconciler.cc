#include "controllers/budget_reconciler.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "controllers/object_key.h"
#include "controllers/status_writer.h"
#include "core/budget_accounting.h"
#include "core/codec.h"
#include "runtime/store.h"

namespace hybridai::controllers {

using nlohmann::json;
using runtime::ReconcileResult;
namespace kinds = runtime::kinds;

BudgetReconciler::BudgetReconciler(runtime::ApiClient& hub, HubCaches caches, FleetSnapshot& fleet,
                                   FleetScheduler& scheduler, runtime::Clock& clock,
                                   runtime::EventRecorder* events, BudgetReconcilerOptions options)
    : hub_(hub),
      caches_(caches),
      fleet_(fleet),
      scheduler_(scheduler),
      clock_(clock),
      events_(events),
      options_(options) {}

runtime::Result<ReconcileResult> BudgetReconciler::Reconcile(const runtime::Request& request) {
  runtime::ObjectPtr object = caches_.budgets->Get(request.ns, request.name);
  if (!object) return ReconcileResult{};
  auto budget = fleet_.BudgetOf(object);
  if (!budget) {
    spdlog::error("msg=\"invalid Budget\" budget={}", request.Key());
    return ReconcileResult{};
  }
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(clock_.WallNow().time_since_epoch()).count();
  const BudgetFigures figures = scheduler_.BudgetFiguresOf(request.Key());
  const BudgetAccountingResult r =
      AccountBudget({*budget, figures.rate, figures.workloads, figures.throttled, now});
  if (auto st = PatchStatus(hub_, kinds::kBudget, *object, api::StatusToJson(r.status)); !st.ok())
    return st.error();
  if (events_ != nullptr) {
    for (const auto& t : r.transitions) {
      const bool bad = t.status == "True";
      std::string reason = t.type == "Exceeded" ? (bad ? "BudgetExceeded" : "BudgetWithinLimits")
                                                : (bad ? "BudgetWarning" : "BudgetWarningCleared");
      events_->Record(runtime::ObjectReference::To(*object),
                      bad ? runtime::EventType::Warning : runtime::EventType::Normal, reason,
                      t.message);
    }
  }
  // Next step: the accounting interval, or just after the period ends, whichever comes first.
  const int64_t to_end = PeriodAt(budget->spec.period, now, budget->spec.timeZone).end - now;
  ReconcileResult result;
  result.requeueAfter = std::min<std::chrono::seconds>(
      options_.accountingInterval, std::chrono::seconds(std::max<int64_t>(1, to_end + 1)));
  return result;
}

}  // namespace hybridai::controllers
