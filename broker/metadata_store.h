#pragma once
// MetadataStore: where cluster metadata (topics, partition counts, topic
// configs, the producer id allocator and transactional ids) is kept. The embedded implementation (single node, below) keeps
// it in storage::MetaStore (RocksDB) under the first log dir; the ZooKeeper
// implementation arrives with replication. Callers serialize changes (the
// controller); reads come from the in-memory copy.

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "broker/topic_metadata.h"
#include "protocol/result.h"
#include "storage/meta_store.h"

namespace runnel::broker {

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
  // a start-up failure (std::runtime_error).
  static Result<std::unique_ptr<EmbeddedMetadataStore>> open(const std::string& dir);

  Result<void> put_topic(const TopicMetadata& topic) override;
  Result<void> delete_topic(const std::string& name) override;
  std::optional<TopicMetadata> topic(const std::string& name) const override;
  std::vector<TopicMetadata> topics() const override;
  Result<int64_t> allocate_producer_ids(int64_t count) override;
  std::optional<TransactionalProducer> transactional_producer(const std::string& transactional_id) const override;
  Result<void> put_transactional_producer(const std::string& transactional_id,
                                          const TransactionalProducer& producer) override;
  Result<size_t> expire_transactional_ids(int64_t now_ms, int64_t expiration_ms) override;

 private:
  explicit EmbeddedMetadataStore(std::unique_ptr<storage::MetaStore> store) : store_(std::move(store)) {}
  std::unique_ptr<storage::MetaStore> store_;
  mutable std::mutex mutex_;
  std::map<std::string, TopicMetadata> topics_;
};

}  // namespace runnel::broker
