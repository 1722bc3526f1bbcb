#pragma once
// The options of `runnel-bench produce`, `consume` and `latency`, as parsed
// by main.cc. Defaults are the figures the benchmark script uses.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace runnel::bench {

struct CommonOptions {
  std::string bootstrap = "127.0.0.1:9092";
  std::string topic = "runnel-bench";
  // librdkafka properties as "key=value", applied last (-X wins over the options).
  std::vector<std::string> properties;
  bool json = false;
};

struct ProduceOptions {
  CommonOptions common;
  int64_t count = 1'000'000;
  size_t record_size = 100;
  // Records go round-robin to partitions 0..partitions-1. With create_topic the
  // topic is created with this many partitions; an existing topic keeps its own.
  int32_t partitions = 1;
  int16_t replication_factor = 1;
  bool create_topic = true;  // false: rely on the broker's auto.create.topics.enable
  std::vector<std::string> topic_configs;  // "key=value" configs of the created topic
  int64_t keys = 0;  // > 0: record i has key "key-<i % keys>" (compacted topics need keys); 0: no key
  std::string acks = "all";
  std::string compression = "none";
  int linger_ms = 5;
  std::optional<int> batch_size;  // librdkafka's default (1,000,000) when unset
  double rate = 0;                // records/s; 0 = as fast as the producer queue allows
};

struct ConsumeOptions {
  CommonOptions common;
  int64_t count = 0;  // stop after this many records; 0 = at the end of every partition
  double idle_timeout_s = 10;  // give up when no record arrives for this long
};

struct LatencyOptions {
  // The producer's options; count is rate * duration_s, keys are not used.
  // Latency wants no client-side batching delay: linger.ms 0.
  ProduceOptions producer = [] {
    ProduceOptions p;
    p.linger_ms = 0;
    p.rate = 10'000;
    return p;
  }();
  double duration_s = 10;
  // After the last scheduled send, how long records may take to arrive
  // before the ones still missing count as lost.
  double grace_s = 5;
};

}  // namespace runnel::bench
