#include "broker/broker.h"

#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/thread_pool.hpp>
#include <asio/use_awaitable.hpp>
#include <atomic>
#include <csignal>
#include <set>
#include <stdexcept>
#include <thread>

#include "broker/controller.h"
#include "broker/coordination/cluster_membership.h"
#include "broker/coordination/zk_metadata_store.h"
#include "broker/log_cleaner_thread.h"
#include "broker/replication/cluster_controller.h"
#include "broker/replication/replica_fetcher_manager.h"
#include "broker/logging.h"
#include "broker/metadata_store.h"
#include "broker/replica_manager.h"
#include "broker/server.h"
#include "broker/services.h"
#include "broker/task_failure.h"
#include "storage/log_manager.h"
#include "storage/meta_properties.h"

namespace runnel::broker {

struct Broker::State {
  // First, so destroyed last: handlers still queued (and partitions' waiters)
  // hold executors of it.
  asio::io_context io;
  BrokerConfig config;
  std::unique_ptr<storage::LogManager> logs;
  std::unique_ptr<EmbeddedMetadataStore> local_metadata;
  // ZooKeeper mode only. Before everything that uses its session (the store, the fetchers, the
  // controller), so destroyed after them.
  std::unique_ptr<ClusterMembership> membership;
  std::unique_ptr<ZkMetadataStore> zk_metadata;  // ZooKeeper mode only
  MetadataStore* metadata = nullptr;              // one of the two
  asio::thread_pool disk_pool{2};
  asio::thread_pool metadata_pool{2};  // BrokerServices::metadata_pool
  std::unique_ptr<ReplicaFetcherManager> fetchers;      // ZooKeeper mode only
  std::unique_ptr<ClusterController> cluster_controller;  // ZooKeeper mode only
  std::unique_ptr<ReplicaManager> replicas;
  std::unique_ptr<Controller> controller;
  std::unique_ptr<group::GroupCoordinator> groups;
  std::unique_ptr<ProducerIdManager> producer_ids;
  std::unique_ptr<BrokerServices> services;
  std::unique_ptr<LogCleanerThread> cleaner;
  std::function<void(const std::string& reason)> on_membership_lost;  // set by run()
};

namespace {

std::string hostname() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

// Runs `tick` every `interval_ms` until the io_context stops.
asio::awaitable<void> every(int64_t interval_ms, std::function<void()> tick) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    timer.expires_after(std::chrono::milliseconds(interval_ms));
    auto [ec] = co_await timer.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    tick();
  }
}

void log_exception(std::exception_ptr e) { log_failure(e, "broker", "background task failed"); }

// Runs `task` on `io` from this thread (before the I/O threads start) until it completes;
// rethrows what it threw.
void run_to_completion(asio::io_context& io, asio::awaitable<void> task) {
  bool done = false;
  std::exception_ptr error;
  asio::co_spawn(io, std::move(task), [&](std::exception_ptr e) {
    error = e;
    done = true;
  });
  auto guard = asio::make_work_guard(io);
  while (!done) io.run_one();
  guard.reset();  // with no other work left this stops `io`: ready it for run()
  io.restart();
  if (error) std::rethrow_exception(error);
}

// A named coroutine: a capturing coroutine lambda crashed here (GCC, the closure's captures).
asio::awaitable<void> join_cluster_into(ClusterMembership* membership, std::string candidate, std::string* id) {
  *id = co_await membership->join_cluster(std::move(candidate));
}

// ZooKeeper mode, before the log dirs open: connects and returns the cluster id in /cluster/id
// (created, when missing, with the id already in meta.properties or a new one). A log dir stamped
// with another cluster id stops the start, as Kafka's InconsistentClusterIdException does.
std::string join_cluster(const std::vector<std::string>& log_dirs, asio::io_context& io, ClusterMembership& membership) {
  std::vector<std::pair<std::string, std::string>> stamped;  // dir, its cluster.id
  for (const auto& dir : log_dirs) {
    auto meta = storage::read_meta_properties(storage::FileSystem::posix(), dir);
    if (!meta) throw std::runtime_error("cannot read " + dir + "/" + storage::kMetaPropertiesFile + ": " +
                                        meta.error().message());
    if (*meta) stamped.emplace_back(dir, (*meta)->cluster_id);
  }
  std::string id;
  run_to_completion(io, join_cluster_into(&membership,
                                          stamped.empty() ? storage::generate_cluster_id() : stamped.front().second, &id));
  for (const auto& [dir, stored_id] : stamped)
    if (stored_id != id)
      throw std::runtime_error("The Cluster ID " + id + " doesn't match stored clusterId " + stored_id + " in " + dir +
                               "/" + storage::kMetaPropertiesFile + ". The broker is trying to join the wrong cluster.");
  return id;
}

}  // namespace

Broker::Broker(BrokerConfig config) : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.config = std::move(config);
  storage::LogManagerOptions options;
  options.log_dirs = s.config.log_dirs;
  options.default_config = s.config.log;
  options.node_id = s.config.node_id;
  options.max_open_files = static_cast<size_t>(s.config.log_max_open_files);
  if (!s.config.zookeeper_connect.empty()) {
    // The client retries what it reports (refused connections, lost ones): WARN at most here;
    // what stops the broker (a refused authentication or registration) is logged as an ERROR.
    set_zookeeper_client_log([](ZkClientLogLevel level, std::string_view message) {
      log_line(level == ZkClientLogLevel::info ? Level::info : Level::warn, "zookeeper", message);
    });
    ClusterMembership::Options zk;
    zk.connect = s.config.zookeeper_connect;
    zk.session_timeout = std::chrono::milliseconds(s.config.zookeeper_session_timeout_ms);
    zk.connection_timeout = std::chrono::milliseconds(s.config.zookeeper_connection_timeout_ms);
    zk.node_id = s.config.node_id;
    s.membership = std::make_unique<ClusterMembership>(s.io.get_executor(), zk, [&s](const std::string& reason) {
      if (s.on_membership_lost) s.on_membership_lost(reason);  // unset while starting: start() fails on its own
    });
    options.cluster_id = join_cluster(s.config.log_dirs, s.io, *s.membership);
  }
  auto logs = storage::LogManager::open(options);
  if (!logs) throw std::runtime_error("cannot open log dirs: " + logs.error().message());
  s.logs = std::move(*logs);
  auto metadata = EmbeddedMetadataStore::open(s.config.log_dirs.front() + "/__cluster_metadata", s.config.node_id);
  if (!metadata) throw std::runtime_error("cannot open the metadata store: " + metadata.error().message());
  s.local_metadata = std::move(*metadata);
  s.metadata = s.local_metadata.get();
  if (s.membership) {
    auto zk = ZkMetadataStore::open(s.membership->session(), s.io.get_executor(), *s.local_metadata,
                                    std::chrono::milliseconds(s.config.zookeeper_connection_timeout_ms), s.config.node_id);
    if (!zk) throw std::runtime_error("cannot load the cluster metadata from ZooKeeper: " + zk.error().message());
    s.zk_metadata = std::move(*zk);
    s.metadata = s.zk_metadata.get();
  }
  s.replicas = std::make_unique<ReplicaManager>(s.config, *s.logs, *s.metadata, s.disk_pool);
  s.controller = std::make_unique<Controller>(s.config, *s.metadata, *s.replicas);
  if (s.membership) {
    ClusterMembership& membership = *s.membership;
    auto live = [&membership] {
      std::set<int32_t> ids;
      for (const auto& b : membership.brokers()) ids.insert(b.node_id);
      return ids;
    };
    s.controller->set_live_brokers([live] {
      auto ids = live();
      return std::vector<int32_t>(ids.begin(), ids.end());
    });
    s.fetchers = std::make_unique<ReplicaFetcherManager>(
        s.io.get_executor(), s.disk_pool, s.config, [&membership](int32_t node_id) -> std::optional<BrokerEndpoint> {
          for (const auto& b : membership.brokers())
            if (b.node_id == node_id) return b;
          return std::nullopt;
        });
    s.replicas->set_fetchers(s.fetchers.get());
    s.cluster_controller = std::make_unique<ClusterController>(
        s.io.get_executor(), s.config, *s.metadata,
        ClusterController::Hooks{live, [&membership, id = s.config.node_id] { return membership.controller_id() == id; },
                                 [&membership] { return membership.controller_epoch(); }});
    s.metadata->on_change([&s] {
      s.replicas->request_reconcile();
      s.cluster_controller->on_change();
    });
    membership.on_change([&s] { s.cluster_controller->on_change(); });
    // The old session's watches are gone: a new copy of the metadata; its listeners reconcile.
    membership.on_renewed([&s](std::function<void()> loaded) { s.zk_metadata->reload(std::move(loaded)); });
    // A pause's fence lifts once the partitions follow the metadata ZooKeeper confirmed.
    membership.on_caught_up([&s](std::function<void()> done) { s.replicas->request_reconcile(std::move(done)); });
  }
  s.groups = std::make_unique<group::GroupCoordinator>(s.config, *s.metadata, *s.controller, *s.replicas);
  if (s.membership) s.groups->follow_leadership(s.disk_pool);  // before any reconciliation
  s.producer_ids = std::make_unique<ProducerIdManager>(*s.metadata);
  s.cleaner = std::make_unique<LogCleanerThread>(s.config, *s.replicas);
  s.services = std::make_unique<BrokerServices>(BrokerServices{s.config, *s.logs, *s.metadata, *s.replicas,
                                                               *s.controller, *s.groups, *s.producer_ids,
                                                               s.disk_pool, s.metadata_pool, s.logs->cluster_id(), "", 0});

  // Logs of topics the metadata no longer has (a crash inside a deletion) go before anything opens them.
  if (auto r = s.replicas->remove_deleted_topics(); !r)
    throw std::runtime_error("cannot remove the logs of a deleted topic: " + r.error().message());
  if (auto r = s.groups->start(); !r)
    throw std::runtime_error("cannot load consumer groups: " + r.error().message());
}

Broker::~Broker() = default;

int Broker::run() {
  State& s = *state_;
  Server server(s.io, *s.services);
  server.bind(s.config.listeners);
  const Listener& advertised = s.config.advertised_listeners.front();
  s.services->advertised_host = advertised.host.empty() ? hostname() : advertised.host;
  s.services->advertised_port = advertised.port != 0 ? advertised.port : server.bound_port();

  // Stops serving; in ZooKeeper mode the session closes first, so this broker's ephemeral nodes
  // (registration, /controller) go at once. The flush and checkpoints follow io.run().
  int exit_code = 0;
  std::atomic<bool> stopping{false};
  auto stop = [&](int code) {
    if (stopping.exchange(true)) return;
    exit_code = code;
    auto finish = [&] {
      server.stop();
      s.io.stop();
    };
    if (!s.membership) return finish();
    s.fetchers->stop();
    auto close = [&, finish] { s.membership->close(finish); };
    // Controlled shutdown: leadership moves away while this broker is still registered.
    if (code == 0 && s.config.controlled_shutdown_enable)
      s.cluster_controller->shut_down(std::chrono::milliseconds(std::min(5000, s.config.zookeeper_session_timeout_ms)),
                                      close);
    else
      close();
  };
  if (s.membership) {
    s.on_membership_lost = [&](const std::string& reason) {
      if (!s.services->membership) return;  // still starting: start() fails on its own
      log_error("zookeeper", reason + ": this broker is no longer registered; stopping (exit status 1)");
      asio::post(s.io, [&] { stop(1); });
    };
    BrokerEndpoint self{s.config.node_id, advertised.name, s.services->advertised_host, s.services->advertised_port,
                        s.config.broker_rack};
    try {
      run_to_completion(s.io, s.membership->start(self));
    } catch (...) {
      s.membership.reset();  // closes the session (its registration, if any, goes with it)
      throw;
    }
    s.services->membership = s.membership.get();
  }
  server.start();

  asio::signal_set signals(s.io, SIGTERM, SIGINT);
  signals.async_wait([&](std::error_code ec, int signal) {
    if (ec) return;
    log_info("broker", std::string("stopping on ") + (signal == SIGTERM ? "SIGTERM" : "SIGINT"));
    stop(0);
  });
  asio::co_spawn(s.io, every(s.config.log_flush_scheduler_interval_ms,
                             [&] { s.replicas->flush_due(BrokerServices::now_ms()); }),
                 log_exception);
  // Every offset checkpoint (log.flush.offset.checkpoint.interval.ms), or only the high
  // watermarks (replica.high.watermark.checkpoint.interval.ms), on the disk pool.
  auto write_checkpoints = [&s](bool all) {
    asio::post(s.disk_pool, [&s, all] {
      s.replicas->record_high_watermarks();
      if (auto r = all ? s.logs->write_checkpoints() : s.logs->write_high_watermark_checkpoints(); !r)
        log_error("storage", "writing checkpoints failed: " + r.error().message());
    });
  };
  asio::co_spawn(s.io, every(s.config.log_flush_offset_checkpoint_interval_ms, [=] { write_checkpoints(true); }),
                 log_exception);
  asio::co_spawn(s.io,
                 every(s.config.replica_high_watermark_checkpoint_interval_ms, [=] { write_checkpoints(false); }),
                 log_exception);

  asio::co_spawn(s.io, every(100, [&] { s.groups->tick(); }), log_exception);
  // Every hosted partition opens in its role (retention and the cleaner cover those nobody has
  // used since the start too), and again after each change in the store.
  s.replicas->request_reconcile();
  if (s.cluster_controller) {
    s.cluster_controller->on_change();
    asio::co_spawn(s.io, every(s.config.leader_imbalance_check_interval_ms, [&] { s.cluster_controller->rebalance(); }),
                   log_exception);
    // Single node: the ISR is this broker alone, never shrunk.
    asio::co_spawn(s.io, every(std::max<int64_t>(1, s.config.replica_lag_time_max_ms / 2),
                               [&] { s.replicas->shrink_isrs(BrokerServices::now_ms()); }),
                   log_exception);
  }
  asio::co_spawn(s.io, every(s.config.log_retention_check_interval_ms,
                             [&] {
                               s.replicas->request_reconcile();
                               asio::post(s.disk_pool, [&] {
                                 if (s.replicas->apply_retention(BrokerServices::now_ms()) == 0) return;
                                 if (auto r = s.logs->write_checkpoints(); !r)
                                   log_error("storage", "writing checkpoints failed: " + r.error().message());
                               });
                             }),
                 log_exception);
  s.cleaner->start();
  asio::co_spawn(s.io, every(s.config.transactional_id_cleanup_interval_ms,
                             [&] {
                               asio::post(s.metadata_pool, [&] {
                                 auto expired = s.metadata->expire_transactional_ids(
                                     BrokerServices::now_ms(), s.config.transactional_id_expiration_ms);
                                 if (!expired)
                                   log_warn("producer",
                                            "expiring transactional ids failed: " + expired.error().message());
                               });
                             }),
                 log_exception);
  asio::co_spawn(s.io, every(s.config.producer_id_expiration_check_interval_ms,
                             [&] { s.replicas->expire_producers(BrokerServices::now_ms()); }),
                 log_exception);
  asio::co_spawn(s.io, every(s.config.offsets_retention_check_interval_ms,
                             [&] { asio::post(s.disk_pool, [&] { s.groups->expire_offsets(); }); }),
                 log_exception);

  for (size_t i = 0; i < s.config.listeners.size(); ++i) {
    const auto& l = s.config.listeners[i];
    log_info("broker", "runneld started: node.id=" + std::to_string(s.config.node_id) + " cluster.id=" +
                           s.logs->cluster_id() + " listening on " + (l.host.empty() ? "0.0.0.0" : l.host) + ":" +
                           std::to_string(server.bound_port(i)) + " advertised as " + s.services->advertised_host +
                           ":" + std::to_string(s.services->advertised_port));
  }

  std::vector<std::thread> threads;
  for (int i = 1; i < s.config.num_network_threads; ++i) threads.emplace_back([&] { s.io.run(); });
  s.io.run();
  for (auto& t : threads) t.join();
  s.cleaner->stop();
  s.disk_pool.join();
  s.metadata_pool.join();
  s.replicas->record_high_watermarks();
  auto result = s.logs->shutdown();
  if (!result) {
    log_error("broker", "clean shutdown failed: " + result.error().message());
    return 1;
  }
  log_info("broker", exit_code == 0 ? "runneld stopped cleanly" : "runneld stopped (data flushed cleanly)");
  return exit_code;
}

}  // namespace runnel::broker
