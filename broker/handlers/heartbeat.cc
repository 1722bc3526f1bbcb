// Heartbeat (key 12), versions 0-3: keeps a member's session alive and tells
// it when a rebalance is in progress.

#include "broker/group/group_coordinator.h"
#include "broker/handlers/handlers.h"
#include "protocol/messages/heartbeat.h"

namespace runnel::broker {
namespace {

using protocol::ErrorCode;
using protocol::messages::HeartbeatRequest;
using protocol::messages::HeartbeatResponse;

asio::awaitable<Response> handle(RequestContext& ctx) {
  auto request = decode_request<HeartbeatRequest>(ctx);
  if (!request) co_return close_connection();
  HeartbeatResponse response;
  const ErrorCode error = request->group_id.empty()
                              ? ErrorCode::invalid_group_id
                              : ctx.broker.groups.heartbeat(request->group_id, request->member_id,
                                                            request->group_instance_id, request->generation_id);
  response.error_code = static_cast<int16_t>(error);
  co_return encode_response(ctx, response);
}

}  // namespace

ApiEntry heartbeat_api() {
  return {HeartbeatRequest::kApiKey, "Heartbeat", HeartbeatRequest::kMinVersion, HeartbeatRequest::kMaxVersion,
          HeartbeatRequest::kFirstFlexibleVersion, &handle};
}

}  // namespace runnel::broker
