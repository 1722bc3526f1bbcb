#pragma once
// The Java client's default partitioner for keyed records (kafka-compat.md §3):
// murmur2 with seed 0x9747b28c, m = 0x5bd1e995, r = 24, little-endian 4-byte
// blocks and a fall-through tail, then `(murmur2(key) & 0x7fffffff) % n`.
// kafka-python, kafkajs and librdkafka's `murmur2_random` place keys the same way.

#include <cstdint>
#include <string_view>

namespace runnel::tools {

int32_t murmur2(std::string_view key);

// The partition Java's producer picks for a non-null key; `partition_count` > 0.
int32_t java_partition(std::string_view key, int32_t partition_count);

}  // namespace runnel::tools
