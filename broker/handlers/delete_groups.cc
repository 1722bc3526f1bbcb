// DeleteGroups (key 42), versions 0-1: deletes groups without members and
// their committed offsets (tombstones in __consumer_offsets).

#include "broker/group/group_coordinator.h"
#include "broker/handlers/handlers.h"
#include "protocol/messages/delete_groups.h"

namespace runnel::broker {
namespace {

using protocol::ErrorCode;
using protocol::messages::DeleteGroupsRequest;
using protocol::messages::DeleteGroupsResponse;

asio::awaitable<Response> handle(RequestContext& ctx) {
  auto request = decode_request<DeleteGroupsRequest>(ctx);
  if (!request) co_return close_connection();
  DeleteGroupsResponse response;
  for (const auto& id : request->groups_names) {
    const ErrorCode error = id.empty() ? ErrorCode::invalid_group_id : ctx.broker.groups.delete_group(id);
    response.results.push_back({id, static_cast<int16_t>(error)});
  }
  co_return encode_response(ctx, response);
}

}  // namespace

ApiEntry delete_groups_api() {
  return {DeleteGroupsRequest::kApiKey, "DeleteGroups", DeleteGroupsRequest::kMinVersion,
          DeleteGroupsRequest::kMaxVersion, DeleteGroupsRequest::kFirstFlexibleVersion, &handle};
}

}  // namespace runnel::broker
