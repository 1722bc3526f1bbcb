// CreateTopics (key 19), versions 0-4. -1 partitions or replication factor
// means the broker default, in every version (kafkajs sends -1/-1).

#include "broker/handlers/handlers.h"
#include "broker/run_blocking.h"
#include "protocol/messages/create_topics.h"

namespace runnel::broker {
namespace {

using protocol::ErrorCode;
using protocol::messages::CreateTopicsRequest;
using protocol::messages::CreateTopicsResponse;

asio::awaitable<Response> handle(RequestContext& ctx) {
  auto decoded = decode_request<CreateTopicsRequest>(ctx);
  if (!decoded) co_return close_connection();
  const CreateTopicsRequest& request = *decoded;

  CreateTopicsResponse response;
  for (const auto& topic : request.topics) {
    auto& out = response.topics.emplace_back();
    out.name = topic.name;
    TopicConfigs configs;
    for (const auto& c : topic.configs)
      if (c.value) configs[c.name] = *c.value;
    int32_t partitions = topic.num_partitions;
    int16_t replication_factor = topic.replication_factor;
    TopicOutcome outcome;
    std::vector<std::vector<int32_t>> assignment;
    if (!topic.assignments.empty()) {
      // Manual assignment: partition i's replicas in the entry with partition_index i.
      if (partitions != -1 || replication_factor != -1)
        outcome = {ErrorCode::invalid_request, "give either assignments or partitions and replication factor", {}};
      assignment.resize(topic.assignments.size());
      for (const auto& a : topic.assignments) {
        if (a.partition_index < 0 || static_cast<size_t>(a.partition_index) >= assignment.size() ||
            !assignment[static_cast<size_t>(a.partition_index)].empty()) {
          outcome = {ErrorCode::invalid_replica_assignment, "partition indexes must be 0 to N-1, each once", {}};
          break;
        }
        assignment[static_cast<size_t>(a.partition_index)] = a.broker_ids;
      }
    }
    if (outcome.error == ErrorCode::none)
      outcome = co_await run_blocking(ctx.broker.metadata_pool, [&] {
        return ctx.broker.controller.create_topic(topic.name, partitions, replication_factor, configs,
                                                  request.validate_only, assignment);
      });
    out.error_code = static_cast<int16_t>(outcome.error);
    if (!outcome.message.empty()) out.error_message = outcome.message;
  }
  co_return encode_response(ctx, response);
}

}  // namespace

ApiEntry create_topics_api() {
  return {CreateTopicsRequest::kApiKey, "CreateTopics", CreateTopicsRequest::kMinVersion,
          CreateTopicsRequest::kMaxVersion, CreateTopicsRequest::kFirstFlexibleVersion, &handle};
}

}  // namespace runnel::broker
