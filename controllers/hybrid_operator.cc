#include "controllers/hybrid_operator.h"

#include <spdlog/spdlog.h>

#include "controllers/labels.h"
#include "controllers/object_key.h"
#include "controllers/spend_metrics.h"
#include "core/conditions.h"

namespace hybridai::controllers {

using nlohmann::json;
using runtime::ObjectPtr;
namespace kinds = runtime::kinds;

namespace {

std::string ReadyStatus(const json& object) {
  for (const auto& c : object.value("status", json::object()).value("conditions", json::array()))
    if (c.value("type", "") == "Ready") return c.value("status", "");
  return "";
}

}  // namespace

HybridOperator::HybridOperator(std::shared_ptr<runtime::ApiClient> hub, ClientFactory factory,
                               runtime::Clock& clock, runtime::MetricsRegistry* metrics,
                               runtime::EventRecorder* events, HybridOperatorOptions options)
    : hub_(std::move(hub)), clock_(clock), metrics_(metrics), options_(std::move(options)) {
  if (metrics_ != nullptr) runtimeMetrics_ = std::make_unique<runtime::RuntimeMetrics>(*metrics_);
  clusters_ = std::make_unique<runtime::Informer>(*hub_, kinds::kMemberCluster, clock_);
  pools_ = std::make_unique<runtime::Informer>(*hub_, kinds::kGPUPool, clock_);
  budgets_ = std::make_unique<runtime::Informer>(*hub_, kinds::kBudget, clock_);
  // Workloads are the one hub kind that grows with use (tens of thousands): cache them packed
  // and without the copy `kubectl apply` keeps in an annotation. Reconcilers read them one at a
  // time; the planner reads its own decoded cache (FleetSnapshot).
  runtime::InformerOptions workload_opts;
  workload_opts.compact = true;
  workload_opts.transform = runtime::DropManagedFieldsAndLastApplied;
  workloads_ =
      std::make_unique<runtime::Informer>(*hub_, kinds::kAIWorkload, clock_, workload_opts);
  HubCaches caches{&clusters_->store(), &pools_->store(), &budgets_->store(), &workloads_->store()};
  fleet_ = std::make_unique<FleetSnapshot>(caches);
  if (metrics_ != nullptr) RegisterSpendMetrics(*metrics_, caches, options_.metricTagKeys);
  scheduler_ = std::make_unique<FleetScheduler>(
      caches, *fleet_, clock_, events,
      FleetSchedulerOptions{options_.preemption, options_.throttleHysteresis.count()});

  members_ = std::make_unique<MemberRegistry>(clock_, [this](const std::string&,
                                                             runtime::Informer& informer) {
    // A member Deployment or Job changing wakes the hub workload that caused it, batched.
    informer.AddEventHandler(workloadController_->EnqueueHandler(
        runtime::MapByLabels(kLabelWorkloadNamespace, kLabelWorkload), options_.memberEventBatch));
  });

  // A member that stops answering its watches or requests is probed at once, so its Ready (and
  // the failover deadlines of what runs there) starts from the moment it went dark.
  members_->SetFailureHook([this](const std::string& cluster) {
    clusterController_->Enqueue({"", cluster});
  });
  MemberClusterReconcilerOptions copts;
  copts.operatorNamespace = options_.operatorNamespace;
  copts.probePeriod = options_.clusterProbe;
  copts.secrets = options_.memberSecrets;
  clusterReconciler_ = std::make_unique<MemberClusterReconciler>(
      *hub_, hub_, caches, *fleet_, *members_, std::move(factory), clock_, copts);
  poolReconciler_ =
      std::make_unique<GPUPoolReconciler>(*hub_, caches, *fleet_, *scheduler_, *members_, clock_,
                                          GPUPoolReconcilerOptions{options_.poolResync});
  AIWorkloadReconcilerOptions wopts;
  wopts.resyncPeriod = options_.workloadResync;
  wopts.accountingInterval = options_.accountingInterval;
  workloadReconciler_ = std::make_unique<AIWorkloadReconciler>(*hub_, caches, *fleet_, *scheduler_,
                                                               *members_, clock_, events, wopts);
  budgetReconciler_ =
      std::make_unique<BudgetReconciler>(*hub_, caches, *fleet_, *scheduler_, clock_, events,
                                         BudgetReconcilerOptions{options_.accountingInterval});

  clusterController_ = std::make_unique<runtime::Controller>(
      "membercluster", *clusterReconciler_, clock_, ControllerOptionsFor("membercluster", 2));
  poolController_ = std::make_unique<runtime::Controller>("gpupool", *poolReconciler_, clock_,
                                                          ControllerOptionsFor("gpupool", 2));
  workloadController_ = std::make_unique<runtime::Controller>(
      "aiworkload", *workloadReconciler_, clock_,
      ControllerOptionsFor("aiworkload", options_.workloadWorkers));
  budgetController_ = std::make_unique<runtime::Controller>("budget", *budgetReconciler_, clock_,
                                                            ControllerOptionsFor("budget", 1));

  // Deciding: the scheduler hears of every change that may need a decision; acting: it wakes
  // the workload reconciler for each decision that changed, and the pool reconciler for each
  // pool whose allocation changed.
  scheduler_->SetCallbacks(
      [this](const std::string& key) {
        workloadController_->Enqueue(runtime::Request::FromKey(key));
      },
      // Allocation changes come in bursts (one per decision): a pool's status follows them within
      // half a second, in one write, rather than once per decision.
      [this](const std::string& pool) {
        poolController_->EnqueueAfter({"", pool}, std::chrono::milliseconds(500));
      });
  // A budget's counted rates change with every decision in its namespace: its status follows
  // within a second, in one write.
  scheduler_->SetBudgetCallback([this](const std::string& key) {
    budgetController_->EnqueueAfter(runtime::Request::FromKey(key), std::chrono::seconds(1));
  });
  const auto name_of = [](const ObjectPtr& o) { return (*o)["metadata"].value("name", ""); };
  const auto generation = [](const ObjectPtr& o) {
    return (*o)["metadata"].value("generation", int64_t{0});
  };
  clusters_->AddEventHandler(clusterController_->EnqueueHandler());
  clusters_->AddEventHandler(runtime::ResourceEventHandler{
      .onAdd = nullptr,
      .onUpdate =
          [=, this](const ObjectPtr& before, const ObjectPtr& after) {
            const bool health = ReadyStatus(*before) != ReadyStatus(*after);
            if (!health && generation(before) == generation(after)) return;
            // Health or taints changed: what is placed there is decided again; pools there are
            // measured again; and every workload is acted on again, so a member that returns
            // gets what it missed and loses its stale copies.
            scheduler_->ClusterChanged(name_of(after));
            for (const auto& p : pools_->store().List()) poolController_->Enqueue({"", name_of(p)});
            if (health) EnqueueAllWorkloads();
          },
      .onDelete =
          [=, this](const ObjectPtr& o, bool) {
            fleet_->Forget(o);
            scheduler_->ClusterChanged(name_of(o));
          },
  });
  pools_->AddEventHandler(poolController_->EnqueueHandler());
  pools_->AddEventHandler(runtime::ResourceEventHandler{
      .onAdd = [=, this](const ObjectPtr& o) { scheduler_->PoolChanged(name_of(o)); },
      .onUpdate =
          [=, this](const ObjectPtr& before, const ObjectPtr& after) {
            const auto cap = [](const json& o) {
              return o.value("status", json::object()).value("capacity", json::object()).dump();
            };
            if (ReadyStatus(*before) != ReadyStatus(*after) || cap(*before) != cap(*after) ||
                generation(before) != generation(after))
              scheduler_->PoolChanged(name_of(after));
          },
      .onDelete =
          [=, this](const ObjectPtr& o, bool) {
            fleet_->Forget(o);
            scheduler_->PoolChanged(name_of(o));
          },
  });
  const auto status_field = [](const ObjectPtr& o, const char* field) {
    return (*o).value("status", json::object()).value(field, json()).dump();
  };
  const auto exceeded = [](const ObjectPtr& o) {
    for (const auto& c : (*o).value("status", json::object()).value("conditions", json::array()))
      if (c.value("type", "") == "Exceeded") return c.value("status", "");
    return std::string();
  };
  budgets_->AddEventHandler(runtime::ResourceEventHandler{
      .onAdd =
          [this](const ObjectPtr& o) {
            scheduler_->BudgetChanged(o);
            budgetController_->Enqueue(runtime::Request::FromKey(ObjectKey::Of(*o).String()));
          },
      // Its own status writes (every accounting step) change nothing to decide, except a new
      // period (usage starts again: Pending workloads may fit) and an Exceeded that turns,
      // which every workload it counts shows in WithinBudget.
      .onUpdate =
          [=, this](const ObjectPtr& before, const ObjectPtr& after) {
            const std::string key = ObjectKey::Of(*after).String();
            if (generation(before) != generation(after)) {
              scheduler_->BudgetChanged(after);
              budgetController_->Enqueue(runtime::Request::FromKey(key));
            } else if (status_field(before, "periodStart") != status_field(after, "periodStart")) {
              scheduler_->BudgetChanged(after);
            }
            if (exceeded(before) != exceeded(after)) {
              const std::string ns = (*after)["metadata"].value("namespace", "");
              for (const auto& w : workloads_->store().ByIndex(runtime::kNamespaceIndex, ns))
                workloadController_->Enqueue(runtime::Request::FromKey(ObjectKey::Of(*w).String()));
            }
          },
      .onDelete = [this](const ObjectPtr& o, bool) { scheduler_->BudgetDeleted(o); },
  });
  workloads_->AddEventHandler(workloadController_->EnqueueHandler());
  workloads_->AddEventHandler(runtime::ResourceEventHandler{
      .onAdd = [this](const ObjectPtr& o) { scheduler_->WorkloadChanged(o); },
      .onUpdate = [this](const ObjectPtr&, const ObjectPtr& o) { scheduler_->WorkloadChanged(o); },
      .onDelete = [this](const ObjectPtr& o, bool) { scheduler_->WorkloadDeleted(o); },
  });
}

HybridOperator::~HybridOperator() {
  Stop();
}

runtime::ControllerOptions HybridOperator::ControllerOptionsFor(const std::string& name,
                                                                int workers) {
  runtime::ControllerOptions o;
  o.workers = workers;
  if (!runtimeMetrics_) return o;
  runtime::RuntimeMetrics* m = runtimeMetrics_.get();
  m->maxConcurrentReconciles.With({name}).Set(workers);
  o.hooks.reconciled = [m, name](const std::string& result, double seconds) {
    m->reconcileTotal.With({name, result}).Inc();
    if (result == runtime::kResultError) m->reconcileErrors.With({name}).Inc();
    m->reconcileTime.With({name}).Observe(seconds);
  };
  o.hooks.activeWorkers = [m, name](int delta) { m->activeWorkers.With({name}).Add(delta); };
  o.hooks.queue.depth = [m, name](std::size_t d) {
    m->workqueueDepth.With({name}).Set(static_cast<double>(d));
  };
  o.hooks.queue.add = [m, name] { m->workqueueAdds.With({name}).Inc(); };
  o.hooks.queue.retry = [m, name] { m->workqueueRetries.With({name}).Inc(); };
  o.hooks.queue.queueLatency = [m, name](double s) {
    m->workqueueQueueDuration.With({name}).Observe(s);
  };
  o.hooks.queue.workDuration = [m, name](double s) {
    m->workqueueWorkDuration.With({name}).Observe(s);
  };
  return o;
}

void HybridOperator::WaitForFirstPass(std::stop_token stop, const std::function<bool()>& done) {
  const auto deadline = clock_.Now() + options_.firstPassLimit;
  while (!done() && clock_.Now() < deadline) {
    if (!clock_.SleepFor(std::chrono::milliseconds(100), stop)) return;
  }
}

void HybridOperator::EnqueueAllWorkloads() {
  for (const auto& key : workloads_->store().Keys())
    workloadController_->Enqueue(runtime::Request::FromKey(key));
}

bool HybridOperator::Start(std::stop_token stop) {
  if (started_.exchange(true)) return synced_.load();
  for (auto* inf : {clusters_.get(), pools_.get(), budgets_.get(), workloads_.get()}) inf->Start();
  for (auto* inf : {clusters_.get(), pools_.get(), budgets_.get(), workloads_.get()}) {
    if (!inf->WaitForSync(stop)) return false;
  }
  spdlog::info("msg=\"hub caches synced\" memberclusters={} gpupools={} budgets={} aiworkloads={}",
               clusters_->store().Size(), pools_->store().Size(), budgets_->store().Size(),
               workloads_->store().Size());
  // Clusters first, then pools, then workloads: the planner skips pools it has never seen
  // Ready, and a workload placed elsewhere in the meantime stays there (placement is sticky).
  // So on a fresh fleet, let every member be probed and every pool measured once before
  // placing, within a bound so that one dead member cannot hold everything back.
  // The ledger starts from the placements in status (so pools report what is held from their
  // first measure); the first cycle decides every workload, keeping what is still valid, in
  // priority order.
  scheduler_->Seed();
  clusterController_->Start();
  WaitForFirstPass(stop, [this] {
    for (const auto& c : clusters_->store().List()) {
      const std::string name = (*c)["metadata"].value("name", "");
      if (!members_->Client(name) && ReadyStatus(*c) != "False") return false;
    }
    return true;
  });
  poolController_->Start();
  WaitForFirstPass(stop, [this] {
    for (const auto& p : pools_->store().List())
      if (ReadyStatus(*p).empty()) return false;
    return true;
  });
  if (stop.stop_requested()) return false;
  scheduler_->Start();
  workloadController_->Start();
  budgetController_->Start();
  synced_ = true;
  return true;
}

void HybridOperator::Stop() {
  if (!started_.load()) return;
  budgetController_->Stop();
  workloadController_->Stop();
  scheduler_->Stop();
  poolController_->Stop();
  clusterController_->Stop();
  for (auto* inf : {workloads_.get(), budgets_.get(), pools_.get(), clusters_.get()}) inf->Stop();
  members_->DisconnectAll();
}

}  // namespace hybridai::controllers
