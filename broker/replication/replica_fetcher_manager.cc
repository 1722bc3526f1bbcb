#include "broker/replication/replica_fetcher_manager.h"

#include <asio/post.hpp>

#include "broker/replication/replica_fetcher.h"

namespace runnel::broker {

ReplicaFetcherManager::ReplicaFetcherManager(asio::any_io_executor executor, asio::thread_pool& disk_pool,
                                             const BrokerConfig& config, EndpointLookup endpoint_of)
    : strand_(asio::make_strand(executor)), disk_pool_(disk_pool), config_(config), endpoint_of_(std::move(endpoint_of)) {}

ReplicaFetcherManager::~ReplicaFetcherManager() = default;

void ReplicaFetcherManager::add(std::shared_ptr<Partition> partition, int32_t leader, int32_t leader_epoch) {
  asio::post(strand_, [this, partition = std::move(partition), leader, leader_epoch] {
    if (stopped_) return;
    const auto& tp = partition->topic_partition();
    for (auto& [other, fetcher] : fetchers_)
      if (other != leader) fetcher->remove(tp);
    auto& fetcher = fetchers_[leader];
    const bool fresh = !fetcher;
    if (fresh) fetcher = std::make_shared<ReplicaFetcher>(*this, leader);
    fetcher->add(partition, leader_epoch);
    if (fresh) fetcher->start();
  });
}

void ReplicaFetcherManager::remove(const storage::TopicPartition& tp) {
  asio::post(strand_, [this, tp] {
    for (auto& [leader, fetcher] : fetchers_) fetcher->remove(tp);
  });
}

void ReplicaFetcherManager::stop() {
  asio::post(strand_, [this] {
    stopped_ = true;
    for (auto& [leader, fetcher] : fetchers_) fetcher->stop();
  });
}

void ReplicaFetcherManager::on_fetcher_idle(int32_t leader, const ReplicaFetcher* fetcher) {
  auto it = fetchers_.find(leader);
  if (it != fetchers_.end() && it->second.get() == fetcher) fetchers_.erase(it);
}

}  // namespace runnel::broker
