// ListOffsets (key 2), versions 0-5: earliest (-2) is the log start offset,
// latest (-1) the high watermark, and a timestamp the earliest record at or
// after it (below the high watermark), else offset -1.

#include "broker/handlers/handlers.h"
#include "broker/handlers/partition_lookup.h"
#include "protocol/messages/list_offsets.h"
#include "storage/errc.h"

namespace runnel::broker {
namespace {

using protocol::ErrorCode;
using protocol::messages::ListOffsetsRequest;
using protocol::messages::ListOffsetsResponse;

constexpr int64_t kLatest = -1;
constexpr int64_t kEarliest = -2;

asio::awaitable<Response> handle(RequestContext& ctx) {
  auto decoded = decode_request<ListOffsetsRequest>(ctx);
  if (!decoded) co_return close_connection();
  const ListOffsetsRequest& request = *decoded;

  ListOffsetsResponse response;
  for (const auto& topic : request.topics) {
    auto& topic_out = response.topics.emplace_back();
    topic_out.name = topic.name;
    for (const auto& lp : topic.partitions) {
      auto& out = topic_out.partitions.emplace_back();
      out.partition_index = lp.partition_index;
      out.timestamp = -1;
      out.offset = -1;
      out.leader_epoch = -1;
      auto lookup = lookup_partition(ctx.broker, topic.name, lp.partition_index);
      ErrorCode error = lookup.error;
      if (error == ErrorCode::none) error = check_leader_epoch(*lookup.partition, lp.current_leader_epoch);
      if (error == ErrorCode::none) {
        Partition& p = *lookup.partition;
        out.leader_epoch = p.leader_epoch();
        if (lp.timestamp == kLatest) {
          out.offset = p.high_watermark();
        } else if (lp.timestamp == kEarliest) {
          out.offset = p.log().log_start_offset();
        } else if (lp.timestamp < 0) {
          error = ErrorCode::invalid_request;
        } else {
          auto found = p.log().offset_for_timestamp(lp.timestamp);
          if (!found) error = storage::to_kafka_error(found.error());
          else if (*found && (*found)->offset < p.high_watermark()) {
            out.timestamp = (*found)->timestamp;
            out.offset = (*found)->offset;
          }
        }
        if (ctx.api_version == 0 && error == ErrorCode::none && out.offset >= 0) out.old_style_offsets = {out.offset};
      }
      out.error_code = static_cast<int16_t>(error);
    }
  }
  co_return encode_response(ctx, response);
}

}  // namespace

ApiEntry list_offsets_api() {
  return {ListOffsetsRequest::kApiKey, "ListOffsets", ListOffsetsRequest::kMinVersion, ListOffsetsRequest::kMaxVersion,
          ListOffsetsRequest::kFirstFlexibleVersion, &handle};
}

}  // namespace runnel::broker
