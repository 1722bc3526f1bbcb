#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace runnel::storage {

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;

  bool operator==(const TopicPartition&) const = default;
  auto operator<=>(const TopicPartition&) const = default;
  // "<topic>-<partition>", the name of the partition's directory.
  std::string dir_name() const { return topic + "-" + std::to_string(partition); }
  // Parses a directory name; topics may contain '-', the partition follows the last one.
  static std::optional<TopicPartition> from_dir_name(std::string_view name);
};

}  // namespace runnel::storage

template <>
struct std::hash<runnel::storage::TopicPartition> {
  size_t operator()(const runnel::storage::TopicPartition& tp) const noexcept {
    return std::hash<std::string>()(tp.topic) * 31 + std::hash<int32_t>()(tp.partition);
  }
};
