#pragma once
// Config resources (Kafka's ConfigResource.Type ids) and how AlterConfigs and
// IncrementalAlterConfigs answer them. Before the controller sees a resource,
// these are refused with INVALID_REQUEST, as Kafka does:
//  - a (type, name) pair named more than once in the request: each of them;
//  - a config key named twice in one resource;
//  - a null value (IncrementalAlterConfigs allows one for DELETE);
//  - a topic with an empty name (Kafka's "default topic" resource);
//  - a broker other than this one, or this broker with any config: no broker
//    config can change at run time yet (Kafka refuses a change to a config
//    that is not dynamic the same way); an empty change to it succeeds;
//  - any other resource type.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "broker/controller.h"
#include "broker/services.h"

namespace runnel::broker {

inline constexpr int8_t kTopicResource = 2;
inline constexpr int8_t kBrokerResource = 4;

// The outcome of a resource refused above, or of a change to this broker;
// nullopt for a topic to hand to the controller. `null_keys`: the keys whose
// value is null where a value is required.
std::optional<TopicOutcome> check_config_resource(const BrokerServices& broker, int8_t type, const std::string& name,
                                                  const std::vector<std::string>& keys,
                                                  const std::vector<std::string>& null_keys, bool repeated);

// Answers every resource of `request` in order: the checks above, then
// `alter_topic(resource)` for a topic that passes them. `value_required(config)`
// says whether a null value is refused.
template <class Response, class Request, class ValueRequired, class AlterTopic>
Response answer_config_resources(const BrokerServices& broker, const Request& request, ValueRequired value_required,
                                 AlterTopic alter_topic) {
  std::set<std::pair<int8_t, std::string>> seen, repeated;
  for (const auto& resource : request.resources)
    if (!seen.emplace(resource.resource_type, resource.resource_name).second)
      repeated.emplace(resource.resource_type, resource.resource_name);

  Response response;
  for (const auto& resource : request.resources) {
    std::vector<std::string> keys, null_keys;
    for (const auto& config : resource.configs) {
      keys.push_back(config.name);
      if (!config.value && value_required(config)) null_keys.push_back(config.name);
    }
    auto outcome = check_config_resource(broker, resource.resource_type, resource.resource_name, keys, null_keys,
                                         repeated.count({resource.resource_type, resource.resource_name}) > 0);
    if (!outcome) outcome = alter_topic(resource);
    auto& out = response.responses.emplace_back();
    out.resource_type = resource.resource_type;
    out.resource_name = resource.resource_name;
    out.error_code = static_cast<int16_t>(outcome->error);
    if (!outcome->message.empty()) out.error_message = outcome->message;
  }
  return response;
}

}  // namespace runnel::broker
