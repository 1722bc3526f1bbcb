#pragma once
// ConfigDef: one configuration key's name, type, default and valid range,
// shared by the broker config (config.h) and topic configs (topic_config.h).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace runnel::broker {

enum class ConfigType { int_type, long_type, double_type, bool_type, string_type, list_type };

struct ConfigDef {
  std::string name;
  ConfigType type;
  std::optional<std::string> default_value;  // nullopt: no default ("null" in Kafka)
  int64_t min = INT64_MIN;                   // numeric types
  int64_t max = INT64_MAX;
  std::vector<std::string> choices;          // string/list: allowed values, if any

  // The reason `value` is invalid, or nullopt if it is valid.
  std::optional<std::string> check(std::string_view value) const;
};

// Parsed forms; precondition: the value passed check() for that type.
int64_t parse_long(std::string_view value);
double parse_double(std::string_view value);
bool parse_bool(std::string_view value);
std::vector<std::string> parse_list(std::string_view value);

const ConfigDef* find_def(const std::vector<ConfigDef>& defs, std::string_view name);

}  // namespace runnel::broker
