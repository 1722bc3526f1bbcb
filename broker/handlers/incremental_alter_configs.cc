// IncrementalAlterConfigs (key 44), versions 0-1 (v1 flexible). For a topic,
// each config is one operation on its overrides: SET (0), DELETE (1), APPEND
// (2), SUBTRACT (3) (apply_config_ops); any other operation id is
// INVALID_REQUEST. Resource checks and broker resources: config_resources.h.

#include "broker/handlers/config_resources.h"
#include "broker/handlers/handlers.h"
#include "broker/run_blocking.h"
#include "protocol/messages/incremental_alter_configs.h"

namespace runnel::broker {
namespace {

using protocol::ErrorCode;
using protocol::messages::IncrementalAlterConfigsRequest;
using protocol::messages::IncrementalAlterConfigsResponse;
using Resource = IncrementalAlterConfigsRequest::AlterConfigsResource;
using Config = IncrementalAlterConfigsRequest::AlterableConfig;

asio::awaitable<Response> handle(RequestContext& ctx) {
  auto decoded = decode_request<IncrementalAlterConfigsRequest>(ctx);
  if (!decoded) co_return close_connection();
  const IncrementalAlterConfigsRequest& request = *decoded;

  auto value_required = [](const Config& config) {
    return config.config_operation != static_cast<int8_t>(ConfigOperation::delete_);
  };
  auto alter_topic = [&](const Resource& resource) -> TopicOutcome {
    std::vector<ConfigOp> ops;
    for (const auto& config : resource.configs) {
      if (config.config_operation < static_cast<int8_t>(ConfigOperation::set) ||
          config.config_operation > static_cast<int8_t>(ConfigOperation::subtract))
        return {ErrorCode::invalid_request, "unknown config operation " + std::to_string(config.config_operation), {}};
      ops.push_back({config.name, static_cast<ConfigOperation>(config.config_operation), config.value.value_or("")});
    }
    return ctx.broker.controller.incremental_alter_topic_configs(resource.resource_name, ops, request.validate_only);
  };
  auto response = co_await run_blocking(ctx.broker.metadata_pool, [&] {
    return answer_config_resources<IncrementalAlterConfigsResponse>(ctx.broker, request, value_required, alter_topic);
  });
  co_return encode_response(ctx, response);
}

}  // namespace

ApiEntry incremental_alter_configs_api() {
  using Request = IncrementalAlterConfigsRequest;
  return {Request::kApiKey, "IncrementalAlterConfigs", Request::kMinVersion, Request::kMaxVersion,
          Request::kFirstFlexibleVersion, &handle};
}

}  // namespace runnel::broker
