#pragma once
// Kafka's ZooKeeper layout of topics, partition states and the producer id allocator, as its
// brokers and controllers write it (JSON, zk_json.h):
//
//   /brokers/topics/<topic>                          persistent, the replica assignment:
//     {"version":3,"topic_id":"<Uuid>","partitions":{"0":[1,2,3],"1":[2,3,1]},
//      "adding_replicas":{},"removing_replicas":{}}
//     the partition count is the number of entries, the replication factor the size of
//     partition 0's list; <Uuid> is Kafka's Uuid text: the 16 bytes in base64url, no padding.
//   /brokers/topics/<topic>/partitions/<p>/state     persistent, LeaderAndIsr:
//     {"controller_epoch":E,"leader":L,"version":1,"leader_epoch":LE,"isr":[1,2,3]}
//     its ZooKeeper data version is PartitionState::version (compare-and-set).
//   /config/topics/<topic>                           persistent, the topic's config overrides:
//     {"version":1,"config":{"retention.ms":"1000"}}
//   /latest_producer_id_block                        persistent, the last block handed out:
//     {"version":1,"broker":<node id>,"block_start":"<first>","block_end":"<last>"}
//
// Decoders return nullopt for a document that is not in this shape (unknown fields are ignored).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "broker/metadata_store.h"
#include "broker/topic_metadata.h"

namespace runnel::broker {

inline constexpr const char* kTopicsPath = "/brokers/topics";
inline constexpr const char* kTopicConfigsPath = "/config/topics";
inline constexpr const char* kProducerIdBlockPath = "/latest_producer_id_block";

std::string topic_path(std::string_view topic);
std::string topic_config_path(std::string_view topic);
std::string partitions_path(std::string_view topic);
std::string partition_path(std::string_view topic, int32_t partition);
std::string partition_state_path(std::string_view topic, int32_t partition);

// Kafka's Uuid text (22 characters) and back; nullopt when `text` is not 16 bytes so encoded.
std::string encode_topic_id(const TopicId& id);
std::optional<TopicId> decode_topic_id(std::string_view text);

// The assignment node: name, id, partitions, replication factor and assignment (no configs).
// A node without a topic_id (written by an old Kafka) decodes with a zero id. The partitions
// must be numbered 0..N-1.
std::string encode_topic_assignment(const TopicMetadata& topic);
std::optional<TopicMetadata> decode_topic_assignment(std::string_view name, std::string_view data);

std::string encode_topic_configs(const TopicConfigs& configs);
std::optional<TopicConfigs> decode_topic_configs(std::string_view data);

// `version` is not encoded: decoding takes it from the node's stat.
std::string encode_partition_state(const PartitionState& state);
std::optional<PartitionState> decode_partition_state(std::string_view data, int32_t version);

struct ProducerIdBlock {
  int32_t broker = -1;
  int64_t first = 0;
  int64_t last = -1;  // inclusive
};
std::string encode_producer_id_block(const ProducerIdBlock& block);
std::optional<ProducerIdBlock> decode_producer_id_block(std::string_view data);

}  // namespace runnel::broker
