#pragma once
// MetadataStore: where cluster metadata (topics with their replica assignment and configs, each
// partition's leader, ISR and leader epoch, the producer id allocator and transactional ids) is
// kept. The embedded implementation (single node, below) keeps topics in storage::MetaStore
// (RocksDB) under the first log dir; this broker is the leader and only replica of every
// partition. The ZooKeeper implementation (coordination/zk_metadata_store.h) keeps them in
// Kafka's ZooKeeper layout. Reads come from an in-memory copy; the writes that return a Result
// wait for the store (never call them on the store's own executor; request handlers call them on
// BrokerServices::metadata_pool, never on an I/O thread); partition state changes only by
// compare-and-set on its version.

#include <map>
#include <functional>
#include <memory>
#include <system_error>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "broker/topic_metadata.h"
#include "protocol/result.h"
#include "storage/meta_store.h"

namespace runnel::broker {

// Kafka's LeaderAndIsr for one partition, with the store's version of it (the ZooKeeper node
// version) for compare-and-set.
struct PartitionState {
  int32_t leader = -1;  // node id; -1: no leader (offline)
  int32_t leader_epoch = 0;
  std::vector<int32_t> isr;
  int32_t controller_epoch = 0;
  int32_t version = 0;
  bool operator==(const PartitionState&) const = default;
};

// "[1,2,3]", for log lines.
std::string describe_replicas(const std::vector<int32_t>& replicas);

// Expected failures of MetadataStore writes (metadata_category()).
enum class MetadataErrc {
  topic_already_exists = 1,  // put_topic(create) lost a race with another broker
  stale_version,             // update_partition_state: the version moved on
  unavailable,               // the store did not answer in time
};
const std::error_category& metadata_category();
inline std::error_code make_error_code(MetadataErrc e) { return {static_cast<int>(e), metadata_category()}; }

struct TransactionalProducer {
  int64_t producer_id = -1;
  int16_t epoch = 0;
  int64_t last_used_ms = 0;  // wall clock of the last InitProducerId
  bool operator==(const TransactionalProducer&) const = default;
};

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;
  virtual Result<void> put_topic(const TopicMetadata& topic) = 0;
  virtual Result<void> delete_topic(const std::string& name) = 0;
  virtual std::optional<TopicMetadata> topic(const std::string& name) const = 0;
  virtual std::vector<TopicMetadata> topics() const = 0;
  // Creates the topic (MetadataErrc::topic_already_exists if it exists) with its assignment,
  // and the initial state of each partition: leader = the first replica, ISR = all replicas,
  // leader epoch 0. put_topic() of an existing topic changes only its configs.
  virtual Result<void> create_topic(const TopicMetadata& topic) = 0;

  // The partition's state; nullopt when the topic or partition is unknown or its state is
  // not written yet.
  virtual std::optional<PartitionState> partition_state(const std::string& topic, int32_t partition) const = 0;
  // Compare-and-set: replaces the state if its version is still `state.version`; `done` gets
  // the stored state with its new version, or MetadataErrc::stale_version (re-read and retry).
  // Does not block; `done` runs on the store's executor (any thread for the embedded store).
  virtual void update_partition_state(const std::string& topic, int32_t partition, const PartitionState& state,
                                      std::function<void(Result<PartitionState>)> done) = 0;
  // `listener` runs (on the store's executor) after the in-memory copy changed: topics created,
  // deleted or reconfigured, partition states changed (by anyone). Changes may be coalesced:
  // listeners re-read what they care about. One listener per call; call before the broker runs.
  virtual void on_change(std::function<void()> listener) = 0;

  // Reserves `count` producer ids never handed out before (across restarts,
  // and later across the cluster) and returns the first.
  virtual Result<int64_t> allocate_producer_ids(int64_t count) = 0;
  // The producer id and epoch last given to a transactional id, if any, and
  // their replacement (given at `now_ms`).
  virtual std::optional<TransactionalProducer> transactional_producer(const std::string& transactional_id) const = 0;
  virtual Result<void> put_transactional_producer(const std::string& transactional_id,
                                                  const TransactionalProducer& producer) = 0;
  // Forgets transactional ids last given out at least `expiration_ms` ago
  // (transactional.id.expiration.ms); returns how many.
  virtual Result<size_t> expire_transactional_ids(int64_t now_ms, int64_t expiration_ms) = 0;
};

class EmbeddedMetadataStore final : public MetadataStore {
 public:
  // Opens <dir> and loads every topic; a stored topic that does not parse is
  // a start-up failure (std::runtime_error). `node_id` is the only replica and the leader of
  // every partition (at leader epoch 0, the embedded store never elects another).
  static Result<std::unique_ptr<EmbeddedMetadataStore>> open(const std::string& dir, int32_t node_id);

  Result<void> put_topic(const TopicMetadata& topic) override;
  Result<void> delete_topic(const std::string& name) override;
  std::optional<TopicMetadata> topic(const std::string& name) const override;
  std::vector<TopicMetadata> topics() const override;
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

 private:
  EmbeddedMetadataStore(std::unique_ptr<storage::MetaStore> store, int32_t node_id)
      : store_(std::move(store)), node_id_(node_id) {}
  void fill_assignment(TopicMetadata& topic) const;
  std::unique_ptr<storage::MetaStore> store_;
  int32_t node_id_;
  mutable std::mutex mutex_;
  std::map<std::string, TopicMetadata> topics_;
};

}  // namespace runnel::broker

template <>
struct std::is_error_code_enum<runnel::broker::MetadataErrc> : std::true_type {};
