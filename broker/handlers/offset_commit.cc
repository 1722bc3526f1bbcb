// OffsetCommit (key 8), versions 0-7: stores a group's consumed offsets as
// records of __consumer_offsets, answered once durable. Members commit with
// their generation; consumers that assign partitions themselves (and admin
// tools) with generation -1 to a group without members. Partitions of
// unknown topics get UNKNOWN_TOPIC_OR_PARTITION.

#include "broker/group/group_coordinator.h"
#include "broker/handlers/handlers.h"
#include "protocol/messages/offset_commit.h"

namespace runnel::broker {
namespace {

using protocol::ErrorCode;
using protocol::messages::OffsetCommitRequest;
using protocol::messages::OffsetCommitResponse;

asio::awaitable<Response> handle(RequestContext& ctx) {
  auto request = decode_request<OffsetCommitRequest>(ctx);
  if (!request) co_return close_connection();
  OffsetCommitResponse response;
  // Each partition's place in the response, and the entries to commit.
  std::vector<group::OffsetCommitEntry> entries;
  std::vector<int16_t*> entry_errors;
  for (const auto& t : request->topics) {
    auto& topic = response.topics.emplace_back();
    topic.name = t.name;
    const auto metadata = ctx.broker.metadata.topic(t.name);
    for (const auto& p : t.partitions) topic.partitions.push_back({p.partition_index, 0});
    for (size_t i = 0; i < t.partitions.size(); ++i) {
      const auto& p = t.partitions[i];
      if (request->group_id.empty()) {
        topic.partitions[i].error_code = static_cast<int16_t>(ErrorCode::invalid_group_id);
      } else if (!metadata || p.partition_index < 0 || p.partition_index >= metadata->partitions) {
        topic.partitions[i].error_code = static_cast<int16_t>(ErrorCode::unknown_topic_or_partition);
      } else {
        entries.push_back({t.name, p.partition_index, p.committed_offset, p.committed_leader_epoch,
                           p.committed_metadata});
        entry_errors.push_back(&topic.partitions[i].error_code);
      }
    }
  }
  if (!entries.empty()) {
    const int32_t generation = ctx.api_version >= 1 ? request->generation_id : -1;
    std::vector<ErrorCode> errors = co_await ctx.broker.groups.commit_offsets(
        request->group_id, request->member_id, request->group_instance_id, generation, entries);
    for (size_t i = 0; i < errors.size(); ++i) *entry_errors[i] = static_cast<int16_t>(errors[i]);
  }
  co_return encode_response(ctx, response);
}

}  // namespace

ApiEntry offset_commit_api() {
  return {OffsetCommitRequest::kApiKey, "OffsetCommit", OffsetCommitRequest::kMinVersion,
          OffsetCommitRequest::kMaxVersion, OffsetCommitRequest::kFirstFlexibleVersion, &handle};
}

}  // namespace runnel::broker
