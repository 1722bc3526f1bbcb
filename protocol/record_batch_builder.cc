#include "protocol/record_batch_builder.h"

#include <algorithm>
#include <limits>

#include "protocol/byte_order.h"
#include "protocol/compression.h"
#include "protocol/errc.h"
#include "protocol/varint.h"

namespace runnel::protocol {
namespace {

using Bytes = std::vector<std::byte>;

size_t nullable_size(const std::optional<Bytes>& b) {
  if (!b) return varint_size(-1);
  return varint_size(static_cast<int32_t>(b->size())) + b->size();
}

void write_nullable(Bytes& out, const std::optional<Bytes>& b) {
  if (!b) {
    write_varint(out, -1);
    return;
  }
  write_varint(out, static_cast<int32_t>(b->size()));
  out.insert(out.end(), b->begin(), b->end());
}

void write_record(Bytes& out, const RecordInput& record, int32_t offset_delta, int64_t base_timestamp) {
  int64_t timestamp_delta = record.timestamp - base_timestamp;
  size_t body = 1 + varlong_size(timestamp_delta) + varint_size(offset_delta) + nullable_size(record.key) +
                nullable_size(record.value) + varint_size(static_cast<int32_t>(record.headers.size()));
  for (const auto& [key, value] : record.headers) {
    body += varint_size(static_cast<int32_t>(key.size())) + key.size() + nullable_size(value);
  }
  write_varint(out, static_cast<int32_t>(body));
  out.push_back(std::byte{0});  // attributes
  write_varlong(out, timestamp_delta);
  write_varint(out, offset_delta);
  write_nullable(out, record.key);
  write_nullable(out, record.value);
  write_varint(out, static_cast<int32_t>(record.headers.size()));
  for (const auto& [key, value] : record.headers) {
    write_varint(out, static_cast<int32_t>(key.size()));
    const auto* k = reinterpret_cast<const std::byte*>(key.data());
    out.insert(out.end(), k, k + key.size());
    write_nullable(out, value);
  }
}

int16_t attributes_of(const BatchOptions& options) {
  int16_t a = static_cast<int16_t>(options.compression) & batch_attribute::compression_mask;
  if (options.timestamp_type == TimestampType::log_append_time) a |= batch_attribute::timestamp_type;
  if (options.transactional) a |= batch_attribute::transactional;
  if (options.control) a |= batch_attribute::control;
  return a;
}

}  // namespace

Result<std::vector<std::byte>> build_record_batch(std::span<const RecordInput> records, const BatchOptions& options) {
  int64_t base_timestamp = records.empty() ? -1 : records.front().timestamp;
  int64_t max_timestamp = base_timestamp;
  int32_t max_offset_delta = 0;
  Bytes body;
  for (size_t i = 0; i < records.size(); ++i) {
    const RecordInput& record = records[i];
    int32_t offset_delta = record.offset_delta >= 0 ? record.offset_delta : static_cast<int32_t>(i);
    max_offset_delta = std::max(max_offset_delta, offset_delta);
    max_timestamp = std::max(max_timestamp, record.timestamp);
    write_record(body, record, offset_delta, base_timestamp);
  }
  if (options.compression != CompressionType::none) {
    auto compressed = compress(options.compression, body);
    if (!compressed) return fail(compressed.error());
    body = std::move(*compressed);
  }
  size_t batch_length = kRecordBatchHeaderSize - kLogOverhead + body.size();
  if (batch_length > static_cast<size_t>(std::numeric_limits<int32_t>::max())) return fail(Errc::too_large);

  Bytes batch(kRecordBatchHeaderSize);
  std::byte* p = batch.data();
  write_be<int64_t>(p + batch_field::base_offset, options.base_offset);
  write_be<int32_t>(p + batch_field::batch_length, static_cast<int32_t>(batch_length));
  write_be<int32_t>(p + batch_field::partition_leader_epoch, options.partition_leader_epoch);
  write_be<int8_t>(p + batch_field::magic, kMagicV2);
  write_be<int16_t>(p + batch_field::attributes, attributes_of(options));
  write_be<int32_t>(p + batch_field::last_offset_delta,
                    options.last_offset_delta >= 0 ? options.last_offset_delta : max_offset_delta);
  write_be<int64_t>(p + batch_field::base_timestamp, base_timestamp);
  write_be<int64_t>(p + batch_field::max_timestamp, max_timestamp);
  write_be<int64_t>(p + batch_field::producer_id, options.producer_id);
  write_be<int16_t>(p + batch_field::producer_epoch, options.producer_epoch);
  write_be<int32_t>(p + batch_field::base_sequence, options.base_sequence);
  write_be<int32_t>(p + batch_field::records_count, static_cast<int32_t>(records.size()));
  batch.insert(batch.end(), body.begin(), body.end());
  write_be<uint32_t>(batch.data() + batch_field::crc, compute_batch_crc(batch));
  return batch;
}

std::vector<std::byte> to_bytes(std::string_view s) {
  const auto* p = reinterpret_cast<const std::byte*>(s.data());
  return {p, p + s.size()};
}

}  // namespace runnel::protocol
