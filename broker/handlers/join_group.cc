// JoinGroup (key 11), versions 0-5: a member joins (or rejoins) a consumer
// group; the response is held until the join phase ends (GroupCoordinator).
// v4+ members without an id get MEMBER_ID_REQUIRED with one; v5 adds static
// membership (group.instance.id).

#include "broker/group/group_coordinator.h"
#include "broker/handlers/handlers.h"
#include "protocol/messages/join_group.h"

namespace runnel::broker {
namespace {

using protocol::ErrorCode;
using protocol::messages::JoinGroupRequest;
using protocol::messages::JoinGroupResponse;

asio::awaitable<Response> handle(RequestContext& ctx) {
  auto request = decode_request<JoinGroupRequest>(ctx);
  if (!request) co_return close_connection();
  JoinGroupResponse response;
  if (request->group_id.empty()) {
    response.error_code = static_cast<int16_t>(ErrorCode::invalid_group_id);
    response.member_id = request->member_id;
    co_return encode_response(ctx, response);
  }
  group::JoinRequest join;
  join.member_id = request->member_id;
  join.group_instance_id = request->group_instance_id;
  join.client_id = ctx.client_id.value_or("");
  join.client_host = "/" + ctx.client_host;
  join.session_timeout_ms = request->session_timeout_ms;
  join.rebalance_timeout_ms = ctx.api_version >= 1 ? request->rebalance_timeout_ms : request->session_timeout_ms;
  join.protocol_type = request->protocol_type;
  for (auto& p : request->protocols) join.protocols.push_back({std::move(p.name), std::move(p.metadata)});
  join.require_known_member_id = ctx.api_version >= 4;
  group::JoinResult result = co_await ctx.broker.groups.join(request->group_id, std::move(join));
  response.error_code = static_cast<int16_t>(result.error);
  response.generation_id = result.generation;
  response.protocol_name = std::move(result.protocol_name);
  response.leader = std::move(result.leader);
  response.member_id = std::move(result.member_id);
  for (auto& m : result.members)
    response.members.push_back({std::move(m.member_id), std::move(m.group_instance_id), std::move(m.metadata)});
  co_return encode_response(ctx, response);
}

}  // namespace

ApiEntry join_group_api() {
  return {JoinGroupRequest::kApiKey, "JoinGroup", JoinGroupRequest::kMinVersion, JoinGroupRequest::kMaxVersion,
          JoinGroupRequest::kFirstFlexibleVersion, &handle};
}

}  // namespace runnel::broker
