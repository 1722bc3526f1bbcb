// DescribeGroups (key 15), versions 0-4: state, protocol and members of each
// group; a group the coordinator does not know is reported Dead, as Kafka
// does. Member metadata and assignments are filled only while Stable.

#include "broker/group/group_coordinator.h"
#include "broker/handlers/handlers.h"
#include "protocol/messages/describe_groups.h"

namespace runnel::broker {
namespace {

using protocol::ErrorCode;
using protocol::messages::DescribeGroupsRequest;
using protocol::messages::DescribeGroupsResponse;

asio::awaitable<Response> handle(RequestContext& ctx) {
  auto request = decode_request<DescribeGroupsRequest>(ctx);
  if (!request) co_return close_connection();
  DescribeGroupsResponse response;
  for (const auto& id : request->groups) {
    auto& out = response.groups.emplace_back();
    out.group_id = id;
    if (id.empty()) {
      out.error_code = static_cast<int16_t>(ErrorCode::invalid_group_id);
      continue;
    }
    group::GroupDescription d = ctx.broker.groups.describe(id);
    out.error_code = static_cast<int16_t>(d.error);
    out.group_state = std::string(group::state_name(d.state));
    out.protocol_type = std::move(d.protocol_type);
    out.protocol_data = std::move(d.protocol);
    for (auto& m : d.members)
      out.members.push_back({std::move(m.member_id), std::move(m.group_instance_id), std::move(m.client_id),
                             std::move(m.client_host), std::move(m.metadata), std::move(m.assignment)});
  }
  co_return encode_response(ctx, response);
}

}  // namespace

ApiEntry describe_groups_api() {
  return {DescribeGroupsRequest::kApiKey, "DescribeGroups", DescribeGroupsRequest::kMinVersion,
          DescribeGroupsRequest::kMaxVersion, DescribeGroupsRequest::kFirstFlexibleVersion, &handle};
}

}  // namespace runnel::broker
