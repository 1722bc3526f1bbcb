#pragma once
// Owning handles for librdkafka objects and read-only views of a consumed
// message's key, value and headers, valid while the message lives.

#include <librdkafka/rdkafka.h>

#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace runnel::tools {

struct MessageDeleter {
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

// Header key and value; a nullopt value is Kafka's null.
using RecordHeaders = std::vector<std::pair<std::string_view, std::optional<std::string_view>>>;

// nullopt for a null key or value.
std::optional<std::string_view> key_of(const rd_kafka_message_t* m);
std::optional<std::string_view> value_of(const rd_kafka_message_t* m);
RecordHeaders headers_of(rd_kafka_message_t* m);

}  // namespace runnel::tools
