// OffsetForLeaderEpoch (key 23), versions 0-4 (flexible from 4): per partition,
// the largest epoch at or below the requested one in the partition's leader
// epoch cache and the offset where the next epoch begins (the log end offset
// for the latest epoch), by Kafka's rules (LeaderEpochCache::end_offset_for):
// an epoch older than every entry gets itself and the first entry's start; a
// newer one, -1 or an empty cache Kafka's UNDEFINED pair (epoch -1, offset -1),
// with no error. CurrentLeaderEpoch (v2+) is fenced as in Fetch and ListOffsets.

#include "broker/handlers/handlers.h"
#include "broker/handlers/partition_lookup.h"
#include "protocol/messages/offset_for_leader_epoch.h"

namespace runnel::broker {
namespace {

using protocol::ErrorCode;
using protocol::messages::OffsetForLeaderEpochRequest;
using protocol::messages::OffsetForLeaderEpochResponse;

asio::awaitable<Response> handle(RequestContext& ctx) {
  auto decoded = decode_request<OffsetForLeaderEpochRequest>(ctx);
  if (!decoded) co_return close_connection();

  OffsetForLeaderEpochResponse response;
  for (const auto& topic : decoded->topics) {
    auto& topic_out = response.topics.emplace_back();
    topic_out.topic = topic.topic;
    for (const auto& requested : topic.partitions) {
      auto& out = topic_out.partitions.emplace_back();
      out.partition = requested.partition;
      auto lookup = lookup_partition(ctx.broker, topic.topic, requested.partition);
      ErrorCode error = lookup.error;
      if (error == ErrorCode::none) error = check_leader_epoch(*lookup.partition, requested.current_leader_epoch);
      if (error == ErrorCode::none) {
        storage::Log& log = lookup.partition->log();
        if (auto found = log.leader_epochs().end_offset_for(requested.leader_epoch, log.log_end_offset())) {
          out.leader_epoch = found->epoch;
          out.end_offset = found->start_offset;  // EpochEntry's offset is the epoch's end here
        }
      }
      out.error_code = static_cast<int16_t>(error);
    }
  }
  co_return encode_response(ctx, response);
}

}  // namespace

ApiEntry offset_for_leader_epoch_api() {
  return {OffsetForLeaderEpochRequest::kApiKey,     "OffsetForLeaderEpoch",
          OffsetForLeaderEpochRequest::kMinVersion, OffsetForLeaderEpochRequest::kMaxVersion,
          OffsetForLeaderEpochRequest::kFirstFlexibleVersion, &handle};
}

}  // namespace runnel::broker
