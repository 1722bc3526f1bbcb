// LeaveGroup (key 13), versions 0-3: members leave a group, which rebalances.
// v0-2 name one member id; v3 a batch of {member id, group instance id},
// answered per member.

#include "broker/group/group_coordinator.h"
#include "broker/handlers/handlers.h"
#include "protocol/messages/leave_group.h"

namespace runnel::broker {
namespace {

using protocol::ErrorCode;
using protocol::messages::LeaveGroupRequest;
using protocol::messages::LeaveGroupResponse;

asio::awaitable<Response> handle(RequestContext& ctx) {
  auto request = decode_request<LeaveGroupRequest>(ctx);
  if (!request) co_return close_connection();
  LeaveGroupResponse response;
  if (request->group_id.empty()) {
    response.error_code = static_cast<int16_t>(ErrorCode::invalid_group_id);
    co_return encode_response(ctx, response);
  }
  if (ctx.api_version < 3) {
    response.error_code =
        static_cast<int16_t>(ctx.broker.groups.leave(request->group_id, request->member_id, std::nullopt));
    co_return encode_response(ctx, response);
  }
  if (auto error = ctx.broker.groups.check_coordinator(request->group_id); error != ErrorCode::none) {
    response.error_code = static_cast<int16_t>(error);  // NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS
    co_return encode_response(ctx, response);
  }
  for (const auto& m : request->members) {
    const ErrorCode error = ctx.broker.groups.leave(request->group_id, m.member_id, m.group_instance_id);
    response.members.push_back({m.member_id, m.group_instance_id, static_cast<int16_t>(error)});
  }
  co_return encode_response(ctx, response);
}

}  // namespace

ApiEntry leave_group_api() {
  return {LeaveGroupRequest::kApiKey, "LeaveGroup", LeaveGroupRequest::kMinVersion, LeaveGroupRequest::kMaxVersion,
          LeaveGroupRequest::kFirstFlexibleVersion, &handle};
}

}  // namespace runnel::broker
