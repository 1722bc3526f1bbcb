// ListGroups (key 16), versions 0-2: every group this coordinator knows,
// active or only remembered by its committed offsets, in the __consumer_offsets
// partitions it leads.

#include "broker/group/group_coordinator.h"
#include "broker/handlers/handlers.h"
#include "protocol/messages/list_groups.h"

namespace runnel::broker {
namespace {

using protocol::ErrorCode;
using protocol::messages::ListGroupsRequest;
using protocol::messages::ListGroupsResponse;

asio::awaitable<Response> handle(RequestContext& ctx) {
  auto request = decode_request<ListGroupsRequest>(ctx);
  if (!request) co_return close_connection();
  ListGroupsResponse response;
  if (auto groups = ctx.broker.groups.list_groups()) {
    for (auto& g : *groups) response.groups.push_back({std::move(g.group_id), std::move(g.protocol_type)});
  } else {
    response.error_code = static_cast<int16_t>(ErrorCode::coordinator_not_available);
  }
  co_return encode_response(ctx, response);
}

}  // namespace

ApiEntry list_groups_api() {
  return {ListGroupsRequest::kApiKey, "ListGroups", ListGroupsRequest::kMinVersion, ListGroupsRequest::kMaxVersion,
          ListGroupsRequest::kFirstFlexibleVersion, &handle};
}

}  // namespace runnel::broker
