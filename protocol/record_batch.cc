#include "protocol/record_batch.h"

#include "protocol/byte_order.h"
#include "protocol/crc32c.h"
#include "protocol/errc.h"

namespace runnel::protocol {
namespace {

constexpr int32_t kMinBatchLength = static_cast<int32_t>(kRecordBatchHeaderSize - kLogOverhead);

// Size, magic and batch_length checks shared by validate_batch and
// read_checked_header.
std::error_code check_frame(std::span<const std::byte> batch) {
  if (batch.size() <= batch_field::magic) return Errc::truncated;
  if (static_cast<int8_t>(batch[batch_field::magic]) != kMagicV2) return Errc::unsupported_magic;
  if (batch.size() < kRecordBatchHeaderSize) return Errc::truncated;
  int32_t batch_length = read_be<int32_t>(batch.data() + batch_field::batch_length);
  if (batch_length < kMinBatchLength) return Errc::bad_length;
  auto expected = static_cast<size_t>(batch_length) + kLogOverhead;
  if (batch.size() < expected) return Errc::truncated;
  if (batch.size() > expected) return Errc::bad_length;
  return {};
}

Result<RecordBatchHeader> check_counts(const RecordBatchHeader& header) {
  if (header.last_offset_delta < 0 || header.records_count < 0) return fail(Errc::bad_length);
  return header;
}

}  // namespace

RecordBatchHeader read_header(std::span<const std::byte> data) {
  const std::byte* p = data.data();
  RecordBatchHeader h;
  h.base_offset = read_be<int64_t>(p + batch_field::base_offset);
  h.batch_length = read_be<int32_t>(p + batch_field::batch_length);
  h.partition_leader_epoch = read_be<int32_t>(p + batch_field::partition_leader_epoch);
  h.magic = read_be<int8_t>(p + batch_field::magic);
  h.crc = read_be<uint32_t>(p + batch_field::crc);
  h.attributes = read_be<int16_t>(p + batch_field::attributes);
  h.last_offset_delta = read_be<int32_t>(p + batch_field::last_offset_delta);
  h.base_timestamp = read_be<int64_t>(p + batch_field::base_timestamp);
  h.max_timestamp = read_be<int64_t>(p + batch_field::max_timestamp);
  h.producer_id = read_be<int64_t>(p + batch_field::producer_id);
  h.producer_epoch = read_be<int16_t>(p + batch_field::producer_epoch);
  h.base_sequence = read_be<int32_t>(p + batch_field::base_sequence);
  h.records_count = read_be<int32_t>(p + batch_field::records_count);
  return h;
}

BatchFrame read_frame(std::span<const std::byte> data) {
  return {read_be<int64_t>(data.data() + batch_field::base_offset),
          read_be<int32_t>(data.data() + batch_field::batch_length)};
}

std::optional<std::span<const std::byte>> next_batch(std::span<const std::byte>& rest) {
  if (rest.size() < kLogOverhead) return std::nullopt;
  const BatchFrame frame = read_frame(rest);
  if (frame.batch_length < 0 || static_cast<uint64_t>(frame.batch_length) > rest.size() - kLogOverhead)
    return std::nullopt;
  const auto batch = rest.first(kLogOverhead + static_cast<size_t>(frame.batch_length));
  rest = rest.subspan(batch.size());
  return batch;
}

Result<RecordBatchHeader> validate_batch(std::span<const std::byte> batch) {
  if (auto ec = check_frame(batch)) return fail(ec);
  RecordBatchHeader header = read_header(batch);
  if (compute_batch_crc(batch) != header.crc) return fail(Errc::crc_mismatch);
  return check_counts(header);
}

Result<RecordBatchHeader> read_checked_header(std::span<const std::byte> batch) {
  if (auto ec = check_frame(batch)) return fail(ec);
  return check_counts(read_header(batch));
}

uint32_t compute_batch_crc(std::span<const std::byte> batch) {
  return crc32c(batch.subspan(batch_field::attributes));
}

void set_base_offset(std::span<std::byte> batch, int64_t base_offset) {
  write_be<int64_t>(batch.data() + batch_field::base_offset, base_offset);
}

void set_partition_leader_epoch(std::span<std::byte> batch, int32_t epoch) {
  write_be<int32_t>(batch.data() + batch_field::partition_leader_epoch, epoch);
}

void set_log_append_time(std::span<std::byte> batch, int64_t timestamp) {
  auto attributes = read_be<int16_t>(batch.data() + batch_field::attributes);
  attributes = static_cast<int16_t>(attributes | batch_attribute::timestamp_type);
  write_be<int16_t>(batch.data() + batch_field::attributes, attributes);
  write_be<int64_t>(batch.data() + batch_field::max_timestamp, timestamp);
  write_be<uint32_t>(batch.data() + batch_field::crc, compute_batch_crc(batch));
}

}  // namespace runnel::protocol
