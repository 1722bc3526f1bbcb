#include "broker/controller.h"

#include "broker/logging.h"

namespace runnel::broker {

using protocol::ErrorCode;

Controller::Controller(const BrokerConfig& config, MetadataStore& metadata, ReplicaManager& replicas)
    : config_(config), metadata_(metadata), replicas_(replicas) {}

TopicOutcome Controller::create_topic(const std::string& name, int32_t partitions, int16_t replication_factor,
                                      const TopicConfigs& configs, bool validate_only) {
  std::lock_guard lock(mutex_);
  if (!valid_topic_name(name))
    return {ErrorCode::invalid_topic_exception, "invalid topic name '" + name + "'", std::nullopt};
  if (metadata_.topic(name)) return {ErrorCode::topic_already_exists, "topic '" + name + "' already exists", std::nullopt};
  if (partitions == -1) partitions = config_.num_partitions;
  if (replication_factor == -1) replication_factor = config_.default_replication_factor;
  if (partitions < 1) return {ErrorCode::invalid_partitions, "number of partitions must be at least 1", std::nullopt};
  if (replication_factor < 1)
    return {ErrorCode::invalid_replication_factor, "replication factor must be at least 1", std::nullopt};
  if (replication_factor > 1)
    return {ErrorCode::invalid_replication_factor,
            "replication factor " + std::to_string(replication_factor) + " is larger than the 1 available broker",
            std::nullopt};
  for (const auto& [key, value] : configs)
    if (auto reason = check_topic_config(key, value)) return {ErrorCode::invalid_config, *reason, std::nullopt};

  TopicMetadata topic{name, random_topic_id(), partitions, replication_factor, configs};
  if (validate_only) return {ErrorCode::none, "", topic};
  if (auto r = metadata_.put_topic(topic); !r)
    return {ErrorCode::kafka_storage_error, "metadata store: " + r.error().message(), std::nullopt};
  for (int32_t p = 0; p < partitions; ++p) {
    if (auto r = replicas_.partition(topic, p); !r)
      return {ErrorCode::kafka_storage_error, "creating partition: " + r.error().message(), std::nullopt};
  }
  log_info("controller", "created topic " + name + " with " + std::to_string(partitions) + " partition(s)");
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
