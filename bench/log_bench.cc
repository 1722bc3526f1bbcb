// log_bench: append and read throughput of one storage::Log.
//
//   log_bench --dir DIR [--batch-bytes N] [--appenders N] [--mode durable|page-cache]
//             [--total-mb N] [--json]
//
// Durable mode: each appender appends a batch and waits for flush_until() of
// it, so concurrent appenders share fsyncs (group commit), as produce requests
// with acks=1/all do in the broker. Page-cache mode: flush.messages is
// effectively infinite; nothing waits for the disk. After the appends, the
// whole log is read back sequentially with Log::read() in 1 MiB fetches.

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "protocol/record_batch_builder.h"
#include "storage/file_handle_cache.h"
#include "storage/log.h"

using namespace runnel;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string dir;
  size_t batch_bytes = 16384;
  int appenders = 64;
  bool durable = true;
  int64_t total_mb = 1024;
  bool json = false;
};

[[noreturn]] void usage(const char* error) {
  std::fprintf(stderr, "log_bench: %s\nusage: log_bench --dir DIR [--batch-bytes N] [--appenders N] "
                       "[--mode durable|page-cache] [--total-mb N] [--json]\n", error);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value for " + arg).c_str());
      return argv[++i];
    };
    if (arg == "--dir") o.dir = value();
    else if (arg == "--batch-bytes") o.batch_bytes = std::stoul(value());
    else if (arg == "--appenders") o.appenders = std::stoi(value());
    else if (arg == "--mode") {
      auto mode = value();
      if (mode != "durable" && mode != "page-cache") usage("--mode is durable or page-cache");
      o.durable = mode == "durable";
    } else if (arg == "--total-mb") o.total_mb = std::stoll(value());
    else if (arg == "--json") o.json = true;
    else usage(("unknown argument " + arg).c_str());
  }
  if (o.dir.empty()) usage("--dir is required");
  if (o.batch_bytes < 128 || o.appenders < 1 || o.total_mb < 1) usage("bad sizes");
  return o;
}

// One uncompressed batch of exactly batch_bytes: records of about 1 KiB
// (one smaller record below 2 KiB), the last one padded to fit.
std::vector<std::byte> make_batch(size_t batch_bytes) {
  const size_t count = std::max<size_t>(1, batch_bytes / 1024);
  std::vector<protocol::RecordInput> records(count);
  size_t value_bytes = (batch_bytes - protocol::kRecordBatchHeaderSize) / count;
  for (size_t i = 0; i < count; ++i) {
    records[i].value = std::vector<std::byte>(value_bytes, std::byte{'x'});
    records[i].timestamp = 1'700'000'000'000 + static_cast<int64_t>(i);
  }
  // Shrink the last value until the batch fits, then it is exact or a few bytes short.
  for (;;) {
    auto batch = protocol::build_record_batch(records, {});
    if (!batch) usage("cannot build batch");
    if (batch->size() <= batch_bytes || records.back().value->empty()) return *batch;
    records.back().value->resize(records.back().value->size() - std::min(batch->size() - batch_bytes, records.back().value->size()));
  }
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  std::filesystem::remove_all(o.dir + "/bench-0");
  storage::FileHandleCache files(storage::FileSystem::posix(), 64);
  storage::LogOpenOptions open;
  open.dir = o.dir + "/bench-0";
  open.fs = &storage::FileSystem::posix();
  open.files = &files;
  open.config.flush_interval_messages = o.durable ? 1 : std::numeric_limits<int64_t>::max();
  auto log = storage::Log::open(open);
  if (!log) usage(("cannot open log: " + log.error().message()).c_str());

  const auto prototype = make_batch(o.batch_bytes);
  const int64_t total_batches = o.total_mb * 1024 * 1024 / static_cast<int64_t>(prototype.size());
  std::atomic<int64_t> next{0};
  std::atomic<bool> failed{false};
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < o.appenders; ++t) {
    threads.emplace_back([&] {
      auto batch = prototype;
      while (next.fetch_add(1) < total_batches) {
        auto info = (*log)->append_as_leader(batch, 0, 0);
        if (!info || (o.durable && !(*log)->flush_until(info->last_offset + 1))) {
          failed = true;
          return;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const double append_seconds = seconds_since(start);
  if (failed) usage("an append failed");
  const double bytes = static_cast<double>(total_batches) * static_cast<double>(prototype.size());

  start = Clock::now();
  std::vector<std::byte> buffer;
  double read_bytes = 0;
  for (int64_t offset = 0; offset < (*log)->log_end_offset();) {
    auto range = (*log)->read(offset, 1 << 20, (*log)->log_end_offset());
    if (!range || range->empty()) usage("read failed");
    buffer.resize(range->size);
    auto n = range->file->read_at(range->position, buffer);
    if (!n) usage("read failed");
    read_bytes += static_cast<double>(*n);
    // The last batch of the range tells where the next read starts.
    size_t pos = 0, last = 0;
    while (pos < buffer.size()) {
      last = pos;
      pos += protocol::kLogOverhead + static_cast<size_t>(protocol::read_frame(std::span(buffer).subspan(pos)).batch_length);
    }
    offset = protocol::read_header(std::span(buffer).subspan(last)).last_offset() + 1;
  }
  const double read_seconds = seconds_since(start);

  const double mb = 1024.0 * 1024.0;
  if (o.json) {
    std::printf("{\"mode\":\"%s\",\"batch_bytes\":%zu,\"appenders\":%d,\"batches\":%lld,\"append_mb_per_s\":%.1f,"
                "\"append_batches_per_s\":%.0f,\"read_mb_per_s\":%.1f}\n",
                o.durable ? "durable" : "page-cache", prototype.size(), o.appenders,
                static_cast<long long>(total_batches), bytes / mb / append_seconds, total_batches / append_seconds,
                read_bytes / mb / read_seconds);
  } else {
    std::printf("%-10s batch %6zu B  appenders %3d  append %8.1f MB/s %9.0f batches/s  read %8.1f MB/s\n",
                o.durable ? "durable" : "page-cache", prototype.size(), o.appenders, bytes / mb / append_seconds,
                total_batches / append_seconds, read_bytes / mb / read_seconds);
  }
  (void)(*log)->close();
  std::filesystem::remove_all(o.dir + "/bench-0");
  return 0;
}
