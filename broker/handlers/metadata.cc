// Metadata (key 3), versions 0-8. Topic list rules: v0 an empty list means
// every topic; v1+ a null list does. Missing topics are auto-created when
// the request allows it (v4+ field; always for v0-3) and the broker does.
// Brokers and controller: this broker alone in the single-node mode; with
// zookeeper.connect, the live registered brokers and the elected controller.
// Partitions: leader, leader epoch and ISR from the metadata store's state,
// replicas from the assignment; LEADER_NOT_AVAILABLE while a partition has no
// leader (or no state yet), REPLICA_NOT_AVAILABLE (v5+ lists them in
// offline_replicas) when a replica's broker is not registered.

#include "broker/handlers/handlers.h"
#include "broker/handlers/partition_lookup.h"
#include <set>

#include "protocol/messages/metadata.h"

namespace runnel::broker {
namespace {

using protocol::ErrorCode;
using protocol::messages::MetadataRequest;
using protocol::messages::MetadataResponse;

MetadataResponse::MetadataResponseTopic describe(BrokerServices& broker, const TopicMetadata& topic,
                                                const std::set<int32_t>& live) {
  MetadataResponse::MetadataResponseTopic out;
  out.name = topic.name;
  out.is_internal = topic.name.starts_with("__");
  for (int32_t p = 0; p < topic.partitions; ++p) {
    MetadataResponse::MetadataResponsePartition partition;
    partition.partition_index = p;
    partition.replica_nodes = topic.assignment.at(static_cast<size_t>(p));
    auto state = broker.metadata.partition_state(topic.name, p);
    if (!state || state->leader < 0 || !live.count(state->leader)) {
      partition.error_code = static_cast<int16_t>(ErrorCode::leader_not_available);
      partition.leader_id = -1;
      partition.leader_epoch = state ? state->leader_epoch : -1;
    } else {
      partition.leader_id = state->leader;
      partition.leader_epoch = state->leader_epoch;
    }
    if (state) partition.isr_nodes = state->isr;
    for (int32_t replica : partition.replica_nodes)
      if (!live.count(replica)) partition.offline_replicas.push_back(replica);
    out.partitions.push_back(std::move(partition));
  }
  return out;
}

// ZooKeeper mode: every registered broker; single-node mode: this one.
std::vector<MetadataResponse::MetadataResponseBroker> brokers(const BrokerServices& broker) {
  std::vector<MetadataResponse::MetadataResponseBroker> out;
  if (!broker.membership) {
    out.push_back({broker.config.node_id, broker.advertised_host, broker.advertised_port, broker.config.broker_rack});
    return out;
  }
  for (const auto& b : broker.membership->brokers()) out.push_back({b.node_id, b.host, b.port, b.rack});
  return out;
}

asio::awaitable<Response> handle(RequestContext& ctx) {
  auto decoded = decode_request<MetadataRequest>(ctx);
  if (!decoded) co_return close_connection();
  const MetadataRequest& request = *decoded;

  BrokerServices& broker = ctx.broker;
  MetadataResponse response;
  response.brokers = brokers(broker);
  std::set<int32_t> live;
  for (const auto& b : response.brokers) live.insert(b.node_id);
  response.cluster_id = broker.cluster_id;
  response.controller_id = broker.membership ? broker.membership->controller_id() : broker.config.node_id;

  const bool all = !request.topics || (ctx.api_version == 0 && request.topics->empty());
  if (all) {
    for (const auto& topic : broker.metadata.topics()) response.topics.push_back(describe(broker, topic, live));
  } else {
    const bool allow_auto_create = ctx.api_version < 4 || request.allow_auto_topic_creation;
    for (const auto& requested : *request.topics) {
      const std::string& name = requested.name;
      auto topic = broker.metadata.topic(name);
      ErrorCode error = ErrorCode::none;
      if (!topic && !valid_topic_name(name)) {
        error = ErrorCode::invalid_topic_exception;
      } else if (!topic && allow_auto_create) {
        auto outcome = co_await auto_create_topic(broker, name);
        topic = outcome.topic;
        error = outcome.error;
      } else if (!topic) {
        error = ErrorCode::unknown_topic_or_partition;
      }
      if (topic) {
        response.topics.push_back(describe(broker, *topic, live));
      } else {
        MetadataResponse::MetadataResponseTopic missing;
        missing.name = name;
        missing.error_code = static_cast<int16_t>(error);
        response.topics.push_back(std::move(missing));
      }
    }
  }
  co_return encode_response(ctx, response);
}

}  // namespace

ApiEntry metadata_api() {
  return {MetadataRequest::kApiKey, "Metadata", MetadataRequest::kMinVersion, MetadataRequest::kMaxVersion,
          MetadataRequest::kFirstFlexibleVersion, &handle};
}

}  // namespace runnel::broker
