#pragma once
// Partition: a replica of a topic-partition hosted by this broker, as leader or follower
// (single node: the leader of all of them). It owns the durability, visibility and replication
// rules on top of storage::Log:
//  - its role comes from the partition state in the metadata store (apply_state): leader at
//    a leader epoch, or follower of another broker; a new leader epoch starts at the log end
//    offset in the leader epoch cache;
//  - the leader's high watermark is the smallest over the ISR of each replica's log end offset,
//    this broker's counted as its flushed offset in the durable mode (consumers never see bytes
//    a crash of the leader could lose) and its log end offset in page-cache mode; it never moves
//    back while this broker leads. With an ISR of one (single node) it is the local offset;
//  - a follower's high watermark is the leader's, capped at its own log end offset;
//  - the leader changes the ISR (expansion when a follower catches up, shrinking after
//    replica.lag.time.max.ms) through the IsrWriter, one change at a time, by compare-and-set;
//  - wait_durable(offset) completes once everything below `offset` is fsynced (acks=1);
//    wait_high_watermark(offset) once the high watermark passes it (acks=all), or fails when
//    leadership is lost; fsyncs run on the disk pool and are shared by every waiter;
//  - fetch waiters are woken when the high watermark moves (consumers) or the log end moves
//    (followers' fetches).

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/thread_pool.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "broker/metadata_store.h"
#include "broker/replication/isr_tracker.h"
#include "protocol/error_code.h"
#include "protocol/result.h"
#include "storage/log.h"
#include "storage/topic_partition.h"

namespace runnel::broker {

class Partition : public std::enable_shared_from_this<Partition> {
 public:
  // Writes a proposed partition state (an ISR change) by compare-and-set; `done` gets the
  // stored state or the failure (MetadataStore::update_partition_state).
  using IsrWriter =
      std::function<void(const PartitionState& proposed, std::function<void(Result<PartitionState>)> done)>;

  // flush_linger: in the durable mode, when an fsync ends with appends already
  // waiting for the next one, that one starts after this pause (on a timer,
  // not holding a disk thread), so that the appends arriving meanwhile share
  // it (log.flush.linger.us). The first fsync after an idle spell starts at once.
  Partition(storage::TopicPartition tp, std::shared_ptr<storage::Log> log, asio::thread_pool& disk_pool,
            int32_t self, IsrWriter isr_writer = {},
            std::chrono::microseconds flush_linger = std::chrono::microseconds(0));

  const storage::TopicPartition& topic_partition() const { return tp_; }
  storage::Log& log() { return *log_; }
  int32_t leader_epoch() const { return leader_epoch_.load(); }
  bool is_leader() const { return leader_.load() == self_; }
  int64_t high_watermark() const { return sole_in_sync_.load() ? local_offset() : high_watermark_.load(); }

  enum class Transition { none, became_leader, became_follower, changed };
  // Applies the store's state for this partition (its replicas: `replicas`): leadership at a
  // new epoch, following another leader (waiters for the high watermark fail with
  // NOT_LEADER_OR_FOLLOWER), or an ISR change. A state older than the one applied (a lower
  // leader epoch, or the same epoch at a lower version) is ignored.
  Transition apply_state(const PartitionState& state, const std::vector<int32_t>& replicas, int64_t now_ms);

  // Leader: appends a producer's batch at the current leader epoch.
  Result<storage::AppendInfo> append(std::span<std::byte> batch, int64_t now_ms);
  // Completes (on the caller's executor) when offsets below `offset` are durable.
  asio::awaitable<Result<void>> wait_durable(int64_t offset);
  // Completes when the high watermark reaches `offset`: none, NOT_LEADER_OR_FOLLOWER (this broker
  // stopped leading first) or REQUEST_TIMED_OUT after `timeout_ms`.
  asio::awaitable<protocol::ErrorCode> wait_high_watermark(int64_t offset, int64_t timeout_ms);
  // Leader: the ISR size (for min.insync.replicas).
  size_t isr_size() const;
  // Leader: follower `replica` fetched from `fetch_offset`. Moves the high watermark and may
  // propose adding the follower to the ISR.
  void record_follower_fetch(int32_t replica, int64_t fetch_offset, int64_t now_ms);
  // Leader: proposes removing followers not caught up for `lag_ms`.
  void shrink_isr(int64_t now_ms, int64_t lag_ms);
  // Leader: this broker stood still; every follower gets a new lag period from `now_ms`.
  void restart_follower_lag_clocks(int64_t now_ms);

  // Follower: appends batches fetched from the leader (offsets and epochs kept), fsyncs them in
  // the durable mode, and takes the leader's high watermark (capped at the log end). Blocking:
  // call on the disk pool.
  Result<storage::AppendInfo> append_replicated(std::span<const std::byte> batches, int64_t leader_high_watermark,
                                                int64_t now_ms);
  // Follower: moves the log start offset up to the leader's (DeleteRecords, retention on the
  // leader), never past the local log end. Blocking: call on the disk pool.
  Result<void> follow_log_start(int64_t leader_log_start_offset);
  // Follower: removes everything at or after `offset` (the divergent tail of an older epoch).
  // Blocking: call on the disk pool.
  Result<void> truncate_to(int64_t offset);
  // Follower whose log ends below the leader's log start (retention or DeleteRecords on the
  // leader while it was away): the log restarts empty at `leader_log_start_offset`, its high
  // watermark there (Kafka's truncateFullyAndStartAt). Blocking: call on the disk pool.
  Result<void> restart_at_leader_log_start(int64_t leader_log_start_offset);
  void set_follower_high_watermark(int64_t leader_high_watermark);

  // Registers `wake` to be called (from any thread) when the high watermark moves or, with
  // `on_append`, also when the log end offset moves; returns an id for remove_waiter().
  uint64_t add_waiter(std::function<void()> wake, bool on_append = false);
  void remove_waiter(uint64_t id);

  // DeleteRecords: moves the log start offset up to `offset` (kDeleteToHighWatermark:
  // the high watermark), deleting the segments wholly below it, and returns
  // the new log start offset (the low watermark). An offset below the log
  // start changes nothing. OFFSET_OUT_OF_RANGE above the high watermark or
  // below 0; POLICY_VIOLATION when cleanup.policy lacks "delete" (as Kafka).
  // Blocking (segment deletion, perhaps a roll): call it on the disk pool.
  // The new log start is durable only once LogManager checkpoints it.
  static constexpr int64_t kDeleteToHighWatermark = -1;
  struct DeleteRecordsResult {
    protocol::ErrorCode error = protocol::ErrorCode::none;
    int64_t low_watermark = -1;  // -1 on error
  };
  DeleteRecordsResult delete_records_before(int64_t offset);

  // Starts a flush on the disk pool without waiting for it: in the durable mode after each
  // Produce append and offset commit (their acknowledgements wait for it), in page-cache mode
  // when flush.messages or flush.ms is due.
  void flush_in_background();

  // Applies new log settings (a topic config change). Leaving page-cache mode
  // for the durable one first fsyncs, blocking the caller, what page-cache mode
  // already made visible, so that the high watermark does not move back.
  // Fetchers are woken: the high watermark may move forward.
  void set_config(const storage::LogConfig& config);

 private:
  void schedule_flush();
  void run_flush();
  void notify_waiters(bool appended_only = false);
  // The leader's high watermark from the local offset and the ISR; completes waiters and wakes
  // fetchers when it moved.
  void advance_high_watermark();
  // Sends an ISR change through the IsrWriter (outside mutex_; isr_change_pending_ set).
  void propose_isr(PartitionState proposal);
  void fail_high_watermark_waiters(protocol::ErrorCode error);
  int64_t local_offset() const;

  storage::TopicPartition tp_;
  std::shared_ptr<storage::Log> log_;
  asio::thread_pool& disk_pool_;
  const int32_t self_;
  const std::chrono::microseconds flush_linger_;
  IsrWriter isr_writer_;
  std::atomic<int32_t> leader_epoch_{0};
  std::atomic<int32_t> leader_{-1};
  std::atomic<int64_t> high_watermark_{0};
  // Leading with an ISR of itself alone (single node): the high watermark is the local offset,
  // read straight from the log (also after flushes that bypass this class).
  std::atomic<bool> sole_in_sync_{false};

  mutable std::mutex mutex_;
  PartitionState state_;
  bool state_applied_ = false;
  IsrTracker tracker_;
  int64_t epoch_start_offset_ = 0;
  bool isr_change_pending_ = false;
  bool flush_scheduled_ = false;
  std::multimap<int64_t, std::function<void(std::error_code)>> durable_waiters_;
  struct HighWatermarkWaiter {
    uint64_t id;
    std::function<void(protocol::ErrorCode)> complete;
  };
  std::multimap<int64_t, HighWatermarkWaiter> high_watermark_waiters_;
  uint64_t next_waiter_id_ = 1;
  struct FetchWaiter {
    std::function<void()> wake;
    bool on_append;
  };
  std::map<uint64_t, FetchWaiter> fetch_waiters_;
};

}  // namespace runnel::broker
