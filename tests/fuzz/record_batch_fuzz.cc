// record_batch_fuzz: one v2 record batch as a producer sends it (the records
// field of a Produce partition).
//
//  1. validate_batch on the bytes as given; a batch it accepts must also pass
//     read_checked_header with the same header.
//  2. The same bytes with their CRC recomputed (so that mutations reach the
//     code behind the CRC): validate_batch, then read_batch_records with a
//     1 MiB decompression bound, as the broker would read a produced batch.
//     Decoded records must point inside the batch or the scratch buffer.
//  3. The bytes after the 61-byte header (all of them if shorter), handed to
//     every codec's decompress with the same bound. Whatever decompresses is
//     compressed again and must come back identical, and the bound must be
//     exact: the original size passes, one byte less is Errc::too_large.
//  4. The whole input as a __consumer_offsets key and as each kind of value
//     (protocol/offsets_topic.h): what decodes encodes at the written version
//     and decodes again to the same thing (less a v1 expire timestamp).

#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "protocol/compression.h"
#include "protocol/errc.h"
#include "protocol/offsets_topic.h"
#include "protocol/record.h"
#include "protocol/record_batch.h"

namespace runnel::fuzz {
namespace {

using protocol::CompressionType;

constexpr size_t kMaxDecompressed = size_t{1} << 20;

bool inside(std::span<const std::byte> part, std::span<const std::byte> whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

bool same_header(const protocol::RecordBatchHeader& a, const protocol::RecordBatchHeader& b) {
  return a.base_offset == b.base_offset && a.batch_length == b.batch_length &&
         a.partition_leader_epoch == b.partition_leader_epoch && a.magic == b.magic && a.crc == b.crc &&
         a.attributes == b.attributes && a.last_offset_delta == b.last_offset_delta &&
         a.base_timestamp == b.base_timestamp && a.max_timestamp == b.max_timestamp &&
         a.producer_id == b.producer_id && a.producer_epoch == b.producer_epoch &&
         a.base_sequence == b.base_sequence && a.records_count == b.records_count;
}

// Sums every byte of the records (so that ASan sees each one read) and checks
// that each view points into the batch or the decompressed scratch buffer.
uint64_t touch_records(const std::vector<protocol::Record>& records, std::span<const std::byte> batch,
                       std::span<const std::byte> scratch, CompressionType codec) {
  const auto owner = codec == CompressionType::none ? batch : scratch;
  uint64_t sum = 0;
  auto touch = [&](std::span<const std::byte> bytes) {
    FUZZ_CHECK(inside(bytes, owner));
    for (std::byte b : bytes) sum += static_cast<uint8_t>(b);
  };
  for (const auto& record : records) {
    if (record.key) touch(*record.key);
    if (record.value) touch(*record.value);
    for (const auto& header : record.headers) {
      touch(std::as_bytes(std::span(header.key)));
      if (header.value) touch(*header.value);
    }
  }
  return sum;
}

void check_batch(std::span<const std::byte> input) {
  auto header = protocol::validate_batch(input);
  if (header) {
    auto checked = protocol::read_checked_header(input);
    FUZZ_CHECK(checked && same_header(*checked, *header));
    FUZZ_CHECK(header->total_size() == static_cast<int64_t>(input.size()));
  }

  std::vector<std::byte> stamped(input.begin(), input.end());
  stamp_crcs(stamped);
  auto stamped_header = protocol::validate_batch(stamped);
  if (header) FUZZ_CHECK(stamped_header && same_header(*stamped_header, *header));
  if (!stamped_header) return;

  std::vector<std::byte> scratch;
  auto records = protocol::read_batch_records(stamped, scratch, kMaxDecompressed);
  if (!records) return;
  FUZZ_CHECK(records->size() == static_cast<size_t>(stamped_header->records_count));
  FUZZ_CHECK(scratch.size() <= kMaxDecompressed);
  (void)touch_records(*records, stamped, scratch, stamped_header->compression());
}

void check_codec(CompressionType codec, std::span<const std::byte> input) {
  auto plain = protocol::decompress(codec, input, kMaxDecompressed);
  if (!plain) {
    FUZZ_CHECK(plain.error() == protocol::Errc::decompression_failed || plain.error() == protocol::Errc::too_large);
    return;
  }
  FUZZ_CHECK(plain->size() <= kMaxDecompressed);

  auto compressed = protocol::compress(codec, *plain);
  FUZZ_CHECK(compressed);
  auto again = protocol::decompress(codec, *compressed, plain->size());
  FUZZ_CHECK(again && *again == *plain);
  if (!plain->empty()) {
    auto short_by_one = protocol::decompress(codec, *compressed, plain->size() - 1);
    FUZZ_CHECK(!short_by_one && short_by_one.error() == protocol::Errc::too_large);
  }
}

void check_offsets_topic(std::span<const std::byte> input) {
  namespace ot = protocol::offsets_topic;
  if (auto key = ot::decode_key(input)) {
    auto again = ot::decode_key(std::visit([](const auto& k) { return ot::encode_key(k); }, *key));
    FUZZ_CHECK(again && *again == *key);
  }
  if (auto value = ot::decode_offset_commit_value(input)) {
    value->expire_timestamp = -1;
    FUZZ_CHECK(ot::decode_offset_commit_value(ot::encode_value(*value)) == *value);
  }
  if (auto value = ot::decode_group_metadata_value(input))
    FUZZ_CHECK(ot::decode_group_metadata_value(ot::encode_value(*value)) == *value);
}

}  // namespace
}  // namespace runnel::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace runnel;
  const auto input = fuzz::as_bytes(data, size);
  fuzz::check_batch(input);
  const auto payload = size > protocol::kRecordBatchHeaderSize ? input.subspan(protocol::kRecordBatchHeaderSize) : input;
  for (auto codec : {protocol::CompressionType::gzip, protocol::CompressionType::snappy, protocol::CompressionType::lz4,
                     protocol::CompressionType::zstd})
    fuzz::check_codec(codec, payload);
  fuzz::check_offsets_topic(input);
  return 0;
}
