#pragma once
// ZkMetadataStore: the MetadataStore of a ZooKeeper-coordinated cluster, in Kafka's ZooKeeper
// layout (zk_topic_layout.h), shared by every broker of the cluster.
//
// - Reads (topic, topics, partition_state) come from the in-memory copy (zk_topic_cache.h), kept
//   current by watches; they never touch ZooKeeper. After any change to it, by this broker or
//   another, the on_change listeners are posted on the executor (coalesced).
// - The writes that return a Result block the caller until ZooKeeper answered, for at most the
//   timeout given to open() (then MetadataErrc::unavailable; the write may still happen). They
//   run on a thread of the store's own, so they work before the broker's io_context runs, from
//   any thread except the session's executor's (whose completions the store does not wait for,
//   but whose watch events it needs). ZooKeeper errors (ZkErrc) pass through.
// - update_partition_state never blocks: compare-and-set on the state node's version; `done`
//   runs on the executor.
// - Producer ids: /latest_producer_id_block, advanced by compare-and-set (ids start at 0).
// - After the session expired and was renewed, reload() builds a new copy on it (the old copy's
//   watches ended with the old session); reads use the old copy until the new one is loaded.
// - Transactional ids are NOT in ZooKeeper yet: they are delegated to the local store given at
//   construction (the broker's embedded one), until the transaction coordinator moves them.
// - The session must outlive the store and the reads it has under way (they end at their next
//   step once the store is gone, or at once with `closing` once the session is closed): close
//   the session first. A write that timed out completes on the store's thread: it too needs the
//   session closed before the store goes.

#include <asio/any_io_executor.hpp>
#include <asio/thread_pool.hpp>
#include <chrono>
#include <memory>
#include <mutex>

#include "broker/coordination/zk_session.h"
#include "broker/coordination/zk_topic_cache.h"
#include "broker/metadata_store.h"

namespace runnel::broker {

class ZkMetadataStore final : public MetadataStore {
 public:
  // Creates /brokers/topics and /config/topics when missing, loads every topic with its configs
  // and partition states, and sets the watches. `session` must be connected. `node_id` is
  // written into the producer id blocks this broker takes.
  static Result<std::unique_ptr<ZkMetadataStore>> open(ZkSession& session, asio::any_io_executor executor,
                                                       MetadataStore& local, std::chrono::milliseconds timeout,
                                                       int32_t node_id = -1);
  ~ZkMetadataStore() override;

  // Existing topic: replaces its config overrides only. Missing: create_topic.
  Result<void> put_topic(const TopicMetadata& topic) override;
  // Removes the state, partition and topic nodes, then the config node.
  Result<void> delete_topic(const std::string& name) override;
  std::optional<TopicMetadata> topic(const std::string& name) const override;
  std::vector<TopicMetadata> topics() const override;
  // Writes the config node (replacing a leftover), then the topic node (node_exists:
  // MetadataErrc::topic_already_exists), then each partition's state. Requires
  // topic.assignment.size() == topic.partitions. The copy holds the topic on return.
  Result<void> create_topic(const TopicMetadata& topic) override;
  std::optional<PartitionState> partition_state(const std::string& topic, int32_t partition) const override;
  void update_partition_state(const std::string& topic, int32_t partition, const PartitionState& state,
                              std::function<void(Result<PartitionState>)> done) override;
  void on_change(std::function<void()> listener) override;
  Result<int64_t> allocate_producer_ids(int64_t count) override;
  std::optional<TransactionalProducer> transactional_producer(const std::string& transactional_id) const override;
  Result<void> put_transactional_producer(const std::string& transactional_id,
                                          const TransactionalProducer& producer) override;
  Result<size_t> expire_transactional_ids(int64_t now_ms, int64_t expiration_ms) override;

  // Loads a new copy of everything on the (renewed) session, in the background, and replaces
  // the copy with it; `loaded` (on the store's thread) and the on_change listeners then run.
  // Tries again every 500 ms until it loaded; gives up without calling `loaded` once the
  // session is closed or expires again (the caller starts over with a new session).
  void reload(std::function<void()> loaded = {});

 private:
  ZkMetadataStore(ZkSession& session, asio::any_io_executor executor, MetadataStore& local,
                  std::chrono::milliseconds timeout, int32_t node_id);
  // Runs `op` on pool_ and waits for it, for at most timeout_.
  template <class T>
  Result<T> wait(asio::awaitable<Result<T>> op);
  asio::awaitable<Result<void>> create_parents();
  asio::awaitable<Result<void>> create(TopicMetadata topic);
  asio::awaitable<Result<void>> put(TopicMetadata topic);
  asio::awaitable<Result<void>> remove(std::string name);
  asio::awaitable<Result<int64_t>> allocate(int64_t count);
  asio::awaitable<void> load_new_copy(std::function<void()> loaded);
  std::shared_ptr<ZkTopicCache> cache() const;

  ZkSession& session_;
  asio::any_io_executor executor_;
  MetadataStore& local_;
  const std::chrono::milliseconds timeout_;
  const int32_t node_id_;
  mutable std::mutex cache_mutex_;  // guards cache_ and listeners_
  std::shared_ptr<ZkTopicCache> cache_;
  std::vector<std::function<void()>> listeners_;
  asio::thread_pool pool_{1};  // declared last: stopped and joined before the rest goes
};

}  // namespace runnel::broker
