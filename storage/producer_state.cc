#include "storage/producer_state.h"

#include <limits>

#include "protocol/codec.h"
#include "protocol/crc32c.h"
#include "storage/errc.h"

namespace runnel::storage {
namespace {

using protocol::ErrorCode;
constexpr int32_t kMaxSequence = std::numeric_limits<int32_t>::max();

// Byte positions of the snapshot header (format in producer_state.h).
constexpr size_t kCrcPosition = 2;
constexpr size_t kCrcCoveredFrom = 6;
constexpr size_t kHeaderSize = 18;
constexpr size_t kEntryMinSize = 8 + 2 + 8 + 1;
constexpr size_t kBatchSize = 4 + 4 + 8 + 8 + 8;

// Kafka's ProducerAppendInfo.inSequence.
bool in_sequence(int32_t last_seq, int32_t next_seq) {
  return int64_t{next_seq} == int64_t{last_seq} + 1 || (next_seq == 0 && last_seq == kMaxSequence);
}

ProducerCheck refused(ErrorCode error) { return {ProducerCheck::Outcome::refused, error, {}}; }

// now_ms - then_ms >= interval_ms, without overflow for any inputs.
bool elapsed_at_least(int64_t now_ms, int64_t then_ms, int64_t interval_ms) {
  int64_t elapsed;
  if (__builtin_sub_overflow(now_ms, then_ms, &elapsed)) return now_ms > then_ms;
  return elapsed >= interval_ms;
}

void write_batch(protocol::Writer& out, const BatchMetadata& b) {
  out.write_int32(b.first_seq);
  out.write_int32(b.last_seq);
  out.write_int64(b.first_offset);
  out.write_int64(b.last_offset);
  out.write_int64(b.max_timestamp);
}

// Reads one entry's batches; false if they break the format's rules.
bool read_batches(protocol::Reader& in, int8_t count, int64_t end_offset, ProducerStateEntry& entry) {
  if (count < 1 || static_cast<size_t>(count) > kBatchesToRetain) return false;
  for (int8_t i = 0; i < count; ++i) {
    BatchMetadata b;
    b.first_seq = in.read_int32();
    b.last_seq = in.read_int32();
    b.first_offset = in.read_int64();
    b.last_offset = in.read_int64();
    b.max_timestamp = in.read_int64();
    if (!in.ok()) return false;
    const int64_t floor = entry.batches.empty() ? 0 : entry.batches.back().last_offset + 1;
    if (b.first_seq < 0 || b.last_seq < 0 || b.first_offset < floor || b.last_offset < b.first_offset ||
        b.last_offset >= end_offset)
      return false;
    entry.batches.push_back(b);
  }
  return true;
}

}  // namespace

int32_t increment_sequence(int32_t sequence, int32_t delta) {
  int64_t next = int64_t{sequence} + delta;
  if (next > kMaxSequence) next -= int64_t{kMaxSequence} + 1;
  return static_cast<int32_t>(next);
}

ProducerCheck ProducerStateManager::check(int64_t producer_id, int16_t epoch, int32_t base_sequence,
                                          int32_t last_sequence) const {
  if (producer_id < 0) return {};
  if (epoch < 0) return refused(ErrorCode::invalid_producer_epoch);
  if (base_sequence < 0 || last_sequence < 0) return refused(ErrorCode::out_of_order_sequence_number);
  const ProducerStateEntry* entry = last_entry(producer_id);
  if (entry == nullptr) return {};
  if (epoch < entry->producer_epoch) return refused(ErrorCode::invalid_producer_epoch);
  if (epoch > entry->producer_epoch)
    return base_sequence == 0 ? ProducerCheck{} : refused(ErrorCode::out_of_order_sequence_number);
  for (const BatchMetadata& b : entry->batches) {
    if (b.first_seq == base_sequence && b.last_seq == last_sequence)
      return {ProducerCheck::Outcome::duplicate, ErrorCode::none, b};
  }
  if (in_sequence(entry->last_seq(), base_sequence)) return {};
  return refused(ErrorCode::out_of_order_sequence_number);
}

void ProducerStateManager::update(int64_t producer_id, int16_t epoch, const BatchMetadata& batch) {
  ProducerStateEntry& entry = producers_[producer_id];
  if (entry.producer_epoch != epoch) {
    entry.producer_epoch = epoch;
    entry.batches.clear();
  }
  if (entry.batches.size() == kBatchesToRetain) entry.batches.erase(entry.batches.begin());
  entry.batches.push_back(batch);
  entry.last_timestamp = batch.max_timestamp;
}

void ProducerStateManager::replay(const protocol::RecordBatchHeader& batch) {
  if (batch.producer_id < 0 || batch.is_control() || batch.producer_epoch < 0 || batch.base_sequence < 0) return;
  update(batch.producer_id, batch.producer_epoch,
         {batch.base_sequence, last_sequence(batch), batch.base_offset, batch.last_offset(), batch.max_timestamp});
}

void ProducerStateManager::truncate_to(int64_t offset) {
  for (auto it = producers_.begin(); it != producers_.end();) {
    ProducerStateEntry& entry = it->second;
    while (!entry.batches.empty() && entry.batches.back().last_offset >= offset) entry.batches.pop_back();
    if (entry.batches.empty()) {
      it = producers_.erase(it);
    } else {
      entry.last_timestamp = entry.batches.back().max_timestamp;
      ++it;
    }
  }
}

void ProducerStateManager::advance_log_start_offset(int64_t log_start_offset) {
  std::erase_if(producers_, [log_start_offset](const auto& item) { return item.second.last_offset() < log_start_offset; });
}

size_t ProducerStateManager::remove_expired(int64_t now_ms, int64_t producer_id_expiration_ms) {
  return std::erase_if(producers_, [&](const auto& item) {
    return elapsed_at_least(now_ms, item.second.last_timestamp, producer_id_expiration_ms);
  });
}

const ProducerStateEntry* ProducerStateManager::last_entry(int64_t producer_id) const {
  auto it = producers_.find(producer_id);
  return it == producers_.end() ? nullptr : &it->second;
}

std::vector<std::byte> ProducerStateManager::encode_snapshot(int64_t end_offset) const {
  protocol::Writer out;
  out.write_int16(kProducerSnapshotVersion);
  out.write_uint32(0);  // the CRC, patched below
  out.write_int64(end_offset);
  out.write_int32(static_cast<int32_t>(producers_.size()));
  for (const auto& [producer_id, entry] : producers_) {
    out.write_int64(producer_id);
    out.write_int16(entry.producer_epoch);
    out.write_int64(entry.last_timestamp);
    out.write_int8(static_cast<int8_t>(entry.batches.size()));
    for (const BatchMetadata& b : entry.batches) write_batch(out, b);
  }
  out.patch_int32(kCrcPosition, static_cast<int32_t>(protocol::crc32c(out.bytes().subspan(kCrcCoveredFrom))));
  return std::move(out).finish().buffer;
}

Result<ProducerStateSnapshot> ProducerStateManager::decode_snapshot(std::span<const std::byte> bytes) {
  if (bytes.size() < kHeaderSize) return fail(Errc::bad_checkpoint);
  protocol::Reader in(bytes);
  const int16_t version = in.read_int16();
  const uint32_t crc = in.read_uint32();
  if (version != kProducerSnapshotVersion || crc != protocol::crc32c(bytes.subspan(kCrcCoveredFrom)))
    return fail(Errc::bad_checkpoint);

  ProducerStateSnapshot snapshot;
  snapshot.end_offset = in.read_int64();
  const int32_t count = in.read_int32();
  if (snapshot.end_offset < 0 || count < 0 || static_cast<size_t>(count) > in.remaining() / kEntryMinSize)
    return fail(Errc::bad_checkpoint);
  auto& producers = snapshot.state.producers_;
  for (int32_t i = 0; i < count; ++i) {
    const int64_t producer_id = in.read_int64();
    ProducerStateEntry entry;
    entry.producer_epoch = in.read_int16();
    entry.last_timestamp = in.read_int64();
    const int8_t batch_count = in.read_int8();
    if (!in.ok() || producer_id < 0 || entry.producer_epoch < 0 ||
        (!producers.empty() && producer_id <= producers.rbegin()->first) ||
        !read_batches(in, batch_count, snapshot.end_offset, entry))
      return fail(Errc::bad_checkpoint);
    producers.emplace_hint(producers.end(), producer_id, std::move(entry));
  }
  if (in.remaining() != 0) return fail(Errc::bad_checkpoint);
  return snapshot;
}

}  // namespace runnel::storage
