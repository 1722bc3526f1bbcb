// FindCoordinator (key 10), versions 0-2. Single node: this broker coordinates every group
// and transactional id. ZooKeeper mode: a group's coordinator is the leader of its
// __consumer_offsets partition (created by the first request for a group, on the metadata
// pool), COORDINATOR_NOT_AVAILABLE while there is none or it is not registered; transactional
// ids are still answered with this broker (no transaction coordinator yet). librdkafka enables
// consumer groups and lz4 only when version 0 is served.

#include <optional>

#include "broker/handlers/handlers.h"
#include "broker/run_blocking.h"
#include "protocol/messages/find_coordinator.h"

namespace runnel::broker {
namespace {

using protocol::ErrorCode;
using protocol::messages::FindCoordinatorRequest;
using protocol::messages::FindCoordinatorResponse;

// ZooKeeper mode: the registered address of the group's coordinator.
asio::awaitable<std::optional<BrokerEndpoint>> group_coordinator(RequestContext& ctx, const std::string& group_id) {
  if (ctx.broker.membership == nullptr) co_return std::nullopt;  // not registered yet
  if (!ctx.broker.metadata.topic(group::kOffsetsTopic)) {
    auto& groups = ctx.broker.groups;
    if (!co_await run_blocking(ctx.broker.metadata_pool, [&groups] { return groups.create_offsets_topic_if_missing(); }))
      co_return std::nullopt;
  }
  auto node = ctx.broker.groups.coordinator_node(group_id);
  if (!node) co_return std::nullopt;
  for (auto& b : ctx.broker.membership->brokers())
    if (b.node_id == *node) co_return b;
  co_return std::nullopt;
}

asio::awaitable<Response> handle(RequestContext& ctx) {
  auto request = decode_request<FindCoordinatorRequest>(ctx);
  if (!request) co_return close_connection();
  FindCoordinatorResponse response;
  response.node_id = -1;
  response.port = -1;
  if (request->key_type != 0 && request->key_type != 1) {
    response.error_code = static_cast<int16_t>(ErrorCode::invalid_request);
    response.error_message = "unsupported coordinator key type";
  } else if (ctx.broker.config.zookeeper_connect.empty() || request->key_type == 1) {
    response.node_id = ctx.broker.config.node_id;
    response.host = ctx.broker.advertised_host;
    response.port = ctx.broker.advertised_port;
  } else if (auto coordinator = co_await group_coordinator(ctx, request->key)) {
    response.node_id = coordinator->node_id;
    response.host = coordinator->host;
    response.port = coordinator->port;
  } else {
    response.error_code = static_cast<int16_t>(ErrorCode::coordinator_not_available);
  }
  co_return encode_response(ctx, response);
}

}  // namespace

ApiEntry find_coordinator_api() {
  return {FindCoordinatorRequest::kApiKey, "FindCoordinator", FindCoordinatorRequest::kMinVersion,
          FindCoordinatorRequest::kMaxVersion, FindCoordinatorRequest::kFirstFlexibleVersion, &handle};
}

}  // namespace runnel::broker
