#pragma once
// librdkafka client construction: a configuration from the benchmark's
// settings followed by the user's -X key=value pairs, and the client handle.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "bench/runnel_bench/kafka_handles.h"

namespace runnel::bench {

using Settings = std::vector<std::pair<std::string, std::string>>;

// bootstrap.servers, then `settings` in order, then each "key=value" of
// `properties` in order, so a -X setting overrides the benchmark's own.
// Throws BenchError naming the key librdkafka refused and why.
KafkaConf make_conf(const std::string& bootstrap, const Settings& settings,
                    const std::vector<std::string>& properties);

// A consumer for assign() (no group membership, no commits, end-of-partition
// events on) whose callbacks and messages come through its consumer queue.
KafkaClient make_consumer(const std::string& bootstrap, const std::vector<std::string>& properties);

// Assigns partition p of `topic` from offsets[p] (or a logical offset such as
// RD_KAFKA_OFFSET_BEGINNING). Throws BenchError when assign() fails.
void assign_partitions(rd_kafka_t* consumer, const std::string& topic, const std::vector<int64_t>& offsets);

// rd_kafka_new(); takes ownership of `conf`. Throws BenchError on failure.
KafkaClient make_client(rd_kafka_type_t type, KafkaConf conf);

}  // namespace runnel::bench
