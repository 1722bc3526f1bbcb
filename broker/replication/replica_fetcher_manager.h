#pragma once
// ReplicaFetcherManager: the follower side of replication. One fetcher per leader broker
// (replica_fetcher.h) fetches every partition this broker follows on that leader, in one Fetch
// request per round. Partitions move between fetchers as leadership moves (add / remove, from
// any thread); a fetcher with no partitions left ends. Everything runs on one strand of the
// broker's io_context; blocking log work (truncation, appends, fsyncs) runs on the disk pool.

#include <asio/any_io_executor.hpp>
#include <asio/strand.hpp>
#include <asio/thread_pool.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "broker/config.h"
#include "broker/coordination/broker_registration.h"
#include "broker/partition.h"

namespace runnel::broker {

class ReplicaFetcher;

class ReplicaFetcherManager {
 public:
  // `endpoint_of(node id)`: the registered address of a live broker, nullopt if not registered.
  using EndpointLookup = std::function<std::optional<BrokerEndpoint>(int32_t node_id)>;

  ReplicaFetcherManager(asio::any_io_executor executor, asio::thread_pool& disk_pool, const BrokerConfig& config,
                        EndpointLookup endpoint_of);
  ~ReplicaFetcherManager();

  // From now on `partition` follows `leader` at `leader_epoch`: it is truncated to where its log
  // agrees with the leader's (OffsetForLeaderEpoch), then fetched. Replaces an earlier add.
  void add(std::shared_ptr<Partition> partition, int32_t leader, int32_t leader_epoch);
  // Stops fetching the partition (it became leader, was deleted, or has no leader).
  void remove(const storage::TopicPartition& tp);
  // Ends every fetcher (shutdown); later adds are ignored.
  void stop();

 private:
  friend class ReplicaFetcher;
  void on_fetcher_idle(int32_t leader, const ReplicaFetcher* fetcher);  // on the strand

  asio::strand<asio::any_io_executor> strand_;
  asio::thread_pool& disk_pool_;
  const BrokerConfig& config_;
  EndpointLookup endpoint_of_;
  bool stopped_ = false;
  std::map<int32_t, std::shared_ptr<ReplicaFetcher>> fetchers_;  // by leader; on the strand
};

}  // namespace runnel::broker
