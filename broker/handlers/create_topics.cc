// CreateTopics (key 19), versions 0-4. -1 partitions or replication factor
// means the broker default, in every version (kafkajs sends -1/-1).

#include "broker/handlers/handlers.h"
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
    if (!topic.assignments.empty()) {
      // Manual assignment: every replica list must be exactly this broker.
      if (partitions != -1 || replication_factor != -1) {
        outcome = {ErrorCode::invalid_request, "give either assignments or partitions and replication factor", {}};
      } else {
        partitions = static_cast<int32_t>(topic.assignments.size());
        replication_factor = 1;
        for (const auto& a : topic.assignments)
          if (a.broker_ids != std::vector<int32_t>{ctx.broker.config.node_id})
            outcome = {ErrorCode::invalid_replica_assignment, "replicas must be on broker " +
                                                                  std::to_string(ctx.broker.config.node_id), {}};
      }
    }
    if (outcome.error == ErrorCode::none)
      outcome = ctx.broker.controller.create_topic(topic.name, partitions, replication_factor, configs,
                                                   request.validate_only);
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
