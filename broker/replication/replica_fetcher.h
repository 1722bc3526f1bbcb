#pragma once
// ReplicaFetcher: this broker following one leader broker for a set of partitions, over one
// connection (BrokerClient). Each round:
//  1. partitions new to it (or whose leader epoch changed) are truncated first (KIP-279): an
//     OffsetForLeaderEpoch request asks the leader where this replica's latest epoch ends in the
//     leader's log; the local log is cut there (or at its own end of the epoch the leader
//     answered, whichever is lower), so no divergent tail survives. A leader that knows no such
//     epoch answers -1: the replica is cut at its high watermark;
//  2. one Fetch (replica_id = this broker, current_leader_epoch set, waiting up to
//     replica.fetch.wait.max.ms) asks for every partition from its log end offset; the batches
//     are appended verbatim (offsets, epochs and producer state kept) and fsynced in the durable
//     mode before the next fetch, so the next fetch offset tells the leader they are durable.
// Errors: a connection failure waits replica.fetch.backoff.ms and reconnects; a partition the
// leader no longer leads (NOT_LEADER_OR_FOLLOWER, FENCED/UNKNOWN_LEADER_EPOCH) waits the backoff
// until the store's new state moves it. OFFSET_OUT_OF_RANGE with the leader's log start (which a
// runneld leader answers with it) above the fetch offset restarts the local log empty at that log
// start (retention or DeleteRecords outran this replica); any other OFFSET_OUT_OF_RANGE, or a
// refused append, truncates again. All on the manager's strand.

#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <map>
#include <memory>

#include "broker/partition.h"
#include "broker/replication/broker_client.h"
#include "storage/topic_partition.h"

namespace runnel::broker {

class ReplicaFetcherManager;

class ReplicaFetcher : public std::enable_shared_from_this<ReplicaFetcher> {
 public:
  ReplicaFetcher(ReplicaFetcherManager& manager, int32_t leader);

  // On the strand. add() replaces an earlier entry for the partition (truncating again).
  void add(std::shared_ptr<Partition> partition, int32_t leader_epoch);
  void remove(const storage::TopicPartition& tp);
  void start();
  void stop();

 private:
  struct FetchState {
    std::shared_ptr<Partition> partition;
    int32_t leader_epoch = 0;
    int64_t fetch_offset = 0;
    bool truncating = true;
    uint64_t generation = 0;
    std::chrono::steady_clock::time_point delayed_until{};
  };
  asio::awaitable<void> run();
  // Each returns false when the connection failed (it is closed then).
  asio::awaitable<bool> truncate_pending();
  asio::awaitable<bool> fetch_once();
  asio::awaitable<void> sleep(std::chrono::milliseconds duration);
  FetchState* current(const storage::TopicPartition& tp, uint64_t generation);
  void delay(FetchState& state);

  ReplicaFetcherManager& manager_;
  const int32_t leader_;
  BrokerClient client_;
  asio::steady_timer timer_;
  bool stopped_ = false;
  bool was_connected_ = true;  // for logging only the changes
  uint64_t next_generation_ = 1;
  std::map<storage::TopicPartition, FetchState> partitions_;
};

}  // namespace runnel::broker
