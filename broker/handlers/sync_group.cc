// SyncGroup (key 14), versions 0-3: the leader sends the assignment it
// computed; every member gets its own share (held until the leader's arrives).

#include "broker/group/group_coordinator.h"
#include "broker/handlers/handlers.h"
#include "protocol/messages/sync_group.h"

namespace runnel::broker {
namespace {

using protocol::ErrorCode;
using protocol::messages::SyncGroupRequest;
using protocol::messages::SyncGroupResponse;

asio::awaitable<Response> handle(RequestContext& ctx) {
  auto request = decode_request<SyncGroupRequest>(ctx);
  if (!request) co_return close_connection();
  SyncGroupResponse response;
  if (request->group_id.empty()) {
    response.error_code = static_cast<int16_t>(ErrorCode::invalid_group_id);
    co_return encode_response(ctx, response);
  }
  std::vector<std::pair<std::string, std::vector<std::byte>>> assignments;
  for (auto& a : request->assignments) assignments.emplace_back(std::move(a.member_id), std::move(a.assignment));
  group::SyncResult result = co_await ctx.broker.groups.sync(request->group_id, request->member_id,
                                                             request->group_instance_id, request->generation_id,
                                                             std::move(assignments));
  response.error_code = static_cast<int16_t>(result.error);
  response.assignment = std::move(result.assignment);
  co_return encode_response(ctx, response);
}

}  // namespace

ApiEntry sync_group_api() {
  return {SyncGroupRequest::kApiKey, "SyncGroup", SyncGroupRequest::kMinVersion, SyncGroupRequest::kMaxVersion,
          SyncGroupRequest::kFirstFlexibleVersion, &handle};
}

}  // namespace runnel::broker
