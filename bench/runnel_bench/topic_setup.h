#pragma once
// Getting the benchmark's topic ready before the clock starts.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/runnel_bench/kafka_handles.h"

namespace runnel::bench {

// Creates `topic` through the admin API (CreateTopics). A topic that already
// exists is accepted as it is, whatever its partition count. Throws
// BenchError with the broker's error otherwise, or after `timeout`.
void create_topic(rd_kafka_t* client, const std::string& topic, int32_t partitions,
                  int16_t replication_factor, const std::vector<std::string>& configs,
                  std::chrono::milliseconds timeout);

// Asks for the topic's metadata until it exists and every partition has a
// leader; returns its partition count. A producer's Metadata request also
// asks the broker to auto-create the topic. Throws BenchError after `timeout`
// with the last error seen.
int32_t wait_for_topic(rd_kafka_t* client, rd_kafka_topic_t* topic, std::chrono::milliseconds timeout);

enum class Watermark { log_start, high };

// Partition p's log start offset or high watermark at [p], for p in
// [0, partitions) (ListOffsets). Consumers are assigned such concrete offsets
// rather than RD_KAFKA_OFFSET_BEGINNING or _END: librdkafka 2.0.2 resolves a
// logical offset only once the partition has joined its leader's broker
// thread, and when assign() comes first it retries 500 ms later (a first
// record 0.5 s late in about one consume run of ten). Throws BenchError.
std::vector<int64_t> watermark_offsets(rd_kafka_t* client, const std::string& topic, int32_t partitions,
                                       Watermark which);

}  // namespace runnel::bench
