#include "broker/config.h"

#include <algorithm>
#include <thread>

namespace runnel::broker {
namespace {

using T = ConfigType;
constexpr int64_t kIntMax = INT32_MAX;

// Kafka's alternative names for the same key.
const std::map<std::string, std::string>& aliases() {
  static const std::map<std::string, std::string> map{{"broker.id", "node.id"}, {"log.dir", "log.dirs"}};
  return map;
}

// Kafka's precedence: log.retention.ms, else .minutes, else .hours; any
// negative value means no limit (-1).
int64_t retention_ms(const std::map<std::string, std::string>& values) {
  int64_t ms = 0;
  if (auto it = values.find("log.retention.ms"); it != values.end()) ms = parse_long(it->second);
  else if (auto it = values.find("log.retention.minutes"); it != values.end()) ms = parse_long(it->second) * 60 * 1000;
  else ms = parse_long(values.at("log.retention.hours")) * 3600 * 1000;
  return ms < 0 ? -1 : ms;
}

}  // namespace

void set_cleanup_policy(std::string_view policy, storage::LogConfig& log) {
  const auto items = parse_list(policy);
  log.cleanup_delete = std::find(items.begin(), items.end(), "delete") != items.end();
  log.cleanup_compact = std::find(items.begin(), items.end(), "compact") != items.end();
}

const std::vector<ConfigDef>& broker_config_defs() {
  static const std::vector<ConfigDef> defs{
      {"node.id", T::int_type, "0", 0, kIntMax},
      {"listeners", T::list_type, "PLAINTEXT://:9092"},
      {"advertised.listeners", T::list_type, std::nullopt},
      {"log.dirs", T::list_type, "/tmp/kafka-logs"},
      {"num.partitions", T::int_type, "1", 1, kIntMax},
      {"default.replication.factor", T::int_type, "1", 1, INT16_MAX},
      {"min.insync.replicas", T::int_type, "1", 1, kIntMax},
      {"auto.create.topics.enable", T::bool_type, "true"},
      {"delete.topic.enable", T::bool_type, "true"},
      {"message.max.bytes", T::int_type, "1048588", 0, kIntMax},
      {"socket.request.max.bytes", T::int_type, "104857600", 1024, kIntMax},
      {"num.network.threads", T::int_type, "0", 0, 256},  // 0: half the cores, at least one
      {"log.max.open.files", T::int_type, "512", 16, kIntMax},
      {"log.segment.bytes", T::int_type, "1073741824", 1024, kIntMax},
      {"log.roll.ms", T::long_type, std::nullopt, 1},
      {"log.roll.hours", T::int_type, "168", 1, kIntMax},
      {"log.index.interval.bytes", T::int_type, "4096", 0, kIntMax},
      {"log.index.size.max.bytes", T::int_type, "10485760", 12, kIntMax},
      {"log.flush.interval.messages", T::long_type, "1", 1},
      {"log.flush.interval.ms", T::long_type, std::nullopt, 0},
      {"log.flush.scheduler.interval.ms", T::long_type, "1000", 1},
      {"log.flush.linger.us", T::int_type, "200", 0, 1000000},
      {"log.flush.offset.checkpoint.interval.ms", T::int_type, "60000", 1, kIntMax},
      {"log.retention.ms", T::long_type, std::nullopt, -1},
      {"log.retention.minutes", T::int_type, std::nullopt, -1, kIntMax},
      {"log.retention.hours", T::int_type, "168", -1, kIntMax},
      {"log.retention.bytes", T::long_type, "-1", -1},
      {"log.retention.check.interval.ms", T::long_type, "300000", 1},
      {"log.cleanup.policy", T::list_type, "delete", INT64_MIN, INT64_MAX, {"delete", "compact"}},
      {"log.cleaner.enable", T::bool_type, "true"},
      {"log.cleaner.backoff.ms", T::long_type, "15000", 0},
      {"log.cleaner.dedupe.buffer.size", T::long_type, "134217728", 1048576},
      {"log.cleaner.io.max.bytes.per.second", T::double_type, "1.7976931348623157E308", 1},
      {"log.cleaner.io.buffer.size", T::int_type, "524288", 1, kIntMax},
      {"log.cleaner.delete.retention.ms", T::long_type, "86400000", 0},
      {"log.cleaner.min.compaction.lag.ms", T::long_type, "0", 0},
      {"log.cleaner.min.cleanable.ratio", T::double_type, "0.5", 0, 1},
      {"log.message.timestamp.type", T::string_type, "CreateTime", INT64_MIN, INT64_MAX, {"CreateTime", "LogAppendTime"}},
      {"compression.type", T::string_type, "producer", INT64_MIN, INT64_MAX,
       {"producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"}},
      {"zookeeper.connect", T::string_type, std::nullopt},
      {"zookeeper.session.timeout.ms", T::int_type, "18000", 1, kIntMax},
      {"zookeeper.connection.timeout.ms", T::int_type, std::nullopt, 1, kIntMax},
      {"broker.rack", T::string_type, std::nullopt},
      {"offsets.topic.num.partitions", T::int_type, "50", 1, kIntMax},
      {"offsets.topic.replication.factor", T::int_type, "3", 1, INT16_MAX},
      {"offsets.topic.segment.bytes", T::int_type, "104857600", 1024, kIntMax},
      {"offsets.retention.minutes", T::int_type, "10080", 1, kIntMax},
      {"offsets.retention.check.interval.ms", T::long_type, "600000", 1},
      {"offset.metadata.max.bytes", T::int_type, "4096", 0, kIntMax},
      {"group.max.size", T::int_type, "2147483647", 1, kIntMax},
      {"producer.id.expiration.ms", T::int_type, "86400000", 1, kIntMax},
      {"producer.id.expiration.check.interval.ms", T::int_type, "600000", 1, kIntMax},
      {"transactional.id.expiration.ms", T::int_type, "604800000", 1, kIntMax},
      {"transaction.remove.expired.transaction.cleanup.interval.ms", T::int_type, "3600000", 1, kIntMax},
      {"group.initial.rebalance.delay.ms", T::int_type, "3000", 0, kIntMax},
      {"group.min.session.timeout.ms", T::int_type, "6000", 0, kIntMax},
      {"group.max.session.timeout.ms", T::int_type, "1800000", 0, kIntMax},
      {"replica.lag.time.max.ms", T::long_type, "30000", 1},
      {"replica.high.watermark.checkpoint.interval.ms", T::long_type, "5000", 1},
      {"replica.fetch.max.bytes", T::int_type, "1048576", 0, kIntMax},
      {"replica.fetch.wait.max.ms", T::int_type, "500", 0, kIntMax},
      {"replica.fetch.backoff.ms", T::int_type, "1000", 0, kIntMax},
      {"replica.socket.timeout.ms", T::int_type, "30000", 1, kIntMax},
      {"unclean.leader.election.enable", T::bool_type, "false"},
      {"auto.leader.rebalance.enable", T::bool_type, "true"},
      {"leader.imbalance.check.interval.seconds", T::long_type, "300", 1},
      {"controlled.shutdown.enable", T::bool_type, "true"},
  };
  return defs;
}

void check_zookeeper_connect(const std::string& value) {
  auto bad = [&](const std::string& why) {
    throw ConfigError("invalid value for zookeeper.connect: '" + value + "' (" + why +
                      "; expected host:port[,host:port...][/chroot])");
  };
  const auto slash = value.find('/');
  const std::string hosts = value.substr(0, slash);
  if (slash != std::string::npos) {
    const std::string chroot = value.substr(slash);
    if (chroot.size() < 2 || chroot.back() == '/' || chroot.find("//") != std::string::npos) bad("bad chroot path");
  }
  if (hosts.empty()) bad("no host");
  for (std::string_view rest = hosts;;) {
    const auto comma = rest.find(',');
    const std::string item(rest.substr(0, comma));
    const auto colon = item.rfind(':');
    if (colon == std::string::npos || colon == 0) bad("'" + item + "' is not host:port");
    const std::string port = item.substr(colon + 1);
    if (ConfigDef{"", ConfigType::int_type, std::nullopt, 1, 65535}.check(port)) bad("bad port '" + port + "'");
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
}

std::vector<Listener> parse_listeners(const std::string& key, const std::string& value) {
  std::vector<Listener> listeners;
  for (const auto& item : parse_list(value)) {
    auto scheme = item.find("://");
    auto colon = item.rfind(':');
    if (scheme == std::string::npos || colon == std::string::npos || colon < scheme + 3)
      throw ConfigError("invalid value for " + key + ": '" + value + "' (expected NAME://host:port)");
    Listener l;
    l.name = item.substr(0, scheme);
    l.host = item.substr(scheme + 3, colon - scheme - 3);
    auto port = item.substr(colon + 1);
    int64_t p = -1;
    if (!ConfigDef{key, ConfigType::int_type, std::nullopt, 0, 65535}.check(port)) p = parse_long(port);
    if (p < 0) throw ConfigError("invalid value for " + key + ": '" + value + "' (bad port '" + port + "')");
    l.port = static_cast<uint16_t>(p);
    listeners.push_back(l);
  }
  return listeners;
}

BrokerConfig make_broker_config(const Properties& props) {
  BrokerConfig config;
  const auto& defs = broker_config_defs();
  for (const auto& [raw_key, value] : props) {
    auto alias = aliases().find(raw_key);
    const std::string key = alias == aliases().end() ? raw_key : alias->second;
    const ConfigDef* def = find_def(defs, key);
    if (!def) {
      config.unknown_keys.push_back(raw_key);
      continue;
    }
    if (auto reason = def->check(value)) throw ConfigError("invalid value for " + raw_key + ": '" + value + "' (" + *reason + ")");
    config.values[key] = value;
    config.explicitly_set.insert(key);
  }
  for (const auto& def : defs)
    if (!config.values.count(def.name) && def.default_value) config.values[def.name] = *def.default_value;

  auto get = [&](const char* key) -> const std::string& { return config.values.at(key); };
  auto has = [&](const char* key) { return config.values.count(key) > 0; };
  config.node_id = static_cast<int32_t>(parse_long(get("node.id")));
  config.listeners = parse_listeners("listeners", get("listeners"));
  if (config.listeners.empty()) throw ConfigError("invalid value for listeners: '' (at least one listener is needed)");
  config.advertised_listeners =
      has("advertised.listeners") ? parse_listeners("advertised.listeners", get("advertised.listeners")) : config.listeners;
  config.log_dirs = parse_list(get("log.dirs"));
  if (config.log_dirs.empty()) throw ConfigError("invalid value for log.dirs: '' (at least one directory is needed)");
  config.num_partitions = static_cast<int32_t>(parse_long(get("num.partitions")));
  config.default_replication_factor = static_cast<int16_t>(parse_long(get("default.replication.factor")));
  config.min_insync_replicas = static_cast<int32_t>(parse_long(get("min.insync.replicas")));
  config.auto_create_topics_enable = parse_bool(get("auto.create.topics.enable"));
  config.delete_topic_enable = parse_bool(get("delete.topic.enable"));
  config.socket_request_max_bytes = static_cast<int32_t>(parse_long(get("socket.request.max.bytes")));
  config.num_network_threads = static_cast<int32_t>(parse_long(get("num.network.threads")));
  // The default leaves half the cores to the fsync threads, the cleaner and
  // the clients that often share the machine: on 2 cores one network thread
  // lowers the page-cache L1 latency's p99 by a third and costs no throughput
  // (docs/benchmarks.md).
  if (config.num_network_threads == 0)
    config.num_network_threads = static_cast<int32_t>(std::max(1u, std::thread::hardware_concurrency() / 2));
  config.log_max_open_files = static_cast<int32_t>(parse_long(get("log.max.open.files")));
  config.log_flush_offset_checkpoint_interval_ms = parse_long(get("log.flush.offset.checkpoint.interval.ms"));
  config.log_flush_scheduler_interval_ms = parse_long(get("log.flush.scheduler.interval.ms"));
  config.log_flush_linger_us = static_cast<int32_t>(parse_long(get("log.flush.linger.us")));
  if (has("zookeeper.connect")) {
    check_zookeeper_connect(get("zookeeper.connect"));
    config.zookeeper_connect = get("zookeeper.connect");
  }
  config.zookeeper_session_timeout_ms = static_cast<int32_t>(parse_long(get("zookeeper.session.timeout.ms")));
  config.zookeeper_connection_timeout_ms = has("zookeeper.connection.timeout.ms")
                                               ? static_cast<int32_t>(parse_long(get("zookeeper.connection.timeout.ms")))
                                               : config.zookeeper_session_timeout_ms;
  if (has("broker.rack")) {
    const std::string& rack = get("broker.rack");
    if (rack.empty() || rack.find_first_of("\"\\") != std::string::npos)
      throw ConfigError("invalid value for broker.rack: '" + rack + "' (must be non-empty, without quotes or backslashes)");
    config.broker_rack = rack;
  }
  config.replica_lag_time_max_ms = parse_long(get("replica.lag.time.max.ms"));
  config.replica_high_watermark_checkpoint_interval_ms = parse_long(get("replica.high.watermark.checkpoint.interval.ms"));
  config.replica_fetch_max_bytes = static_cast<int32_t>(parse_long(get("replica.fetch.max.bytes")));
  config.replica_fetch_wait_max_ms = static_cast<int32_t>(parse_long(get("replica.fetch.wait.max.ms")));
  config.replica_fetch_backoff_ms = static_cast<int32_t>(parse_long(get("replica.fetch.backoff.ms")));
  config.replica_socket_timeout_ms = static_cast<int32_t>(parse_long(get("replica.socket.timeout.ms")));
  if (config.replica_socket_timeout_ms <= config.replica_fetch_wait_max_ms)
    throw ConfigError("invalid value for replica.socket.timeout.ms: '" + get("replica.socket.timeout.ms") +
                      "' (must be larger than replica.fetch.wait.max.ms)");
  config.unclean_leader_election_enable = parse_bool(get("unclean.leader.election.enable"));
  config.auto_leader_rebalance_enable = parse_bool(get("auto.leader.rebalance.enable"));
  config.leader_imbalance_check_interval_ms = parse_long(get("leader.imbalance.check.interval.seconds")) * 1000;
  config.controlled_shutdown_enable = parse_bool(get("controlled.shutdown.enable"));
  config.offsets_topic_num_partitions = static_cast<int32_t>(parse_long(get("offsets.topic.num.partitions")));
  config.offsets_topic_replication_factor = static_cast<int16_t>(parse_long(get("offsets.topic.replication.factor")));
  config.offsets_topic_segment_bytes = static_cast<int32_t>(parse_long(get("offsets.topic.segment.bytes")));
  config.offsets_retention_ms = parse_long(get("offsets.retention.minutes")) * 60 * 1000;
  config.offsets_retention_check_interval_ms = parse_long(get("offsets.retention.check.interval.ms"));
  config.offset_metadata_max_bytes = static_cast<int32_t>(parse_long(get("offset.metadata.max.bytes")));
  config.group.min_session_timeout_ms = static_cast<int32_t>(parse_long(get("group.min.session.timeout.ms")));
  config.group.max_session_timeout_ms = static_cast<int32_t>(parse_long(get("group.max.session.timeout.ms")));
  config.group.initial_rebalance_delay_ms = static_cast<int32_t>(parse_long(get("group.initial.rebalance.delay.ms")));
  config.group.max_size = static_cast<int32_t>(parse_long(get("group.max.size")));

  storage::LogConfig& log = config.log;
  log.segment_bytes = parse_long(get("log.segment.bytes"));
  log.segment_ms = has("log.roll.ms") ? parse_long(get("log.roll.ms")) : parse_long(get("log.roll.hours")) * 3600 * 1000;
  log.index_interval_bytes = static_cast<int32_t>(parse_long(get("log.index.interval.bytes")));
  log.segment_index_bytes = static_cast<int32_t>(parse_long(get("log.index.size.max.bytes")));
  log.max_message_bytes = static_cast<int32_t>(parse_long(get("message.max.bytes")));
  log.flush_interval_messages = parse_long(get("log.flush.interval.messages"));
  if (has("log.flush.interval.ms")) log.flush_interval_ms = parse_long(get("log.flush.interval.ms"));
  log.producer_id_expiration_ms = parse_long(get("producer.id.expiration.ms"));
  log.retention_ms = retention_ms(config.values);
  log.retention_bytes = parse_long(get("log.retention.bytes"));
  set_cleanup_policy(get("log.cleanup.policy"), log);
  log.delete_retention_ms = parse_long(get("log.cleaner.delete.retention.ms"));
  log.min_compaction_lag_ms = parse_long(get("log.cleaner.min.compaction.lag.ms"));
  log.min_cleanable_dirty_ratio = parse_double(get("log.cleaner.min.cleanable.ratio"));
  config.log_retention_check_interval_ms = parse_long(get("log.retention.check.interval.ms"));
  config.log_cleaner_enable = parse_bool(get("log.cleaner.enable"));
  config.log_cleaner_backoff_ms = parse_long(get("log.cleaner.backoff.ms"));
  config.log_cleaner_dedupe_buffer_size = parse_long(get("log.cleaner.dedupe.buffer.size"));
  config.log_cleaner_io_max_bytes_per_second = parse_double(get("log.cleaner.io.max.bytes.per.second"));
  config.log_cleaner_io_buffer_size = static_cast<int32_t>(parse_long(get("log.cleaner.io.buffer.size")));
  config.producer_id_expiration_check_interval_ms = parse_long(get("producer.id.expiration.check.interval.ms"));
  config.transactional_id_expiration_ms = parse_long(get("transactional.id.expiration.ms"));
  config.transactional_id_cleanup_interval_ms =
      parse_long(get("transaction.remove.expired.transaction.cleanup.interval.ms"));
  return config;
}

}  // namespace runnel::broker
