// dump_log_fixture DIR: writes a real one-segment log with storage::Log into
// DIR/orders-0 for the `runnel dump-log` tests (dump_log_test.py), then
// closes it cleanly so the .index and .timeindex are on disk. The contents
// are fixed; dump_log_test.py states them as its expectations:
//  - five batches of 3 records, one per codec (none, gzip, snappy, lz4,
//    zstd): keys "k<i>", values "<codec>-<i>", timestamps
//    1700000000000 + 1000 * batch + i;
//  - one idempotent batch (producerId 42, producerEpoch 3, baseSequence 7)
//    of two records exercising null keys, binary values, control characters
//    and headers.
// index.interval.bytes is 1, so every batch after the first is indexed.

#include <cstdint>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "protocol/record_batch_builder.h"
#include "storage/file_handle_cache.h"
#include "storage/log.h"
#include "support/batches.h"

namespace {

using runnel::protocol::CompressionType;
using runnel::protocol::to_bytes;

constexpr int64_t kBaseTimestamp = 1700000000000;

std::vector<std::byte> idempotent_batch() {
  std::vector<runnel::protocol::RecordInput> records(2);
  records[0].key = std::nullopt;
  records[0].value = std::vector<std::byte>{std::byte{0x00}, std::byte{0xff}, std::byte{0x10}};
  records[0].timestamp = kBaseTimestamp + 5000;
  records[0].headers = {{"trace", to_bytes("abc")}, {"empty", std::nullopt}};
  records[1].key = to_bytes("say \"hi\"");
  records[1].value = to_bytes("line\nbreak");
  records[1].timestamp = kBaseTimestamp + 5001;
  runnel::protocol::BatchOptions options;
  options.producer_id = 42;
  options.producer_epoch = 3;
  options.base_sequence = 7;
  auto batch = runnel::protocol::build_record_batch(records, options);
  if (!batch) throw std::runtime_error("build_record_batch: " + batch.error().message());
  return std::move(*batch);
}

bool check(const runnel::Result<void>& r, const char* what) {
  if (!r) std::fprintf(stderr, "dump_log_fixture: %s: %s\n", what, r.error().message().c_str());
  return r.has_value();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: dump_log_fixture DIR\n");
    return 2;
  }
  auto& fs = runnel::storage::FileSystem::posix();
  runnel::storage::FileHandleCache files(fs, 16);
  runnel::storage::LogOpenOptions options;
  options.dir = std::string(argv[1]) + "/orders-0";
  options.config.index_interval_bytes = 1;
  options.fs = &fs;
  options.files = &files;
  auto log = runnel::storage::Log::open(options);
  if (!log) {
    std::fprintf(stderr, "dump_log_fixture: open %s: %s\n", options.dir.c_str(), log.error().message().c_str());
    return 1;
  }

  std::vector<std::vector<std::byte>> batches;
  const std::pair<const char*, CompressionType> codecs[] = {{"none", CompressionType::none},
                                                            {"gzip", CompressionType::gzip},
                                                            {"snappy", CompressionType::snappy},
                                                            {"lz4", CompressionType::lz4},
                                                            {"zstd", CompressionType::zstd}};
  int64_t timestamp = kBaseTimestamp;
  for (const auto& [name, codec] : codecs) {
    batches.push_back(runnel::test::make_batch(3, timestamp, name, 0, codec));
    timestamp += 1000;
  }
  batches.push_back(idempotent_batch());

  for (auto& batch : batches) {
    auto appended = (*log)->append_as_leader(batch, /*leader_epoch=*/0, kBaseTimestamp);
    if (!appended) {
      std::fprintf(stderr, "dump_log_fixture: append: %s\n", appended.error().message().c_str());
      return 1;
    }
  }
  return check((*log)->close(), "close") ? 0 : 1;
}
