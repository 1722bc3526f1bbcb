#include "broker/handlers/config_resources.h"

#include <algorithm>

namespace runnel::broker {
namespace {

using protocol::ErrorCode;

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

TopicOutcome invalid_request(std::string message) { return {ErrorCode::invalid_request, std::move(message), {}}; }

}  // namespace

std::optional<TopicOutcome> check_config_resource(const BrokerServices& broker, int8_t type, const std::string& name,
                                                  const std::vector<std::string>& keys,
                                                  const std::vector<std::string>& null_keys, bool repeated) {
  if (repeated) return invalid_request("each resource must appear at most once");
  auto sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  if (auto twice = std::adjacent_find(sorted.begin(), sorted.end()); twice != sorted.end())
    return invalid_request("config " + *twice + " is given more than once");
  if (!null_keys.empty()) return invalid_request("null value not supported for: " + join(null_keys));
  if (type == kTopicResource) {
    if (name.empty()) return invalid_request("default topic resources are not allowed");
    return std::nullopt;
  }
  if (type == kBrokerResource) {
    const std::string self = std::to_string(broker.config.node_id);
    if (!name.empty() && name != self) return invalid_request("this is broker " + self + ", not " + name);
    if (!keys.empty()) return invalid_request("broker configs cannot be changed at run time: " + join(keys));
    return TopicOutcome{};
  }
  return invalid_request("unsupported resource type " + std::to_string(type));
}

}  // namespace runnel::broker
