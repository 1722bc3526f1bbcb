#pragma once
// The broker's configuration: Kafka's key names and defaults, except that
// log.flush.interval.messages defaults to 1 (durable). Unknown keys are
// reported once at start; a bad value stops the start with one line naming
// the key and the value.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "broker/config_def.h"
#include "broker/group/group_config.h"
#include "broker/properties.h"
#include "storage/log_config.h"

namespace runnel::broker {

// A start-up failure: bad config file or value. what() is the one-line message.
class ConfigError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Listener {
  std::string name;  // e.g. PLAINTEXT
  std::string host;  // empty: all interfaces
  uint16_t port = 0;
  bool operator==(const Listener&) const = default;
};

struct BrokerConfig {
  int32_t node_id = 0;
  std::vector<Listener> listeners;
  std::vector<Listener> advertised_listeners;
  std::vector<std::string> log_dirs;
  int32_t num_partitions = 1;
  int16_t default_replication_factor = 1;
  int32_t min_insync_replicas = 1;
  bool auto_create_topics_enable = true;
  bool delete_topic_enable = true;
  int32_t socket_request_max_bytes = 104857600;
  int32_t num_network_threads = 2;
  int32_t log_max_open_files = 512;
  int64_t log_flush_offset_checkpoint_interval_ms = 60000;
  int64_t log_flush_scheduler_interval_ms = 1000;
  // Durable mode: the pause before an fsync that follows another back to back (Partition).
  int32_t log_flush_linger_us = 200;
  // ZooKeeper mode (broker/coordination/): empty connect = the embedded single-node mode.
  std::string zookeeper_connect;
  int32_t zookeeper_session_timeout_ms = 18000;
  int32_t zookeeper_connection_timeout_ms = 18000;  // unset: the session timeout, as Kafka
  std::optional<std::string> broker_rack;
  // Replication (broker/replication/), ZooKeeper mode.
  int64_t replica_lag_time_max_ms = 30000;  // a follower not caught up for this long leaves the ISR
  int64_t replica_high_watermark_checkpoint_interval_ms = 5000;  // replication-offset-checkpoint
  int32_t replica_fetch_max_bytes = 1048576;
  int32_t replica_fetch_wait_max_ms = 500;
  int32_t replica_fetch_backoff_ms = 1000;  // after a failed fetch
  int32_t replica_socket_timeout_ms = 30000;
  bool unclean_leader_election_enable = false;
  bool auto_leader_rebalance_enable = true;
  int64_t leader_imbalance_check_interval_ms = 300000;
  bool controlled_shutdown_enable = true;
  // Consumer groups (broker/group/).
  int32_t offsets_topic_num_partitions = 50;
  int16_t offsets_topic_replication_factor = 3;  // capped at the brokers available
  int32_t offsets_topic_segment_bytes = 104857600;
  int64_t offsets_retention_ms = 7LL * 24 * 3600 * 1000;
  int64_t offsets_retention_check_interval_ms = 600000;
  int32_t offset_metadata_max_bytes = 4096;
  group::GroupConfig group;
  int64_t producer_id_expiration_check_interval_ms = 600000;
  int64_t transactional_id_expiration_ms = 604800000;
  int64_t transactional_id_cleanup_interval_ms = 3600000;
  // Retention and the log cleaner (compaction); per-topic settings are in `log`.
  int64_t log_retention_check_interval_ms = 300000;
  bool log_cleaner_enable = true;
  int64_t log_cleaner_backoff_ms = 15000;                // idle cleaner looks for work this often
  int64_t log_cleaner_dedupe_buffer_size = 134217728;    // bytes of the key -> offset map
  double log_cleaner_io_max_bytes_per_second = 1.7976931348623157E308;  // cleaner read + write throttle
  int32_t log_cleaner_io_buffer_size = 524288;           // bytes of the cleaner's read and write buffers
  // Topic-level defaults (segment.bytes <- log.segment.bytes, ...).
  storage::LogConfig log;

  // Effective values of every known key (defaults filled), for DescribeConfigs.
  std::map<std::string, std::string> values;
  std::set<std::string> explicitly_set;
  std::vector<std::string> unknown_keys;
};

const std::vector<ConfigDef>& broker_config_defs();

// Validates and interprets `props`; throws ConfigError on a bad value.
BrokerConfig make_broker_config(const Properties& props);

// Sets log.cleanup_delete / cleanup_compact from a cleanup.policy list
// (precondition: it passed the key's check).
void set_cleanup_policy(std::string_view policy, storage::LogConfig& log);

// Checks a zookeeper.connect value: host:port[,host:port...][/chroot]; throws ConfigError.
void check_zookeeper_connect(const std::string& value);

// Parses "NAME://host:port" lists; throws ConfigError naming `key`.
std::vector<Listener> parse_listeners(const std::string& key, const std::string& value);

}  // namespace runnel::broker
