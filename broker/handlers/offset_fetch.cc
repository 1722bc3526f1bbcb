// OffsetFetch (key 9), versions 0-5: a group's committed offsets, -1 where
// none; v2+ take a null topic list for every committed partition and carry a
// group-level error code. Unlike Kafka, an empty topic list (v2+) also means
// every partition: librdkafka 2.0.x sends one for "all" (its
// ListConsumerGroupOffsets with no partitions), and nobody asks for nothing.
// NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS unless this broker coordinates the group.

#include <map>

#include "broker/group/group_coordinator.h"
#include "broker/handlers/handlers.h"
#include "protocol/messages/offset_fetch.h"

namespace runnel::broker {
namespace {

using protocol::ErrorCode;
using protocol::messages::OffsetFetchRequest;
using protocol::messages::OffsetFetchResponse;

asio::awaitable<Response> handle(RequestContext& ctx) {
  auto request = decode_request<OffsetFetchRequest>(ctx);
  if (!request) co_return close_connection();
  OffsetFetchResponse response;
  std::optional<std::vector<std::pair<std::string, int32_t>>> wanted;
  const bool all = !request->topics || (ctx.api_version >= 2 && request->topics->empty());
  if (!all) {
    wanted.emplace();
    for (const auto& t : *request->topics)
      for (int32_t p : t.partition_indexes) wanted->emplace_back(t.name, p);
  }
  ErrorCode error = ErrorCode::none;
  std::vector<group::CommittedOffset> offsets;
  if (request->group_id.empty()) {
    error = ErrorCode::invalid_group_id;
  } else if (error = ctx.broker.groups.check_coordinator(request->group_id); error != ErrorCode::none) {
    // NOT_COORDINATOR or COORDINATOR_LOAD_IN_PROGRESS: the client finds the coordinator again, or waits.
  } else if (auto fetched = ctx.broker.groups.fetch_offsets(request->group_id, wanted)) {
    offsets = std::move(*fetched);
  } else {
    error = ErrorCode::coordinator_not_available;
  }
  if (error != ErrorCode::none && ctx.api_version >= 2) {
    response.error_code = static_cast<int16_t>(error);
    co_return encode_response(ctx, response);
  }
  if (error != ErrorCode::none && wanted) {
    // v0-1 carry errors per partition only.
    for (const auto& [topic, partition] : *wanted) offsets.push_back({topic, partition, -1, -1, ""});
  }
  std::map<std::string, size_t> topic_index;
  for (const auto& o : offsets) {
    auto [it, inserted] = topic_index.emplace(o.topic, response.topics.size());
    if (inserted) response.topics.push_back({o.topic, {}});
    response.topics[it->second].partitions.push_back(
        {o.partition, o.offset, o.leader_epoch, o.metadata, static_cast<int16_t>(error)});
  }
  co_return encode_response(ctx, response);
}

}  // namespace

ApiEntry offset_fetch_api() {
  return {OffsetFetchRequest::kApiKey, "OffsetFetch", OffsetFetchRequest::kMinVersion,
          OffsetFetchRequest::kMaxVersion, OffsetFetchRequest::kFirstFlexibleVersion, &handle};
}

}  // namespace runnel::broker
