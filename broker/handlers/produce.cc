// Produce (key 0), advertised 0-7 (librdkafka turns on gzip/snappy/lz4 only
// when v0 is in the range), served from v3: below it every partition gets
// UNSUPPORTED_VERSION (message format v2 only). v3+ carries exactly one v2
// batch per partition; zstd needs v7. Only the leader appends
// (NOT_LEADER_OR_FOLLOWER elsewhere). As in Kafka, Produce never creates a
// topic (clients ask Metadata first, which does): a missing one gets
// UNKNOWN_TOPIC_OR_PARTITION. Nothing before the append suspends, so a
// connection's pipelined batches are appended in order, and an idempotent
// batch pipelined behind one refused unwritten (NOT_LEADER_OR_FOLLOWER,
// NOT_ENOUGH_REPLICAS) gets the same refusal, not a sequence gap
// (produce_refusals.h). acks=1 is answered
// once the batch is durable on the leader in the durable mode; acks=all once
// the high watermark passes it (every ISR member has it, durably in the
// durable mode), refused with NOT_ENOUGH_REPLICAS before the append when the
// ISR is smaller than min.insync.replicas, NOT_ENOUGH_REPLICAS_AFTER_APPEND
// when it shrank below while waiting, REQUEST_TIMED_OUT after the request's
// timeout. acks 0 gets no response, and a failure closes the connection as
// Kafka does. A broker whose process stood still for over half its ZooKeeper
// session closes the connection of every Produce until ZooKeeper confirmed the
// session (ClusterMembership::fenced(), pause_fence.h): it may have been
// deposed, so whether it may take the batch is unknown. A closed connection is
// how a client learns "outcome unknown": it retries the batch, with the same
// producer sequence, after reconnecting. An error answer instead
// (NOT_LEADER_OR_FOLLOWER) would tell an idempotent client that the batch was
// not written; a later batch of the same pipeline, taken once the fence lifted,
// would then be refused as out of sequence, and librdkafka answers that by
// bumping its producer epoch and sending its unacknowledged records again under
// new sequence numbers, which duplicates any of them already in a log. A pause
// between that check and an acks=1 answer closes the connection too.

#include "broker/group/group_coordinator.h"
#include "broker/handlers/handlers.h"
#include "broker/handlers/partition_lookup.h"
#include "broker/handlers/produce_refusals.h"
#include "protocol/messages/produce.h"
#include "protocol/record_batch.h"
#include "storage/errc.h"

namespace runnel::broker {
namespace {

using protocol::ErrorCode;
using protocol::messages::ProduceRequest;
using protocol::messages::ProduceResponse;

constexpr int16_t kFirstServedVersion = 3;

// The batch of a partition's records field, checked for the v3+ rules.
ErrorCode check_single_batch(const std::optional<std::span<const std::byte>>& records, int16_t version) {
  if (!records || records->size() <= protocol::batch_field::magic) return ErrorCode::corrupt_message;
  if (static_cast<int8_t>((*records)[protocol::batch_field::magic]) != protocol::kMagicV2)
    return ErrorCode::invalid_record;  // a magic 0/1 message set
  if (records->size() < protocol::kRecordBatchHeaderSize) return ErrorCode::corrupt_message;
  auto frame = protocol::read_frame(*records);
  if (frame.batch_length < 0 || static_cast<size_t>(frame.batch_length) + protocol::kLogOverhead != records->size())
    return ErrorCode::invalid_record;  // not exactly one batch
  auto header = protocol::read_header(*records);
  if (header.compression() == protocol::CompressionType::zstd && version < 7)
    return ErrorCode::unsupported_compression_type;
  return ErrorCode::none;
}

// A batch of an idempotent producer (producer id >= 0) behind a refused one of the same producer
// and partition on this connection gets that refusal; a batch refused here before it was written,
// with an error the client retries, is remembered (produce_refusals.h).
ErrorCode carry_refusal(ProduceRefusals& refusals, const std::string& topic, int32_t partition,
                        std::span<const std::byte> batch, ErrorCode error) {
  const auto header = protocol::read_header(batch);
  if (header.producer_id < 0) return error;
  if (error == ErrorCode::none) return refusals.carried(topic, partition, header.producer_id, header.base_sequence);
  if (error == ErrorCode::not_leader_or_follower || error == ErrorCode::not_enough_replicas)
    refusals.refused(topic, partition, header.producer_id, header.base_sequence, error);
  return error;
}

struct Pending {
  ProduceResponse::PartitionProduceResponse* out;
  std::shared_ptr<Partition> partition;
  int64_t end_offset;
  int32_t min_insync_replicas;
};

asio::awaitable<Response> handle(RequestContext& ctx) {
  auto decoded = decode_request<ProduceRequest>(ctx);
  if (!decoded) co_return close_connection();
  const ProduceRequest& request = *decoded;

  const bool valid_acks = request.acks == 0 || request.acks == 1 || request.acks == -1;
  const auto paused_past_session = [&ctx] {
    return ctx.broker.membership != nullptr && ctx.broker.membership->fenced();
  };
  if (paused_past_session()) co_return close_connection();
  if (ctx.produce_refusals != nullptr) ctx.produce_refusals->begin_request();
  ProduceResponse response;
  std::vector<Pending> pending;
  bool any_error = false;
  response.responses.reserve(request.topic_data.size());
  for (auto& topic : request.topic_data) {
    auto& topic_out = response.responses.emplace_back();
    topic_out.name = topic.name;
    topic_out.partition_responses.reserve(topic.partition_data.size());
    for (auto& data : topic.partition_data) {
      auto& out = topic_out.partition_responses.emplace_back();
      out.index = data.index;
      out.base_offset = -1;
      ErrorCode error = ErrorCode::none;
      if (ctx.api_version < kFirstServedVersion) error = ErrorCode::unsupported_version;
      else if (!valid_acks) error = ErrorCode::invalid_required_acks;
      else if (topic.name == group::kOffsetsTopic) error = ErrorCode::invalid_topic_exception;  // internal
      else error = check_single_batch(data.records.bytes, ctx.api_version);
      PartitionLookup lookup;
      const bool one_batch = error == ErrorCode::none;
      if (error == ErrorCode::none) {
        lookup = lookup_partition(ctx.broker, topic.name, data.index);
        error = lookup.error;
      }
      if (error == ErrorCode::none && request.acks == -1 &&
          lookup.partition->isr_size() < static_cast<size_t>(lookup.min_insync_replicas))
        error = ErrorCode::not_enough_replicas;
      if (one_batch && ctx.produce_refusals != nullptr)
        error = carry_refusal(*ctx.produce_refusals, topic.name, data.index, *data.records.bytes, error);
      if (error == ErrorCode::none) {
        // The batch lives in this request's own frame: rewrite its offsets in place.
        auto bytes = *data.records.bytes;
        std::span<std::byte> batch(const_cast<std::byte*>(bytes.data()), bytes.size());
        auto info = lookup.partition->append(batch, BrokerServices::now_ms());
        if (info) {
          out.base_offset = info->first_offset;
          out.log_append_time_ms = info->log_append_time_ms;
          out.log_start_offset = lookup.partition->log().log_start_offset();
          if (request.acks == -1 || (request.acks == 1 && lookup.partition->log().config().durable()))
            pending.push_back({&out, lookup.partition, info->last_offset + 1, lookup.min_insync_replicas});
        } else {
          error = storage::to_kafka_error(info.error());
        }
      }
      out.error_code = static_cast<int16_t>(error);
      any_error = any_error || error != ErrorCode::none;
    }
  }
  for (auto& p : pending)
    if (p.partition->log().config().durable()) p.partition->flush_in_background();
  for (auto& p : pending) {
    if (request.acks == 1) {
      auto durable = co_await p.partition->wait_durable(p.end_offset);
      if (!durable) p.out->error_code = static_cast<int16_t>(ErrorCode::kafka_storage_error);
      continue;
    }
    ErrorCode error = co_await p.partition->wait_high_watermark(p.end_offset, request.timeout_ms);
    if (error == ErrorCode::none && p.partition->isr_size() < static_cast<size_t>(p.min_insync_replicas))
      error = ErrorCode::not_enough_replicas_after_append;
    p.out->error_code = static_cast<int16_t>(error);
  }
  // A pause after the check above: an acks=1 answer would vouch for a leadership that may be gone.
  if (request.acks == 1 && paused_past_session()) co_return close_connection();
  if (request.acks == 0) co_return Response{{}, {}, false, any_error};
  co_return encode_response(ctx, response);
}

}  // namespace

ApiEntry produce_api() {
  return {ProduceRequest::kApiKey, "Produce", ProduceRequest::kMinVersion, ProduceRequest::kMaxVersion,
          ProduceRequest::kFirstFlexibleVersion, &handle};
}

}  // namespace runnel::broker
