// Fetch (key 1), versions 4-11, for consumers (replica_id -1) and followers
// (replica_id = their node id), from the leader only (NOT_LEADER_OR_FOLLOWER
// elsewhere). Each partition returns whole batches from the one holding
// fetch_offset up to the high watermark (consumers) or the log end offset
// (followers), sent from the segment files without copying. A follower's
// fetch_offset is its log end offset: the leader records it (the high
// watermark and the ISR follow), and its wait ends on new appends. max_bytes and
// partition_max_bytes bound the response except that the first batch is
// always whole (KIP-74). OFFSET_OUT_OF_RANGE only below the log start or
// above the log end offset. With fewer than min_bytes ready the request
// waits (up to max_wait_ms) for a high watermark to move. No fetch sessions
// (session_id 0) and no transactions (last_stable_offset = high watermark,
// no aborted transactions).

#include <asio/experimental/as_tuple.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include "broker/handlers/handlers.h"
#include "broker/handlers/partition_lookup.h"
#include "protocol/messages/fetch.h"
#include "storage/errc.h"

namespace runnel::broker {
namespace {

using protocol::ErrorCode;
using protocol::messages::FetchRequest;
using protocol::messages::FetchResponse;

struct Target {
  FetchResponse::PartitionData* out;
  std::shared_ptr<Partition> partition;
  int64_t fetch_offset;
  int32_t partition_max_bytes;
  bool follower;
  int64_t upper_bound = 0;  // what read_all() read up to
};

// Reads every target into `response`; returns the bytes gathered.
int64_t read_all(std::vector<Target>& targets, int32_t max_bytes, Response& response) {
  response.ranges.clear();
  int64_t total = 0;
  for (auto& t : targets) {
    Partition& p = *t.partition;
    const int64_t high_watermark = p.high_watermark();
    t.out->high_watermark = high_watermark;
    t.out->last_stable_offset = high_watermark;
    t.out->log_start_offset = p.log().log_start_offset();
    t.out->records = protocol::RecordsRef{std::span<const std::byte>{}, -1, 0};
    const int64_t budget = std::min<int64_t>(t.partition_max_bytes, int64_t{max_bytes} - total);
    if (budget <= 0 && total > 0) continue;
    t.upper_bound = t.follower ? p.log().log_end_offset() : high_watermark;
    auto range = p.log().read(t.fetch_offset, std::max<int64_t>(budget, 0), t.upper_bound);
    if (!range) {
      t.out->error_code = static_cast<int16_t>(storage::to_kafka_error(range.error()));
      continue;
    }
    t.out->error_code = 0;
    if (range->empty()) continue;
    t.out->records = protocol::RecordsRef{std::nullopt, static_cast<int32_t>(response.ranges.size()), range->size};
    response.ranges.push_back(*range);
    total += static_cast<int64_t>(range->size);
  }
  return total;
}

// Waits until a target's high watermark (a follower's: log end offset) moves or `deadline` passes.
asio::awaitable<void> wait_for_data(std::vector<Target>& targets, std::chrono::steady_clock::time_point deadline) {
  auto executor = co_await asio::this_coro::executor;
  auto timer = std::make_shared<asio::steady_timer>(executor, deadline);
  std::weak_ptr<asio::steady_timer> weak = timer;
  std::vector<uint64_t> ids;
  for (auto& t : targets)
    ids.push_back(t.partition->add_waiter(
        [weak, executor] {
          asio::post(executor, [weak] {
            if (auto timer = weak.lock()) timer->cancel();
          });
        },
        t.follower));
  bool moved = false;  // since read_all(): then the wake-up was missed
  for (auto& t : targets)
    moved = moved || (t.follower ? t.partition->log().log_end_offset() : t.partition->high_watermark()) != t.upper_bound;
  if (!moved) co_await timer->async_wait(asio::experimental::as_tuple(asio::use_awaitable));
  for (size_t i = 0; i < targets.size(); ++i) targets[i].partition->remove_waiter(ids[i]);
}

asio::awaitable<Response> handle(RequestContext& ctx) {
  auto decoded = decode_request<FetchRequest>(ctx);
  if (!decoded) co_return close_connection();
  const FetchRequest& request = *decoded;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(0, request.max_wait_ms));

  FetchResponse response;
  const bool follower = request.replica_id >= 0;
  std::vector<Target> targets;
  size_t count = 0;
  for (const auto& topic : request.topics) count += topic.partitions.size();
  targets.reserve(count);
  response.responses.reserve(request.topics.size());
  for (const auto& topic : request.topics) {
    auto& topic_out = response.responses.emplace_back();
    topic_out.topic = topic.topic;
    topic_out.partitions.reserve(topic.partitions.size());
    for (const auto& fp : topic.partitions) {
      auto& out = topic_out.partitions.emplace_back();
      out.partition_index = fp.partition;
      out.high_watermark = -1;
      out.last_stable_offset = -1;
      out.log_start_offset = -1;
      out.aborted_transactions = std::vector<FetchResponse::AbortedTransaction>{};
      out.records = protocol::RecordsRef{std::span<const std::byte>{}, -1, 0};
      auto lookup = lookup_partition(ctx.broker, topic.topic, fp.partition);
      ErrorCode error = lookup.error;
      if (error == ErrorCode::none) error = check_leader_epoch(*lookup.partition, fp.current_leader_epoch);
      out.error_code = static_cast<int16_t>(error);
      if (error != ErrorCode::none) continue;
      if (follower && fp.fetch_offset <= lookup.partition->log().log_end_offset())
        lookup.partition->record_follower_fetch(request.replica_id, fp.fetch_offset, BrokerServices::now_ms());
      targets.push_back({&out, lookup.partition, fp.fetch_offset, fp.partition_max_bytes, follower});
    }
  }

  Response reply;
  for (;;) {
    const int64_t bytes = read_all(targets, request.max_bytes, reply);
    bool errors = false;
    for (const auto& t : targets) errors = errors || t.out->error_code != 0;
    if (bytes >= request.min_bytes || errors || targets.empty() || std::chrono::steady_clock::now() >= deadline) break;
    co_await wait_for_data(targets, deadline);
  }
  protocol::Writer writer;
  response.encode(writer, ctx.api_version);
  reply.body = std::move(writer).finish();
  co_return reply;
}

}  // namespace

ApiEntry fetch_api() {
  return {FetchRequest::kApiKey, "Fetch", FetchRequest::kMinVersion, FetchRequest::kMaxVersion,
          FetchRequest::kFirstFlexibleVersion, &handle};
}

}  // namespace runnel::broker
