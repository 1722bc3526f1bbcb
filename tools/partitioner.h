#pragma once
// Where `produce` and `replay` send a record: a fixed partition when one is
// given; else a keyed record goes where the Java client puts it
// (java_partition, tools/murmur2.h) and keyless records go round-robin from
// partition 0.

#include <cstdint>
#include <optional>
#include <string_view>

#include "tools/murmur2.h"

namespace runnel::tools {

class Partitioner {
 public:
  // `partition_count` > 0; `fixed`, when set, is in [0, partition_count).
  Partitioner(int32_t partition_count, std::optional<int32_t> fixed)
      : partition_count_(partition_count), fixed_(fixed) {}

  int32_t partition_for(std::optional<std::string_view> key) {
    if (fixed_) return *fixed_;
    if (key) return java_partition(*key, partition_count_);
    const int32_t p = next_keyless_;
    next_keyless_ = (next_keyless_ + 1) % partition_count_;
    return p;
  }

 private:
  int32_t partition_count_;
  std::optional<int32_t> fixed_;
  int32_t next_keyless_ = 0;
};

}  // namespace runnel::tools
