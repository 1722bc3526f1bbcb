// Dump of a .log segment: record batches v2 (protocol/record_batch.h), each
// framed by base_offset i64 | batch_length i32.

#include <array>
#include <limits>
#include <string>
#include <vector>

#include "protocol/byte_order.h"
#include "protocol/record.h"
#include "protocol/record_batch.h"
#include "tools/dump_log_files.h"

namespace runnel::tools {
namespace {

using protocol::RecordBatchHeader;

constexpr int32_t kMinBatchLength = static_cast<int32_t>(protocol::kRecordBatchHeaderSize - protocol::kLogOverhead);

std::string_view codec_name(protocol::CompressionType codec) {
  switch (codec) {
    case protocol::CompressionType::none: return "none";
    case protocol::CompressionType::gzip: return "gzip";
    case protocol::CompressionType::snappy: return "snappy";
    case protocol::CompressionType::lz4: return "lz4";
    case protocol::CompressionType::zstd: return "zstd";
  }
  return "unknown";
}

// The sequence number `increment` after `sequence`, wrapping past INT32_MAX
// to 0 as producers do (Kafka's DefaultRecordBatch.incrementSequence).
int32_t increment_sequence(int32_t sequence, int32_t increment) {
  if (sequence < 0) return -1;
  if (sequence > std::numeric_limits<int32_t>::max() - increment)
    return increment - (std::numeric_limits<int32_t>::max() - sequence) - 1;
  return sequence + increment;
}

// A control record's key is version i16 | type i16 (0 = ABORT, 1 = COMMIT);
// an end-transaction marker's value is version i16 | coordinator_epoch i32.
void print_control_record(Formatter& out, const protocol::Record& record) {
  if (!record.key || record.key->size() < 4) {
    out.string("controlType", "unknown");
    return;
  }
  auto type = protocol::read_be<int16_t>(record.key->data() + 2);
  if (type != 0 && type != 1) {
    out.number("controlType", type);
    return;
  }
  out.string("endTxnMarker", type == 1 ? "COMMIT" : "ABORT");
  if (record.value && record.value->size() >= 6)
    out.number("coordinatorEpoch", protocol::read_be<int32_t>(record.value->data() + 2));
}

void print_record(Formatter& out, const RecordBatchHeader& h, const protocol::Record& record) {
  const int64_t timestamp = h.timestamp_type() == protocol::TimestampType::log_append_time
                                ? h.max_timestamp
                                : h.base_timestamp + record.timestamp_delta;
  out.begin_record();
  out.number("offset", h.base_offset + record.offset_delta);
  out.timestamp(h.timestamp_type(), "timestamp", timestamp);
  out.number("keySize", record.key ? static_cast<int64_t>(record.key->size()) : -1);
  out.number("valueSize", record.value ? static_cast<int64_t>(record.value->size()) : -1);
  out.number("sequence", increment_sequence(h.base_sequence, record.offset_delta));
  out.headers(record.headers);
  if (h.is_control()) {
    print_control_record(out, record);
  } else {
    out.bytes("key", record.key);
    out.bytes("payload", record.value);
  }
  out.end_record();
}

// Field names and order as kafka-dump-log.sh prints them.
void print_batch(Formatter& out, const RecordBatchHeader& h, uint64_t position, std::error_code invalid) {
  out.number("baseOffset", h.base_offset);
  out.number("lastOffset", h.last_offset());
  out.number("count", h.records_count);
  out.number("baseSequence", h.base_sequence);
  out.number("lastSequence", increment_sequence(h.base_sequence, h.last_offset_delta));
  out.number("producerId", h.producer_id);
  out.number("producerEpoch", h.producer_epoch);
  out.number("partitionLeaderEpoch", h.partition_leader_epoch);
  out.boolean("isTransactional", h.is_transactional());
  out.boolean("isControl", h.is_control());
  out.number("position", static_cast<int64_t>(position));
  out.timestamp(h.timestamp_type(), "maxTimestamp", h.max_timestamp);
  out.number("size", h.total_size());
  out.number("magic", h.magic);
  out.string("compresscodec", codec_name(h.compression()));
  out.number("crc", h.crc);
  out.boolean("isvalid", !invalid);
  if (invalid) out.string("error", invalid.message());
}

void print_records(Formatter& out, const RecordBatchHeader& h, std::span<const std::byte> batch,
                   std::vector<std::byte>& scratch) {
  auto records = protocol::read_batch_records(batch, scratch);
  if (!records) {
    out.string("recordsError", records.error().message());
    return;
  }
  out.begin_records();
  for (const auto& record : *records) print_record(out, h, record);
  out.end_records();
}

}  // namespace

Result<void> dump_log_segment(const storage::File& file, bool print_data_log, Formatter& out) {
  auto size = file.size();
  if (!size) return fail(size.error());
  std::vector<std::byte> batch;
  std::vector<std::byte> scratch;
  for (uint64_t position = 0; position < *size;) {
    const uint64_t remaining = *size - position;
    auto stop = [&](const std::string& reason) {
      out.validation_stopped(position, remaining, reason);
      return Result<void>{};
    };
    if (remaining < protocol::kLogOverhead) return stop("too short for a batch's offset and length");
    std::array<std::byte, protocol::kLogOverhead> frame_bytes;
    if (auto r = storage::read_exact(file, position, frame_bytes); !r) return r;
    const auto frame = protocol::read_frame(frame_bytes);
    if (frame.batch_length < kMinBatchLength)
      return stop("batchLength " + std::to_string(frame.batch_length) + " is below the minimum " +
                  std::to_string(kMinBatchLength));
    const uint64_t batch_size = uint64_t(frame.batch_length) + protocol::kLogOverhead;
    if (batch_size > remaining)
      return stop("batch of " + std::to_string(batch_size) + " bytes runs past the end of the file");

    batch.resize(batch_size);
    if (auto r = storage::read_exact(file, position, batch); !r) return r;
    const RecordBatchHeader header = protocol::read_header(batch);
    if (header.magic != protocol::kMagicV2) return stop("magic " + std::to_string(header.magic) + " is not 2");

    auto valid = protocol::validate_batch(batch);
    out.begin_line();
    print_batch(out, header, position, valid ? std::error_code{} : valid.error());
    if (print_data_log) print_records(out, header, batch, scratch);
    out.end_line();
    position += batch_size;
  }
  return {};
}

}  // namespace runnel::tools
