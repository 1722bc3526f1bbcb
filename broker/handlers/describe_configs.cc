// DescribeConfigs (key 32), versions 0-2, for topics (resource type 2) and
// this broker (type 4). Sources as Kafka: DYNAMIC_TOPIC_CONFIG (1) for a topic
// override, STATIC_BROKER_CONFIG (4) for a key set in the broker's file,
// DEFAULT_CONFIG (5) otherwise.

#include <algorithm>

#include "broker/handlers/config_resources.h"
#include "broker/handlers/handlers.h"
#include "broker/topic_config.h"
#include "protocol/messages/describe_configs.h"

namespace runnel::broker {
namespace {

using protocol::ErrorCode;
using protocol::messages::DescribeConfigsRequest;
using protocol::messages::DescribeConfigsResponse;

constexpr int8_t kDynamicTopicConfig = 1;
constexpr int8_t kStaticBrokerConfig = 4;
constexpr int8_t kDefaultConfig = 5;

using Entry = DescribeConfigsResponse::DescribeConfigsResourceResult;
using Synonym = DescribeConfigsResponse::DescribeConfigsSynonym;

bool wanted(const std::optional<std::vector<std::string>>& keys, const std::string& name) {
  return !keys || std::find(keys->begin(), keys->end(), name) != keys->end();
}

Entry make_entry(const std::string& name, std::optional<std::string> value, int8_t source, bool synonyms) {
  Entry e;
  e.name = name;
  e.value = std::move(value);
  e.read_only = false;
  e.is_default = source == kDefaultConfig;
  e.config_source = source;
  e.is_sensitive = false;
  if (synonyms) e.synonyms.push_back(Synonym{name, e.value, source});
  return e;
}

void describe_topic(BrokerServices& broker, const DescribeConfigsRequest::DescribeConfigsResource& resource,
                    bool synonyms, DescribeConfigsResponse::DescribeConfigsResult& out) {
  auto topic = broker.metadata.topic(resource.resource_name);
  if (!topic) {
    out.error_code = static_cast<int16_t>(ErrorCode::unknown_topic_or_partition);
    out.error_message = "topic '" + resource.resource_name + "' does not exist";
    return;
  }
  for (const auto& def : topic_config_defs()) {
    const std::string& name = def.def.name;
    if (!wanted(resource.configuration_keys, name)) continue;
    int8_t source = topic->configs.count(name)           ? kDynamicTopicConfig
                    : broker.config.explicitly_set.count(def.broker_key) ? kStaticBrokerConfig
                                                                         : kDefaultConfig;
    out.configs.push_back(make_entry(name, effective_topic_config(broker.config, topic->configs, name), source, synonyms));
  }
}

void describe_broker(BrokerServices& broker, const DescribeConfigsRequest::DescribeConfigsResource& resource,
                     bool synonyms, DescribeConfigsResponse::DescribeConfigsResult& out) {
  if (!resource.resource_name.empty() && resource.resource_name != std::to_string(broker.config.node_id)) {
    out.error_code = static_cast<int16_t>(ErrorCode::invalid_request);
    out.error_message = "this is broker " + std::to_string(broker.config.node_id);
    return;
  }
  for (const auto& def : broker_config_defs()) {
    if (!wanted(resource.configuration_keys, def.name)) continue;
    auto it = broker.config.values.find(def.name);
    std::optional<std::string> value;
    if (it != broker.config.values.end()) value = it->second;
    out.configs.push_back(make_entry(def.name, value,
                                     broker.config.explicitly_set.count(def.name) ? kStaticBrokerConfig : kDefaultConfig,
                                     synonyms));
  }
}

asio::awaitable<Response> handle(RequestContext& ctx) {
  auto decoded = decode_request<DescribeConfigsRequest>(ctx);
  if (!decoded) co_return close_connection();
  const DescribeConfigsRequest& request = *decoded;

  DescribeConfigsResponse response;
  const bool synonyms = ctx.api_version >= 1 && request.include_synonyms;
  for (const auto& resource : request.resources) {
    auto& out = response.results.emplace_back();
    out.resource_type = resource.resource_type;
    out.resource_name = resource.resource_name;
    if (resource.resource_type == kTopicResource) describe_topic(ctx.broker, resource, synonyms, out);
    else if (resource.resource_type == kBrokerResource) describe_broker(ctx.broker, resource, synonyms, out);
    else {
      out.error_code = static_cast<int16_t>(ErrorCode::invalid_request);
      out.error_message = "unsupported resource type " + std::to_string(resource.resource_type);
    }
  }
  co_return encode_response(ctx, response);
}

}  // namespace

ApiEntry describe_configs_api() {
  return {DescribeConfigsRequest::kApiKey, "DescribeConfigs", DescribeConfigsRequest::kMinVersion,
          DescribeConfigsRequest::kMaxVersion, DescribeConfigsRequest::kFirstFlexibleVersion, &handle};
}

}  // namespace runnel::broker
