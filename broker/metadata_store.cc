#include "broker/metadata_store.h"

#include <charconv>

#include "protocol/errc.h"
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace runnel::broker {
namespace {
constexpr const char* kTopicPrefix = "topic/";
// The next producer id never handed out, as decimal text.
constexpr const char* kNextProducerIdKey = "producer-id/next";
// "<producer id> <epoch> <last used, epoch ms>" per transactional id.
constexpr const char* kTransactionalPrefix = "transactional-id/";
}

std::string describe_replicas(const std::vector<int32_t>& replicas) {
  std::string text = "[";
  for (size_t i = 0; i < replicas.size(); ++i) text += (i ? "," : "") + std::to_string(replicas[i]);
  return text + "]";
}

const std::error_category& metadata_category() {
  struct Category final : std::error_category {
    const char* name() const noexcept override { return "metadata"; }
    std::string message(int e) const override {
      switch (static_cast<MetadataErrc>(e)) {
        case MetadataErrc::topic_already_exists: return "topic already exists";
        case MetadataErrc::stale_version: return "the state changed meanwhile (stale version)";
        case MetadataErrc::unavailable: return "the metadata store did not answer in time";
      }
      return "metadata error " + std::to_string(e);
    }
  };
  static const Category category;
  return category;
}

Result<std::unique_ptr<EmbeddedMetadataStore>> EmbeddedMetadataStore::open(const std::string& dir, int32_t node_id) {
  auto store = storage::MetaStore::open(dir);
  if (!store) return fail(store.error());
  std::unique_ptr<EmbeddedMetadataStore> metadata(new EmbeddedMetadataStore(std::move(*store), node_id));
  auto scanned = metadata->store_->scan(kTopicPrefix, [&](std::string_view key, std::string_view value) {
    auto name = key.substr(std::string_view(kTopicPrefix).size());
    auto topic = decode_topic_metadata(name, value);
    if (!topic) throw std::runtime_error("metadata store " + dir + ": unreadable entry for topic " + std::string(name));
    metadata->fill_assignment(*topic);
    metadata->topics_.emplace(topic->name, *topic);
  });
  if (!scanned) return fail(scanned.error());
  return metadata;
}

void EmbeddedMetadataStore::fill_assignment(TopicMetadata& topic) const {
  topic.assignment.assign(static_cast<size_t>(topic.partitions), std::vector<int32_t>{node_id_});
}

Result<void> EmbeddedMetadataStore::put_topic(const TopicMetadata& topic) {
  std::lock_guard lock(mutex_);
  TopicMetadata stored = topic;
  fill_assignment(stored);
  if (auto r = store_->put(kTopicPrefix + topic.name, encode_topic_metadata(stored)); !r) return r;
  topics_[topic.name] = std::move(stored);
  return {};
}

Result<void> EmbeddedMetadataStore::create_topic(const TopicMetadata& topic) {
  {
    std::lock_guard lock(mutex_);
    if (topics_.count(topic.name)) return fail(MetadataErrc::topic_already_exists);
  }
  return put_topic(topic);  // the controller serializes creations
}

std::optional<PartitionState> EmbeddedMetadataStore::partition_state(const std::string& topic,
                                                                     int32_t partition) const {
  std::lock_guard lock(mutex_);
  auto it = topics_.find(topic);
  if (it == topics_.end() || partition < 0 || partition >= it->second.partitions) return std::nullopt;
  return PartitionState{node_id_, 0, {node_id_}, 0, 0};
}

void EmbeddedMetadataStore::update_partition_state(const std::string&, int32_t, const PartitionState&,
                                                   std::function<void(Result<PartitionState>)> done) {
  // One replica, one leader, one epoch: nothing may change it.
  done(fail(MetadataErrc::stale_version));
}

void EmbeddedMetadataStore::on_change(std::function<void()>) {}  // only this broker changes it, synchronously

Result<void> EmbeddedMetadataStore::delete_topic(const std::string& name) {
  std::lock_guard lock(mutex_);
  if (auto r = store_->remove(kTopicPrefix + name); !r) return r;
  topics_.erase(name);
  return {};
}

std::optional<TopicMetadata> EmbeddedMetadataStore::topic(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = topics_.find(name);
  if (it == topics_.end()) return std::nullopt;
  return it->second;
}

std::vector<TopicMetadata> EmbeddedMetadataStore::topics() const {
  std::lock_guard lock(mutex_);
  std::vector<TopicMetadata> all;
  for (const auto& [name, topic] : topics_) all.push_back(topic);
  return all;
}

Result<int64_t> EmbeddedMetadataStore::allocate_producer_ids(int64_t count) {
  std::lock_guard lock(mutex_);
  auto stored = store_->get(kNextProducerIdKey);
  if (!stored) return fail(stored.error());
  int64_t first = 0;
  if (*stored) {
    const std::string& text = **stored;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), first);
    if (ec != std::errc{} || end != text.data() + text.size()) return fail(protocol::Errc::invalid_record);
  }
  if (auto r = store_->put(kNextProducerIdKey, std::to_string(first + count)); !r) return fail(r.error());
  return first;
}

namespace {

std::optional<TransactionalProducer> parse_transactional(const std::string& text) {
  long long producer_id = 0, last_used = 0;
  int epoch = 0;
  if (std::sscanf(text.c_str(), "%lld %d %lld", &producer_id, &epoch, &last_used) != 3) return std::nullopt;
  return TransactionalProducer{producer_id, static_cast<int16_t>(epoch), last_used};
}

}  // namespace

std::optional<TransactionalProducer> EmbeddedMetadataStore::transactional_producer(
    const std::string& transactional_id) const {
  std::lock_guard lock(mutex_);
  auto stored = store_->get(kTransactionalPrefix + transactional_id);
  if (!stored || !*stored) return std::nullopt;
  return parse_transactional(**stored);
}

Result<void> EmbeddedMetadataStore::put_transactional_producer(const std::string& transactional_id,
                                                               const TransactionalProducer& producer) {
  std::lock_guard lock(mutex_);
  return store_->put(kTransactionalPrefix + transactional_id, std::to_string(producer.producer_id) + " " +
                                                                  std::to_string(producer.epoch) + " " +
                                                                  std::to_string(producer.last_used_ms));
}

Result<size_t> EmbeddedMetadataStore::expire_transactional_ids(int64_t now_ms, int64_t expiration_ms) {
  std::lock_guard lock(mutex_);
  std::vector<storage::MetaStore::Write> expired;
  auto r = store_->scan(kTransactionalPrefix, [&](std::string_view key, std::string_view value) {
    auto producer = parse_transactional(std::string(value));
    if (!producer || now_ms - producer->last_used_ms >= expiration_ms) expired.push_back({std::string(key), {}});
  });
  if (!r) return fail(r.error());
  if (auto w = store_->write(expired, true); !w) return fail(w.error());
  return expired.size();
}

}  // namespace runnel::broker
