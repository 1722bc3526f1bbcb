// DeleteRecords (key 21), versions 0-2 (v2 flexible): moves each named
// partition's log start offset up to the given offset (-1: the high
// watermark) and answers the new log start as low_watermark
// (Partition::delete_records_before has the rules and errors). Unknown topics
// and partitions get UNKNOWN_TOPIC_OR_PARTITION, `__consumer_offsets`
// INVALID_TOPIC_EXCEPTION (Kafka refuses internal topics too). The segment
// deletions and the log-start checkpoint run on the disk pool; the answer
// waits for the checkpoint, so a crash after it keeps the new log start.
// timeout_ms is unused: there are no followers to wait for.

#include "broker/group/group_coordinator.h"
#include "broker/handlers/handlers.h"
#include "broker/handlers/partition_lookup.h"
#include "broker/logging.h"
#include "broker/run_blocking.h"
#include "protocol/messages/delete_records.h"

namespace runnel::broker {
namespace {

using protocol::ErrorCode;
using protocol::messages::DeleteRecordsRequest;
using protocol::messages::DeleteRecordsResponse;

struct Deletion {
  DeleteRecordsResponse::DeleteRecordsPartitionResult* out;
  std::shared_ptr<Partition> partition;
  int64_t offset;
  Partition::DeleteRecordsResult result;
  bool moved = false;  // the log start moved: it needs the checkpoint
};

// On the disk pool: every deletion, then one checkpoint if a log start moved.
// Returns false when that checkpoint could not be written.
bool delete_all(std::vector<Deletion>& deletions, storage::LogManager& logs) {
  bool any_moved = false;
  for (auto& d : deletions) {
    const int64_t before = d.partition->log().log_start_offset();
    d.result = d.partition->delete_records_before(d.offset);
    d.moved = d.result.error == ErrorCode::none && d.result.low_watermark != before;
    any_moved = any_moved || d.moved;
  }
  if (!any_moved) return true;
  auto written = logs.write_checkpoints();
  if (!written) log_error("storage", "writing checkpoints after DeleteRecords failed: " + written.error().message());
  return written.has_value();
}

asio::awaitable<Response> handle(RequestContext& ctx) {
  auto decoded = decode_request<DeleteRecordsRequest>(ctx);
  if (!decoded) co_return close_connection();
  const DeleteRecordsRequest& request = *decoded;

  DeleteRecordsResponse response;
  std::vector<Deletion> deletions;
  response.topics.reserve(request.topics.size());
  for (const auto& topic : request.topics) {
    auto& topic_out = response.topics.emplace_back();
    topic_out.name = topic.name;
    topic_out.partitions.reserve(topic.partitions.size());
    for (const auto& p : topic.partitions) {
      auto& out = topic_out.partitions.emplace_back();
      out.partition_index = p.partition_index;
      out.low_watermark = -1;
      if (topic.name == group::kOffsetsTopic) {  // the group coordinator's own topic
        out.error_code = static_cast<int16_t>(ErrorCode::invalid_topic_exception);
        continue;
      }
      auto lookup = lookup_partition(ctx.broker, topic.name, p.partition_index);
      out.error_code = static_cast<int16_t>(lookup.error);
      if (lookup.error == ErrorCode::none) deletions.push_back({&out, lookup.partition, p.offset, {}});
    }
  }
  if (!deletions.empty()) {
    storage::LogManager& logs = ctx.broker.logs;
    const bool durable =
        co_await run_blocking(ctx.broker.disk_pool, [&deletions, &logs] { return delete_all(deletions, logs); });
    for (auto& d : deletions) {
      ErrorCode error = d.result.error;
      if (d.moved && !durable) error = ErrorCode::kafka_storage_error;
      d.out->error_code = static_cast<int16_t>(error);
      if (error == ErrorCode::none) d.out->low_watermark = d.result.low_watermark;
    }
  }
  co_return encode_response(ctx, response);
}

}  // namespace

ApiEntry delete_records_api() {
  return {DeleteRecordsRequest::kApiKey, "DeleteRecords", DeleteRecordsRequest::kMinVersion,
          DeleteRecordsRequest::kMaxVersion, DeleteRecordsRequest::kFirstFlexibleVersion, &handle};
}

}  // namespace runnel::broker
