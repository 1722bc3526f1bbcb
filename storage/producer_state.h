#pragma once
// ProducerStateManager: the idempotent-producer state of one partition
// (KIP-98; Kafka's ProducerStateManager, ProducerStateEntry and the
// sequence checks of ProducerAppendInfo). Pure code: no I/O, no clock.
//
// For every producer id that has appended, it keeps the producer epoch, the
// last kBatchesToRetain (5) batches of that epoch (sequence range, offsets,
// max timestamp), and last_timestamp (the max timestamp of the latest batch).
// Invariant: every entry holds 1..5 batches, oldest first, all of its epoch.
//
// Append protocol (the caller holds the partition's append lock, so the
// class is not thread-safe and needs no locking of its own):
//   1. check(batch) before writing. append: write the batch; duplicate: do
//      not write, answer with the original offsets and error NONE; refused:
//      answer with the error code, write nothing.
//   2. update(...) after the write succeeded, with the offsets assigned and
//      the max timestamp as stored (the append time for LogAppendTime).
// Batches without a producer id (-1) are not idempotent and skip both steps.
//
// Recovery: decode_snapshot() the latest snapshot at or below the recovery
// start, then replay() every batch from its end_offset to the log end (or,
// without a snapshot, every batch from the log start), then
// remove_expired(). Transactions are not tracked (no ongoing transactions,
// coordinator epoch or last stable offset): control batches are ignored.
//
// Snapshot format, version 1 (all integers big-endian, as Kafka's
// <end_offset>.snapshot files; the bytes are ours, not Kafka's):
//    0 version        i16  = 1
//    2 crc            u32  CRC-32C of every byte from offset 6 to the end
//    6 end_offset     i64  the state reflects every batch below this offset
//   14 producer_count i32  >= 0
//   18 producer_count entries, producer ids strictly increasing:
//        producer_id i64 (>= 0) | producer_epoch i16 (>= 0)
//        last_timestamp i64 | batch_count i8 (1..5)
//        batch_count batches, oldest first, offsets increasing, below
//        end_offset: first_seq i32 (>= 0) | last_seq i32 (>= 0)
//                    first_offset i64 (>= 0) | last_offset i64 (>= first)
//                    max_timestamp i64
// Nothing follows the last entry. Decoding refuses, with Errc::bad_checkpoint,
// input that is truncated, longer, of another version, fails the CRC, or
// breaks any rule above; it never reads past the input.

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "protocol/error_code.h"
#include "protocol/record_batch.h"
#include "protocol/result.h"

namespace runnel::storage {

inline constexpr int64_t kNoProducerId = -1;
// Kafka's ProducerStateEntry.NUM_BATCHES_TO_RETAIN: as many batches as a
// producer may have in flight (max.in.flight.requests.per.connection <= 5).
inline constexpr size_t kBatchesToRetain = 5;
inline constexpr int16_t kProducerSnapshotVersion = 1;

// `sequence` advanced by `delta`, wrapping from INT32_MAX to 0 as the
// protocol does (Kafka's DefaultRecordBatch.incrementSequence).
int32_t increment_sequence(int32_t sequence, int32_t delta);
// The last sequence of a batch: base_sequence + last_offset_delta, wrapped.
inline int32_t last_sequence(const protocol::RecordBatchHeader& batch) {
  return increment_sequence(batch.base_sequence, batch.last_offset_delta);
}

// One appended batch of a producer, as the log holds it.
struct BatchMetadata {
  int32_t first_seq = 0;
  int32_t last_seq = 0;
  int64_t first_offset = 0;  // the batch's base offset
  int64_t last_offset = 0;
  int64_t max_timestamp = -1;
  bool operator==(const BatchMetadata&) const = default;
};

struct ProducerStateEntry {
  int16_t producer_epoch = -1;
  std::vector<BatchMetadata> batches;  // 1..kBatchesToRetain, oldest first
  int64_t last_timestamp = -1;

  int32_t last_seq() const { return batches.back().last_seq; }
  int64_t last_offset() const { return batches.back().last_offset; }
  bool operator==(const ProducerStateEntry&) const = default;
};

// What check() says about a batch about to be appended.
struct ProducerCheck {
  enum class Outcome { append, duplicate, refused };
  Outcome outcome = Outcome::append;
  // For refused: OUT_OF_ORDER_SEQUENCE_NUMBER or INVALID_PRODUCER_EPOCH.
  protocol::ErrorCode error = protocol::ErrorCode::none;
  // For duplicate: the batch already in the log with this sequence range.
  BatchMetadata original;
};

struct ProducerStateSnapshot;

class ProducerStateManager {
 public:
  // Decides, before an append, what to do with a batch of `producer_id` at
  // `epoch` carrying sequences [base_sequence, last_sequence]:
  //  - producer_id < 0 (not idempotent), or no state for the producer (new,
  //    expired, or its batches deleted; Kafka >= 2.5): append, any sequence.
  //  - base_sequence < 0 or epoch < 0 with a producer id: refused with
  //    OUT_OF_ORDER_SEQUENCE_NUMBER / INVALID_PRODUCER_EPOCH (Runnel's
  //    choice: such a batch cannot be sequenced).
  //  - epoch below the producer's: refused, INVALID_PRODUCER_EPOCH.
  //  - epoch above it (a bump): append if base_sequence is 0, else refused,
  //    OUT_OF_ORDER_SEQUENCE_NUMBER.
  //  - same epoch: duplicate if [base, last] equals one of the 5 retained
  //    batches exactly; append if base_sequence follows the latest batch's
  //    last_seq (0 after INT32_MAX); else refused, OUT_OF_ORDER_SEQUENCE_NUMBER
  //    (including older sequences no longer retained).
  ProducerCheck check(int64_t producer_id, int16_t epoch, int32_t base_sequence, int32_t last_sequence) const;
  ProducerCheck check(const protocol::RecordBatchHeader& batch) const {
    return check(batch.producer_id, batch.producer_epoch, batch.base_sequence, storage::last_sequence(batch));
  }

  // Records a batch written to the log. Preconditions: producer_id, epoch and
  // sequences >= 0, offsets above the producer's previous batch. An
  // epoch other than the entry's replaces it and forgets the older batches;
  // the oldest batch is dropped beyond kBatchesToRetain. No checks: a caller
  // that did not check() gets what it wrote.
  void update(int64_t producer_id, int16_t epoch, const BatchMetadata& batch);

  // Applies a batch read back from the log (recovery, rebuild from a log
  // tail, a follower's append): update() without checks. `batch` must carry
  // its assigned base_offset. Ignored: non-idempotent and control batches,
  // and batches check() refuses for their own fields (epoch or base_sequence
  // below 0). Batches must be replayed in log order.
  void replay(const protocol::RecordBatchHeader& batch);

  // The log was truncated to `offset` (everything at or after it removed):
  // forgets batches whose last_offset >= offset, and producers left with no
  // batch. Kafka instead reloads a snapshot and replays up to `offset`, which
  // can also restore batches of an older epoch; do that when exactness
  // matters more than speed.
  void truncate_to(int64_t offset);

  // The log start moved to `log_start_offset`: forgets producers whose
  // latest batch lies wholly below it (their data was deleted).
  void advance_log_start_offset(int64_t log_start_offset);

  // Forgets producers idle for at least `producer_id_expiration_ms`
  // (now_ms - last_timestamp >= it; producer.id.expiration.ms). Returns how
  // many were removed.
  size_t remove_expired(int64_t now_ms, int64_t producer_id_expiration_ms);

  // The state of one producer, nullptr if none. Valid until the next change.
  const ProducerStateEntry* last_entry(int64_t producer_id) const;
  const std::map<int64_t, ProducerStateEntry>& active_producers() const { return producers_; }
  size_t size() const { return producers_.size(); }
  bool empty() const { return producers_.empty(); }

  // The snapshot bytes (format above) of the current state, said to cover
  // every batch below `end_offset` (usually the log end offset).
  std::vector<std::byte> encode_snapshot(int64_t end_offset) const;
  static Result<ProducerStateSnapshot> decode_snapshot(std::span<const std::byte> bytes);

  bool operator==(const ProducerStateManager&) const = default;

 private:
  std::map<int64_t, ProducerStateEntry> producers_;
};

struct ProducerStateSnapshot {
  int64_t end_offset = 0;  // replay the log from here
  ProducerStateManager state;
};

}  // namespace runnel::storage
