// AlterConfigs (key 33), versions 0-2 (v2 flexible). For a topic the given
// configs REPLACE its overrides: keys left out revert to their defaults, as in
// Kafka. Resource checks and broker resources: config_resources.h.

#include "broker/handlers/config_resources.h"
#include "broker/handlers/handlers.h"
#include "broker/run_blocking.h"
#include "protocol/messages/alter_configs.h"

namespace runnel::broker {
namespace {

using protocol::messages::AlterConfigsRequest;
using protocol::messages::AlterConfigsResponse;

asio::awaitable<Response> handle(RequestContext& ctx) {
  auto decoded = decode_request<AlterConfigsRequest>(ctx);
  if (!decoded) co_return close_connection();
  const AlterConfigsRequest& request = *decoded;

  auto every_value_required = [](const AlterConfigsRequest::AlterableConfig&) { return true; };
  auto alter_topic = [&](const AlterConfigsRequest::AlterConfigsResource& resource) {
    TopicConfigs configs;
    for (const auto& config : resource.configs) configs[config.name] = *config.value;  // nulls were refused
    return ctx.broker.controller.alter_topic_configs(resource.resource_name, configs, request.validate_only);
  };
  auto response = co_await run_blocking(ctx.broker.metadata_pool, [&] {
    return answer_config_resources<AlterConfigsResponse>(ctx.broker, request, every_value_required, alter_topic);
  });
  co_return encode_response(ctx, response);
}

}  // namespace

ApiEntry alter_configs_api() {
  return {AlterConfigsRequest::kApiKey, "AlterConfigs", AlterConfigsRequest::kMinVersion,
          AlterConfigsRequest::kMaxVersion, AlterConfigsRequest::kFirstFlexibleVersion, &handle};
}

}  // namespace runnel::broker
