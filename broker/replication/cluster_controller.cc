#include "broker/replication/cluster_controller.h"

#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include "broker/logging.h"
#include "broker/replication/leader_election.h"
#include "broker/task_failure.h"

namespace runnel::broker {

ClusterController::ClusterController(asio::any_io_executor executor, const BrokerConfig& config,
                                     MetadataStore& metadata, Hooks hooks)
    : strand_(asio::make_strand(executor)), config_(config), metadata_(metadata), hooks_(std::move(hooks)) {}

void ClusterController::on_change() {
  asio::post(strand_, [this] {
    if (shutting_down_) run(Pass::shutdown);
    if (hooks_.is_controller()) run(Pass::elections);
  });
}

void ClusterController::rebalance() {
  asio::post(strand_, [this] {
    if (hooks_.is_controller() && config_.auto_leader_rebalance_enable) run(Pass::preferred);
  });
}

void ClusterController::run(Pass pass) {
  const auto live = hooks_.live_brokers();
  const int32_t controller_epoch = hooks_.controller_epoch();
  for (const auto& topic : metadata_.topics()) {
    for (int32_t p = 0; p < topic.partitions; ++p) {
      if (in_flight_.count(storage::TopicPartition{topic.name, p})) continue;
      auto state = metadata_.partition_state(topic.name, p);
      if (!state) continue;
      const auto& assignment = topic.assignment.at(static_cast<size_t>(p));
      switch (pass) {
        case Pass::elections:
          if (auto next = offline_election(*state, assignment, live, config_.unclean_leader_election_enable,
                                           controller_epoch))
            write(topic.name, p, *next, "leader offline");
          else if (auto cleaned = isr_cleanup(*state, live, controller_epoch))
            write(topic.name, p, *cleaned, "ISR member offline");
          break;
        case Pass::preferred:
          if (auto next = preferred_election(*state, assignment, live, controller_epoch))
            write(topic.name, p, *next, "preferred replica back in the ISR");
          break;
        case Pass::shutdown:
          if (auto next = controlled_shutdown(*state, assignment, live, config_.node_id, controller_epoch))
            write(topic.name, p, *next, "controlled shutdown");
          break;
      }
    }
  }
}

void ClusterController::write(const std::string& topic, int32_t partition, const PartitionState& next,
                              const char* why) {
  storage::TopicPartition tp{topic, partition};
  in_flight_.insert(tp);
  metadata_.update_partition_state(topic, partition, next, [this, tp, next, why](Result<PartitionState> stored) {
    asio::post(strand_, [this, tp, next, why, ok = stored.has_value(),
                         error = stored ? std::string() : stored.error().message()] {
      in_flight_.erase(tp);
      if (ok)
        log_info("controller", tp.dir_name() + ": leader " + std::to_string(next.leader) + " at epoch " +
                                   std::to_string(next.leader_epoch) + ", ISR " + describe_replicas(next.isr) + " (" +
                                   why + ")");
      else
        log_warn("controller", tp.dir_name() + ": state change (" + why + ") not written: " + error);
      on_change();  // a lost compare-and-set, or what the write itself made possible
    });
  });
}

void ClusterController::shut_down(std::chrono::milliseconds timeout, std::function<void()> done) {
  asio::co_spawn(strand_, hand_over(timeout), [done = std::move(done)](std::exception_ptr e) {
    log_failure(e, "controller", "controlled shutdown failed");
    done();
  });
}

asio::awaitable<void> ClusterController::hand_over(std::chrono::milliseconds timeout) {
  shutting_down_ = true;
  run(Pass::shutdown);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  asio::steady_timer timer(strand_);
  for (;;) {
    bool done = true;
    const auto live = hooks_.live_brokers();
    for (const auto& topic : metadata_.topics())
      for (int32_t p = 0; p < topic.partitions && done; ++p) {
        auto state = metadata_.partition_state(topic.name, p);
        if (state && controlled_shutdown(*state, topic.assignment.at(static_cast<size_t>(p)), live, config_.node_id, 0))
          done = false;
      }
    if (done || std::chrono::steady_clock::now() >= deadline) co_return;
    timer.expires_after(std::chrono::milliseconds(50));
    co_await timer.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    run(Pass::shutdown);
  }
}

}  // namespace runnel::broker
