// log_append_fuzz: bytes handed to a storage::Log as appends, on an in-memory
// file system (memory_fs.h), with small segments and a sparse index so that
// rolls and index entries happen within a few appends.
//
// Per input, a fresh log that already holds one 3-record batch receives:
//  1. append_as_leader of the input, then of the input with its CRCs
//     recomputed (so that mutations reach the checks behind the CRC);
//  2. append_with_offsets of the same two variants.
// After each call: a refusal leaves the log end offset, size and contents
// unchanged; an acceptance moves the end offset to one past the last offset
// appended, and the batch reads back as it was accepted (for the leader,
// with its base offset and epoch rewritten). Every read returns whole valid
// batches with increasing offsets. Finally the log is dropped without
// close() (a crash) and reopened: recovery must keep every byte.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "fuzz/memory_fs.h"
#include "protocol/record_batch.h"
#include "protocol/record_batch_builder.h"
#include "storage/file_handle_cache.h"
#include "storage/log.h"

namespace runnel::fuzz {
namespace {

constexpr const char* kDir = "/data/topic-0";
constexpr int64_t kNowMs = 1'700'000'000'000;
constexpr int32_t kLeaderEpoch = 7;

storage::LogConfig fuzz_config() {
  storage::LogConfig config;
  config.segment_bytes = 1024;
  config.index_interval_bytes = 64;
  config.segment_index_bytes = 256;
  config.max_message_bytes = 3000;
  config.flush_interval_messages = 1'000'000;
  return config;
}

const std::vector<std::byte>& first_batch() {
  static const auto batch = [] {
    std::vector<protocol::RecordInput> records(3);
    for (int i = 0; i < 3; ++i) {
      records[i].key = protocol::to_bytes("k" + std::to_string(i));
      records[i].value = protocol::to_bytes("first-" + std::to_string(i));
      records[i].timestamp = kNowMs + i;
    }
    auto built = protocol::build_record_batch(records, {});
    FUZZ_CHECK(built);
    return *built;
  }();
  return batch;
}

std::unique_ptr<storage::Log> open_log(MemoryFileSystem& fs, storage::FileHandleCache& files) {
  storage::LogOpenOptions options;
  options.dir = kDir;
  options.config = fuzz_config();
  options.fs = &fs;
  options.files = &files;
  auto log = storage::Log::open(options);
  FUZZ_CHECK(log);
  return std::move(*log);
}

// The bytes of every batch from the one holding `offset` to the log end,
// checking that reads return whole valid batches with increasing offsets.
std::vector<std::byte> read_from(const storage::Log& log, int64_t offset) {
  std::vector<std::byte> out;
  const int64_t end = log.log_end_offset();
  while (offset < end) {
    auto range = log.read(offset, 1 << 20, end);
    FUZZ_CHECK(range);
    FUZZ_CHECK(!range->empty());
    auto bytes = range->read_all();
    FUZZ_CHECK(bytes && bytes->size() == range->size);
    std::span<const std::byte> rest(*bytes);
    int64_t next = offset;
    while (!rest.empty()) {
      FUZZ_CHECK(rest.size() >= protocol::kRecordBatchHeaderSize);
      const auto frame = protocol::read_frame(rest);
      FUZZ_CHECK(frame.batch_length >= 0 &&
                 static_cast<size_t>(frame.batch_length) <= rest.size() - protocol::kLogOverhead);
      auto header = protocol::validate_batch(rest.first(protocol::kLogOverhead + static_cast<size_t>(frame.batch_length)));
      FUZZ_CHECK(header);
      FUZZ_CHECK(header->last_offset() >= next);
      next = header->last_offset() + 1;
      rest = rest.subspan(static_cast<size_t>(header->total_size()));
    }
    FUZZ_CHECK(next > offset);
    out.insert(out.end(), bytes->begin(), bytes->end());
    offset = next;
  }
  return out;
}

struct Snapshot {
  int64_t log_end_offset;
  int64_t size_bytes;
  std::vector<std::byte> contents;
  bool operator==(const Snapshot&) const = default;
};

Snapshot snapshot(const storage::Log& log) {
  return {log.log_end_offset(), log.size_bytes(), read_from(log, log.log_start_offset())};
}

// Checks the outcome of an append of `appended` (as the log holds it on success).
void check_append(const storage::Log& log, const Snapshot& before, const Result<storage::AppendInfo>& info,
                  std::span<const std::byte> appended) {
  if (!info || info->duplicate) {
    // Refused, or an idempotent producer's retry answered with the offsets
    // already in the log: nothing is written.
    FUZZ_CHECK(snapshot(log) == before);
    if (info) FUZZ_CHECK(info->first_offset <= info->last_offset && info->last_offset < before.log_end_offset);
    return;
  }
  FUZZ_CHECK(info->first_offset >= before.log_end_offset);
  FUZZ_CHECK(info->last_offset >= info->first_offset);
  FUZZ_CHECK(log.log_end_offset() == info->last_offset + 1);
  FUZZ_CHECK(log.size_bytes() == before.size_bytes + static_cast<int64_t>(appended.size()));
  auto after = snapshot(log);
  FUZZ_CHECK(after.contents.size() == before.contents.size() + appended.size());
  FUZZ_CHECK(std::equal(before.contents.begin(), before.contents.end(), after.contents.begin()));
  FUZZ_CHECK(std::equal(appended.begin(), appended.end(), after.contents.begin() + before.contents.size()));
}

void append_as_leader(storage::Log& log, std::span<const std::byte> input) {
  const Snapshot before = snapshot(log);
  std::vector<std::byte> batch(input.begin(), input.end());
  auto info = log.append_as_leader(batch, kLeaderEpoch, kNowMs);
  if (info && !info->duplicate) {
    auto header = protocol::read_header(batch);
    FUZZ_CHECK(info->first_offset == before.log_end_offset && header.base_offset == info->first_offset);
    FUZZ_CHECK(header.partition_leader_epoch == kLeaderEpoch);
    FUZZ_CHECK(info->record_count == header.records_count);
  }
  check_append(log, before, info, batch);
}

void append_with_offsets(storage::Log& log, std::span<const std::byte> input) {
  const Snapshot before = snapshot(log);
  auto info = log.append_with_offsets(input, kNowMs);
  if (info) FUZZ_CHECK(info->bytes == static_cast<int64_t>(input.size()));
  check_append(log, before, info, input);
}

}  // namespace
}  // namespace runnel::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace runnel;
  const auto input = fuzz::as_bytes(data, size);
  std::vector<std::byte> stamped(input.begin(), input.end());
  fuzz::stamp_crcs(stamped);

  fuzz::MemoryFileSystem fs;
  storage::FileHandleCache files(fs, 16);
  fuzz::Snapshot written;
  {
    auto log = fuzz::open_log(fs, files);
    auto first = fuzz::first_batch();
    FUZZ_CHECK(log->append_as_leader(first, 0, fuzz::kNowMs));
    fuzz::append_as_leader(*log, input);
    fuzz::append_as_leader(*log, stamped);
    fuzz::append_with_offsets(*log, input);
    fuzz::append_with_offsets(*log, stamped);
    written = fuzz::snapshot(*log);
  }  // dropped without close(): a crash, with every byte still in the files
  files.forget_prefix(fuzz::kDir);
  auto reopened = fuzz::open_log(fs, files);
  FUZZ_CHECK(fuzz::snapshot(*reopened) == written);
  return 0;
}
