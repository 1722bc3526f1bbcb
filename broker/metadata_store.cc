#include "broker/metadata_store.h"

#include <stdexcept>

namespace runnel::broker {
namespace {
constexpr const char* kTopicPrefix = "topic/";
}

Result<std::unique_ptr<EmbeddedMetadataStore>> EmbeddedMetadataStore::open(const std::string& dir) {
  auto store = storage::MetaStore::open(dir);
  if (!store) return fail(store.error());
  std::unique_ptr<EmbeddedMetadataStore> metadata(new EmbeddedMetadataStore(std::move(*store)));
  auto scanned = metadata->store_->scan(kTopicPrefix, [&](std::string_view key, std::string_view value) {
    auto name = key.substr(std::string_view(kTopicPrefix).size());
    auto topic = decode_topic_metadata(name, value);
    if (!topic) throw std::runtime_error("metadata store " + dir + ": unreadable entry for topic " + std::string(name));
    metadata->topics_.emplace(topic->name, *topic);
  });
  if (!scanned) return fail(scanned.error());
  return metadata;
}

Result<void> EmbeddedMetadataStore::put_topic(const TopicMetadata& topic) {
  std::lock_guard lock(mutex_);
  if (auto r = store_->put(kTopicPrefix + topic.name, encode_topic_metadata(topic)); !r) return r;
  topics_[topic.name] = topic;
  return {};
}

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

}  // namespace runnel::broker
