#pragma once
// Offset lookups (ListOffsets) for the commands that read partitions: the
// watermarks of a partition, and the first offset at or after a timestamp.
// Each throws ToolError naming the partition when the broker refuses, or the
// brokers when they do not answer within the client's timeout.

#include <cstdint>
#include <string>
#include <vector>

namespace runnel::tools {

class KafkaClient;

struct Watermarks {
  int64_t log_start_offset = -1;
  int64_t high_watermark = -1;
};

Watermarks query_watermarks(KafkaClient& client, const std::string& topic, int32_t partition);

// For each of `partitions`, the offset of the first record whose timestamp is
// at or after `timestamp_ms`, or -1 when there is none.
std::vector<int64_t> offsets_for_timestamp(KafkaClient& client, const std::string& topic,
                                           const std::vector<int32_t>& partitions, int64_t timestamp_ms);

}  // namespace runnel::tools
