#pragma once
// What the cluster knows about a topic, and its stored form:
//   id=<32 hex digits>
//   partitions=<N>
//   replication.factor=<R>
//   assignment=<replicas of partition 0>;<of partition 1>;...   (node ids, comma separated)
//   config.<key>=<value>     (one line per topic config override)

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/topic_config.h"

namespace runnel::broker {

using TopicId = std::array<std::byte, 16>;

struct TopicMetadata {
  std::string name;
  TopicId id{};
  int32_t partitions = 1;
  int16_t replication_factor = 1;
  // The replicas of each partition (node ids, the preferred leader first); one entry per
  // partition. Decoding text without the line leaves it empty (the embedded store fills it).
  std::vector<std::vector<int32_t>> assignment;
  TopicConfigs configs;
  bool operator==(const TopicMetadata&) const = default;
};

TopicId random_topic_id();
std::string encode_topic_metadata(const TopicMetadata& topic);
std::optional<TopicMetadata> decode_topic_metadata(std::string_view name, std::string_view text);

// Kafka's rule: 1-249 characters of [a-zA-Z0-9._-], not "." or "..".
bool valid_topic_name(std::string_view name);

}  // namespace runnel::broker
