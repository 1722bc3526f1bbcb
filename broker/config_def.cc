#include "broker/config_def.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace runnel::broker {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool to_long(std::string_view s, int64_t& out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc{} && ptr == s.data() + s.size();
}

}  // namespace

std::optional<std::string> ConfigDef::check(std::string_view value) const {
  switch (type) {
    case ConfigType::int_type:
    case ConfigType::long_type: {
      int64_t v;
      if (!to_long(value, v)) return "not a number";
      if (type == ConfigType::int_type && (v < INT32_MIN || v > INT32_MAX)) return "out of range for a 32-bit int";
      if (v < min) return "must be at least " + std::to_string(min);
      if (v > max) return "must be at most " + std::to_string(max);
      return std::nullopt;
    }
    case ConfigType::double_type: {
      std::string s(value);
      char* end = nullptr;
      double d = std::strtod(s.c_str(), &end);
      if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(d)) return "not a number";
      if (max == INT64_MAX) {  // no upper bound: up to Double.MAX_VALUE, as Kafka's defaults use
        if (d < static_cast<double>(min)) return "must be at least " + std::to_string(min);
        return std::nullopt;
      }
      if (d < static_cast<double>(min) || d > static_cast<double>(max))
        return "must be between " + std::to_string(min) + " and " + std::to_string(max);
      return std::nullopt;
    }
    case ConfigType::bool_type:
      if (value == "true" || value == "false") return std::nullopt;
      return "must be true or false";
    case ConfigType::string_type:
      if (!choices.empty() && std::find(choices.begin(), choices.end(), value) == choices.end()) {
        std::string all;
        for (const auto& c : choices) all += (all.empty() ? "" : ", ") + c;
        return "must be one of: " + all;
      }
      return std::nullopt;
    case ConfigType::list_type:
      if (!choices.empty())
        for (const auto& item : parse_list(value))
          if (std::find(choices.begin(), choices.end(), item) == choices.end()) return "unknown item '" + item + "'";
      return std::nullopt;
  }
  return std::nullopt;
}

int64_t parse_long(std::string_view value) {
  int64_t v = 0;
  to_long(value, v);
  return v;
}

double parse_double(std::string_view value) { return std::strtod(std::string(value).c_str(), nullptr); }

bool parse_bool(std::string_view value) { return value == "true"; }

std::vector<std::string> parse_list(std::string_view value) {
  std::vector<std::string> items;
  while (!value.empty()) {
    auto comma = value.find(',');
    auto item = trim(value.substr(0, comma));
    if (!item.empty()) items.emplace_back(item);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return items;
}

const ConfigDef* find_def(const std::vector<ConfigDef>& defs, std::string_view name) {
  for (const auto& def : defs)
    if (def.name == name) return &def;
  return nullptr;
}

}  // namespace runnel::broker
