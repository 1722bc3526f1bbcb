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

}  // namespace runnel::bench
