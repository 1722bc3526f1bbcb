// FindCoordinator (key 10), versions 0-2: this broker coordinates every group
// and transactional id (single node). librdkafka enables consumer groups and
// lz4 only when version 0 is served.

#include "broker/handlers/handlers.h"
#include "protocol/messages/find_coordinator.h"

namespace runnel::broker {
namespace {

using protocol::messages::FindCoordinatorRequest;
using protocol::messages::FindCoordinatorResponse;

asio::awaitable<Response> handle(RequestContext& ctx) {
  auto request = decode_request<FindCoordinatorRequest>(ctx);
  if (!request) co_return close_connection();
  FindCoordinatorResponse response;
  if (request->key_type != 0 && request->key_type != 1) {
    response.error_code = static_cast<int16_t>(protocol::ErrorCode::invalid_request);
    response.error_message = "unsupported coordinator key type";
    response.node_id = -1;
    response.port = -1;
  } else if (!ctx.broker.config.zookeeper_connect.empty()) {
    response.error_code = static_cast<int16_t>(protocol::ErrorCode::coordinator_not_available);
    response.node_id = -1;
    response.port = -1;
  } else {
    response.node_id = ctx.broker.config.node_id;
    response.host = ctx.broker.advertised_host;
    response.port = ctx.broker.advertised_port;
  }
  co_return encode_response(ctx, response);
}

}  // namespace

ApiEntry find_coordinator_api() {
  return {FindCoordinatorRequest::kApiKey, "FindCoordinator", FindCoordinatorRequest::kMinVersion,
          FindCoordinatorRequest::kMaxVersion, FindCoordinatorRequest::kFirstFlexibleVersion,
          &handle};
}

}  // namespace runnel::broker
