#pragma once
// Partition: a topic-partition this broker leads (single node: all of them).
// It owns the durability and visibility rules on top of storage::Log:
//  - high watermark = flushed offset in the durable mode (consumers never see
//    bytes a crash could lose), log end offset in page-cache mode;
//  - wait_durable(offset) completes once everything below `offset` is
//    fsynced; fsyncs run on the disk pool and are shared by every waiter;
//  - fetchers waiting for data are woken when the high watermark moves.

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/thread_pool.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "protocol/error_code.h"
#include "protocol/result.h"
#include "storage/log.h"
#include "storage/topic_partition.h"

namespace runnel::broker {

class Partition : public std::enable_shared_from_this<Partition> {
 public:
  Partition(storage::TopicPartition tp, std::shared_ptr<storage::Log> log, asio::thread_pool& disk_pool);

  const storage::TopicPartition& topic_partition() const { return tp_; }
  storage::Log& log() { return *log_; }
  int32_t leader_epoch() const { return leader_epoch_; }
  int64_t high_watermark() const;

  Result<storage::AppendInfo> append(std::span<std::byte> batch, int64_t now_ms);
  // Completes (on the caller's executor) when offsets below `offset` are durable.
  asio::awaitable<Result<void>> wait_durable(int64_t offset);

  // Registers `wake` to be called (from any thread) when the high watermark
  // moves; returns an id for remove_waiter().
  uint64_t add_waiter(std::function<void()> wake);
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

  // A flush requested by the flush policy (page-cache mode, flush.ms).
  void flush_in_background();

  // Applies new log settings (a topic config change). Leaving page-cache mode
  // for the durable one first fsyncs, blocking the caller, what page-cache mode
  // already made visible, so that the high watermark does not move back.
  // Fetchers are woken: the high watermark may move forward.
  void set_config(const storage::LogConfig& config);

 private:
  void schedule_flush();
  void run_flush();
  void notify_waiters();

  storage::TopicPartition tp_;
  std::shared_ptr<storage::Log> log_;
  asio::thread_pool& disk_pool_;
  int32_t leader_epoch_ = 0;

  std::mutex mutex_;
  bool flush_scheduled_ = false;
  std::multimap<int64_t, std::function<void(std::error_code)>> durable_waiters_;
  uint64_t next_waiter_id_ = 1;
  std::map<uint64_t, std::function<void()>> hw_waiters_;
};

}  // namespace runnel::broker
