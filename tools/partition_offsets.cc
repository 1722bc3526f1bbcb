#include "tools/partition_offsets.h"

#include <librdkafka/rdkafka.h>

#include "tools/kafka_client.h"
#include "tools/rdkafka_message.h"

namespace runnel::tools {
namespace {

bool unreachable(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__TRANSPORT;
}

}  // namespace

Watermarks query_watermarks(KafkaClient& client, const std::string& topic, int32_t partition) {
  Watermarks w;
  rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(client.get(), topic.c_str(), partition,
                                                             &w.log_start_offset, &w.high_watermark,
                                                             client.timeout_ms());
  if (unreachable(err)) throw ToolError(client.unreachable_message("list offsets"));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw ToolError("list offsets of " + topic + "-" + std::to_string(partition) + ": " + rd_kafka_err2str(err));
  return w;
}

std::vector<int64_t> offsets_for_timestamp(KafkaClient& client, const std::string& topic,
                                           const std::vector<int32_t>& partitions, int64_t timestamp_ms) {
  PartitionListPtr list(
      rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (int32_t p : partitions) rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset = timestamp_ms;
  rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(client.get(), list.get(), client.timeout_ms());
  if (unreachable(err)) throw ToolError(client.unreachable_message("list offsets by timestamp"));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) throw ToolError(std::string("list offsets by timestamp: ") + rd_kafka_err2str(err));
  std::vector<int64_t> offsets;
  for (int32_t p : partitions) {
    const rd_kafka_topic_partition_t* e = rd_kafka_topic_partition_list_find(list.get(), topic.c_str(), p);
    if (e == nullptr || e->err != RD_KAFKA_RESP_ERR_NO_ERROR)
      throw ToolError("list offsets by timestamp of " + topic + "-" + std::to_string(p) + ": " +
                      rd_kafka_err2str(e == nullptr ? RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION : e->err));
    offsets.push_back(e->offset < 0 ? -1 : e->offset);
  }
  return offsets;
}

}  // namespace runnel::tools
