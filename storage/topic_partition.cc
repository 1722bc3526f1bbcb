#include "storage/topic_partition.h"

#include <charconv>
#include <string>

namespace runnel::storage {

std::optional<TopicPartition> TopicPartition::from_dir_name(std::string_view name) {
  auto dash = name.rfind('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == name.size()) return std::nullopt;
  int32_t partition = 0;
  auto digits = name.substr(dash + 1);
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), partition);
  if (ec != std::errc{} || ptr != digits.data() + digits.size() || partition < 0) return std::nullopt;
  if (std::to_string(partition) != digits) return std::nullopt;  // "t-01" would not round-trip
  return TopicPartition{std::string(name.substr(0, dash)), partition};
}

}  // namespace runnel::storage
