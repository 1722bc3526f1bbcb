#include "broker/controller.h"

#include <algorithm>
#include <random>

#include "broker/logging.h"

namespace runnel::broker {

using protocol::ErrorCode;

namespace {

// Kafka's assignment without racks: partition p's replicas start at broker (start + p) and
// follow in order, the followers shifted by one more every time p wraps around the brokers, so
// leaders and followers both spread evenly.
std::vector<std::vector<int32_t>> assign_replicas(std::vector<int32_t> brokers, int32_t partitions,
                                                  int16_t replication_factor) {
  std::sort(brokers.begin(), brokers.end());
  const size_t n = brokers.size();
  std::random_device random;
  const size_t start = random() % n;
  size_t shift = random() % n;
  std::vector<std::vector<int32_t>> assignment;
  for (int32_t p = 0; p < partitions; ++p) {
    if (p > 0 && static_cast<size_t>(p) % n == 0) ++shift;
    const size_t first = (start + static_cast<size_t>(p)) % n;
    std::vector<int32_t> replicas{brokers[first]};
    for (int16_t r = 1; r < replication_factor; ++r) {
      const size_t step = 1 + (shift + static_cast<size_t>(r) - 1) % (n - 1);
      replicas.push_back(brokers[(first + step) % n]);
    }
    assignment.push_back(std::move(replicas));
  }
  return assignment;
}

}  // namespace

Controller::Controller(const BrokerConfig& config, MetadataStore& metadata, ReplicaManager& replicas)
    : config_(config),
      live_brokers_([node_id = config.node_id] { return std::vector<int32_t>{node_id}; }),
      metadata_(metadata),
      replicas_(replicas) {}

TopicOutcome Controller::create_topic(const std::string& name, int32_t partitions, int16_t replication_factor,
                                      const TopicConfigs& configs, bool validate_only,
                                      const std::vector<std::vector<int32_t>>& assignment) {
  std::lock_guard lock(mutex_);
  if (!valid_topic_name(name))
    return {ErrorCode::invalid_topic_exception, "invalid topic name '" + name + "'", std::nullopt};
  if (metadata_.topic(name)) return {ErrorCode::topic_already_exists, "topic '" + name + "' already exists", std::nullopt};
  if (partitions == -1) partitions = config_.num_partitions;
  if (replication_factor == -1) replication_factor = config_.default_replication_factor;
  if (partitions < 1) return {ErrorCode::invalid_partitions, "number of partitions must be at least 1", std::nullopt};
  if (replication_factor < 1)
    return {ErrorCode::invalid_replication_factor, "replication factor must be at least 1", std::nullopt};
  const auto brokers = live_brokers_();
  if (!assignment.empty()) {
    for (const auto& replicas : assignment) {
      std::vector<int32_t> sorted = replicas;
      std::sort(sorted.begin(), sorted.end());
      const bool registered = std::all_of(sorted.begin(), sorted.end(), [&](int32_t id) {
        return std::find(brokers.begin(), brokers.end(), id) != brokers.end();
      });
      if (replicas.empty() || replicas.size() != assignment.front().size() ||
          std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end() || !registered)
        return {ErrorCode::invalid_replica_assignment,
                "each partition needs the same number of distinct replicas, all on registered brokers", std::nullopt};
    }
    partitions = static_cast<int32_t>(assignment.size());
    replication_factor = static_cast<int16_t>(assignment.front().size());
  }
  if (static_cast<size_t>(replication_factor) > brokers.size())
    return {ErrorCode::invalid_replication_factor,
            "replication factor " + std::to_string(replication_factor) + " is larger than the " +
                std::to_string(brokers.size()) + " available broker" + (brokers.size() == 1 ? "" : "s"),
            std::nullopt};
  for (const auto& [key, value] : configs)
    if (auto reason = check_topic_config(key, value)) return {ErrorCode::invalid_config, *reason, std::nullopt};

  TopicMetadata topic{name, random_topic_id(), partitions, replication_factor,
                      assignment.empty() ? assign_replicas(brokers, partitions, replication_factor) : assignment,
                      configs};
  if (validate_only) return {ErrorCode::none, "", topic};
  if (auto r = metadata_.create_topic(topic); !r) {
    if (r.error() == MetadataErrc::topic_already_exists)
      return {ErrorCode::topic_already_exists, "topic '" + name + "' already exists", std::nullopt};
    return {ErrorCode::kafka_storage_error, "metadata store: " + r.error().message(), std::nullopt};
  }
  for (int32_t p = 0; p < partitions; ++p) {
    if (auto r = replicas_.partition(topic, p); !r)
      return {ErrorCode::kafka_storage_error, "creating partition: " + r.error().message(), std::nullopt};
  }
  std::string replicas_text;
  for (const auto& replicas : topic.assignment)
    replicas_text += (replicas_text.empty() ? "" : " ") + describe_replicas(replicas);
  log_info("controller", "created topic " + name + " with " + std::to_string(partitions) +
                             " partition(s), replicas " + replicas_text);
  return {ErrorCode::none, "", topic};
}

TopicOutcome Controller::delete_topic(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto topic = metadata_.topic(name);
  if (!topic) return {ErrorCode::unknown_topic_or_partition, "topic '" + name + "' does not exist", std::nullopt};
  if (auto r = metadata_.delete_topic(name); !r)
    return {ErrorCode::kafka_storage_error, "metadata store: " + r.error().message(), std::nullopt};
  if (auto r = replicas_.remove_topic(*topic); !r)
    return {ErrorCode::kafka_storage_error, "removing logs: " + r.error().message(), std::nullopt};
  log_info("controller", "deleted topic " + name);
  return {ErrorCode::none, "", topic};
}

TopicOutcome Controller::auto_create(const std::string& name) {
  if (auto topic = metadata_.topic(name)) return {ErrorCode::none, "", topic};
  if (!config_.auto_create_topics_enable)
    return {ErrorCode::unknown_topic_or_partition, "topic '" + name + "' does not exist", std::nullopt};
  auto outcome = create_topic(name, -1, -1, {}, false);
  if (outcome.error == ErrorCode::topic_already_exists) return {ErrorCode::none, "", metadata_.topic(name)};
  return outcome;
}

TopicOutcome Controller::alter_topic_configs(const std::string& name, const TopicConfigs& configs,
                                             bool validate_only) {
  return change_configs(name, validate_only, [&](TopicConfigs& overrides) -> std::optional<std::string> {
    overrides = configs;
    return std::nullopt;
  });
}

TopicOutcome Controller::incremental_alter_topic_configs(const std::string& name, const std::vector<ConfigOp>& ops,
                                                         bool validate_only) {
  return change_configs(name, validate_only,
                        [&](TopicConfigs& overrides) { return apply_config_ops(config_, ops, overrides); });
}

TopicOutcome Controller::change_configs(const std::string& name, bool validate_only,
                                        const std::function<std::optional<std::string>(TopicConfigs&)>& change) {
  std::lock_guard lock(mutex_);
  auto topic = metadata_.topic(name);
  if (!topic) return {ErrorCode::unknown_topic_or_partition, "topic '" + name + "' does not exist", std::nullopt};
  if (auto reason = change(topic->configs)) return {ErrorCode::invalid_config, *reason, std::nullopt};
  for (const auto& [key, value] : topic->configs)
    if (auto reason = check_topic_config(key, value)) return {ErrorCode::invalid_config, *reason, std::nullopt};
  if (validate_only) return {ErrorCode::none, "", topic};
  if (auto r = metadata_.put_topic(*topic); !r)
    return {ErrorCode::kafka_storage_error, "metadata store: " + r.error().message(), std::nullopt};
  replicas_.reconfigure(*topic);
  std::string overrides;
  for (const auto& [key, value] : topic->configs) overrides += (overrides.empty() ? "" : ", ") + key + "=" + value;
  log_info("controller", "topic " + name + " now overrides: " + (overrides.empty() ? "nothing" : overrides));
  return {ErrorCode::none, "", topic};
}

}  // namespace runnel::broker
