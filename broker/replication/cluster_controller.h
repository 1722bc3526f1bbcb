#pragma once
// ClusterController: partition leadership in ZooKeeper mode (leader_election.h has the rules).
//
// - On the elected controller only (is_controller()), every change of the registered brokers or
//   of the store re-examines each partition: an offline leader is replaced (offline_election),
//   unregistered ISR members are dropped (isr_cleanup). With auto.leader.rebalance.enable,
//   rebalance() (every leader.imbalance.check.interval.seconds) gives leadership back to
//   preferred replicas that are in the ISR.
// - Any broker, on SIGTERM with controlled.shutdown.enable: shut_down() hands the leaderships
//   of this broker to other ISR members and takes it out of the ISRs (controlled_shutdown),
//   waiting until the store shows none led here or the timeout passes.
// Writes are compare-and-set on the state's version: a lost race is re-examined on the next
// change, which the winner's write itself causes. One write per partition in flight.
// Everything runs on one strand.

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/strand.hpp>
#include <chrono>
#include <functional>
#include <set>
#include <string>

#include "broker/config.h"
#include "broker/metadata_store.h"
#include "storage/topic_partition.h"

namespace runnel::broker {

class ClusterController {
 public:
  struct Hooks {
    std::function<std::set<int32_t>()> live_brokers;
    std::function<bool()> is_controller;
    std::function<int32_t()> controller_epoch;
  };
  ClusterController(asio::any_io_executor executor, const BrokerConfig& config, MetadataStore& metadata, Hooks hooks);

  // Call on any change of the registered brokers, the controller or the store (any thread).
  void on_change();
  // The periodic preferred leader election (any thread).
  void rebalance();
  // Controlled shutdown of this broker (see above); `done` runs on the strand.
  void shut_down(std::chrono::milliseconds timeout, std::function<void()> done);

 private:
  enum class Pass { elections, preferred, shutdown };
  void run(Pass pass);  // on the strand
  asio::awaitable<void> hand_over(std::chrono::milliseconds timeout);  // on the strand
  void write(const std::string& topic, int32_t partition, const PartitionState& next, const char* why);

  asio::strand<asio::any_io_executor> strand_;
  const BrokerConfig& config_;
  MetadataStore& metadata_;
  Hooks hooks_;
  std::set<storage::TopicPartition> in_flight_;
  bool shutting_down_ = false;
};

}  // namespace runnel::broker
