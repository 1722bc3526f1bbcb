#pragma once
// Per-log settings, named after Kafka's topic-level configs. The broker fills
// them from broker defaults (log.segment.bytes, ...) and topic overrides.

#include <cstdint>
#include <limits>

namespace runnel::storage {

struct LogConfig {
  int64_t segment_bytes = int64_t{1} << 30;                   // segment.bytes
  int64_t segment_ms = int64_t{7} * 24 * 3600 * 1000;         // segment.ms
  int32_t index_interval_bytes = 4096;                        // index.interval.bytes
  int32_t segment_index_bytes = 10 * 1024 * 1024;             // segment.index.bytes
  int32_t max_message_bytes = 1048588;                        // max.message.bytes
  // flush.messages: 1 = durable (every acknowledged batch is fsynced);
  // larger values give Kafka's page-cache mode.
  int64_t flush_interval_messages = 1;
  int64_t flush_interval_ms = std::numeric_limits<int64_t>::max();  // flush.ms
  // Broker-wide producer.id.expiration.ms: idle producers' state is dropped.
  int64_t producer_id_expiration_ms = 86400000;

  // Retention (cleanup.policy contains "delete"): whole segments go once
  // their newest record is older than retention_ms, or while the log is
  // larger than retention_bytes. -1 = no limit.
  int64_t retention_ms = int64_t{7} * 24 * 3600 * 1000;  // retention.ms
  int64_t retention_bytes = -1;                          // retention.bytes
  bool cleanup_delete = true;   // cleanup.policy contains "delete"
  bool cleanup_compact = false; // cleanup.policy contains "compact"
  // Compaction (cleanup.policy contains "compact").
  int64_t delete_retention_ms = 86400000;  // delete.retention.ms: tombstones kept at least this long
  int64_t min_compaction_lag_ms = 0;       // min.compaction.lag.ms: newer records stay uncompacted
  double min_cleanable_dirty_ratio = 0.5;  // min.cleanable.dirty.ratio

  bool durable() const { return flush_interval_messages <= 1; }
};

}  // namespace runnel::storage
