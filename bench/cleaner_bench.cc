// cleaner_bench: throughput and memory of the log cleaner, and what a running
// cleaner costs appends to the same log.
//
//   cleaner_bench --dir DIR [--records N] [--keys K] [--value-bytes B]
//                 [--batch-records R] [--codec none|lz4|zstd] [--dedupe-buffer BYTES]
//
// 1. idle appends: N keyed records (keys uniform over K, values of B bytes)
//    in batches of R, page-cache mode, into a log of 64 MiB segments;
// 2. one cleaner pass over the sealed segments: MB/s read, MB/s written, key
//    map bytes, peak RSS growth;
// 3. the same appends again while a thread keeps cleaning the log (a pass
//    whenever there is a sealed dirty segment): append MB/s beside step 1.

#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "protocol/record_batch_builder.h"
#include "storage/file_handle_cache.h"
#include "storage/log.h"
#include "storage/log_cleaner.h"

using namespace runnel;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string dir;
  int64_t records = 1'000'000;
  int64_t keys = 100'000;
  size_t value_bytes = 100;
  int batch_records = 100;
  protocol::CompressionType codec = protocol::CompressionType::none;
  uint64_t dedupe_buffer = 128u << 20;
};

[[noreturn]] void usage(const char* error) {
  std::fprintf(stderr,
               "cleaner_bench: %s\nusage: cleaner_bench --dir DIR [--records N] [--keys K] [--value-bytes B] "
               "[--batch-records R] [--codec none|lz4|zstd] [--dedupe-buffer BYTES]\n",
               error);
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
    try {
      if (arg == "--dir") o.dir = value();
      else if (arg == "--records") o.records = std::stoll(value());
      else if (arg == "--keys") o.keys = std::stoll(value());
      else if (arg == "--value-bytes") o.value_bytes = std::stoul(value());
      else if (arg == "--batch-records") o.batch_records = std::stoi(value());
      else if (arg == "--dedupe-buffer") o.dedupe_buffer = std::stoull(value());
      else if (arg == "--codec") {
        auto codec = value();
        if (codec == "none") o.codec = protocol::CompressionType::none;
        else if (codec == "lz4") o.codec = protocol::CompressionType::lz4;
        else if (codec == "zstd") o.codec = protocol::CompressionType::zstd;
        else usage("--codec is none, lz4 or zstd");
      } else usage(("unknown argument " + arg).c_str());
    } catch (const std::logic_error&) {
      usage(("bad number for " + arg).c_str());
    }
  }
  if (o.dir.empty()) usage("--dir is required");
  if (o.records < 1 || o.keys < 1 || o.batch_records < 1) usage("counts must be positive");
  return o;
}

long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Appends o.records keyed records; returns the bytes appended.
uint64_t append_records(storage::Log& log, const Options& o, std::mt19937_64& rng) {
  uint64_t bytes = 0;
  const std::vector<std::byte> value(o.value_bytes, std::byte{'v'});
  for (int64_t written = 0; written < o.records;) {
    std::vector<protocol::RecordInput> records;
    for (int i = 0; i < o.batch_records && written < o.records; ++i, ++written) {
      protocol::RecordInput r;
      r.key = protocol::to_bytes("key-" + std::to_string(rng() % static_cast<uint64_t>(o.keys)));
      r.value = value;
      r.timestamp = 1'700'000'000'000 + written;
      records.push_back(std::move(r));
    }
    protocol::BatchOptions options;
    options.compression = o.codec;
    auto batch = protocol::build_record_batch(records, options);
    if (!batch) throw std::runtime_error("build_record_batch: " + batch.error().message());
    bytes += batch->size();
    if (auto r = log.append_as_leader(*batch, 0, 0); !r) throw std::runtime_error("append: " + r.error().message());
  }
  return bytes;
}

// Seals the active segment so the cleaner may take everything written so far.
void roll(storage::Log& log) {
  auto config = log.config();
  const auto saved = config.segment_ms;
  config.segment_ms = -1;
  log.set_config(config);
  protocol::RecordInput r;
  r.key = protocol::to_bytes("roll");
  r.value = protocol::to_bytes("roll");
  auto batch = protocol::build_record_batch(std::vector{r}, protocol::BatchOptions{});
  if (!batch || !log.append_as_leader(*batch, 0, 1)) throw std::runtime_error("roll failed");
  config.segment_ms = saved;
  log.set_config(config);
  if (!log.flush()) throw std::runtime_error("flush failed");
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const std::string dir = o.dir + "/cleaner-bench-0";
  std::filesystem::remove_all(dir);
  storage::FileHandleCache files(storage::FileSystem::posix(), 256);
  storage::LogOpenOptions open;
  open.dir = dir;
  open.fs = &storage::FileSystem::posix();
  open.files = &files;
  open.config.segment_bytes = 64 << 20;
  open.config.cleanup_compact = true;
  open.config.cleanup_delete = false;
  open.config.flush_interval_messages = INT64_MAX;
  auto log = storage::Log::open(open);
  if (!log) {
    std::fprintf(stderr, "cleaner_bench: cannot open %s: %s\n", dir.c_str(), log.error().message().c_str());
    return 1;
  }
  std::mt19937_64 rng(1);

  auto start = Clock::now();
  const uint64_t idle_bytes = append_records(**log, o, rng);
  const double idle_s = seconds_since(start);
  roll(**log);
  std::printf("idle appends: %lld records, %.1f MB in %.2f s: %.1f MB/s\n", static_cast<long long>(o.records),
              idle_bytes / 1e6, idle_s, idle_bytes / 1e6 / idle_s);

  const long rss_before = peak_rss_kib();
  storage::LogCleaner cleaner(storage::CleanerConfig{o.dedupe_buffer});
  start = Clock::now();
  auto stats = cleaner.clean(**log, 1'800'000'000'000, (*log)->log_end_offset());
  const double clean_s = seconds_since(start);
  if (!stats) {
    std::fprintf(stderr, "cleaner_bench: clean failed: %s\n", stats.error().message().c_str());
    return 1;
  }
  std::printf("cleaner pass: read %.1f MB, wrote %.1f MB, %lld of %lld records removed, %zu keys (map %.1f MB) "
              "in %.2f s: %.1f MB/s read; peak RSS +%.1f MB\n",
              stats->bytes_read / 1e6, stats->bytes_written / 1e6, static_cast<long long>(stats->records_removed),
              static_cast<long long>(stats->records_read), stats->map_entries, stats->map_bytes / 1e6, clean_s,
              stats->bytes_read / 1e6 / clean_s, (peak_rss_kib() - rss_before) / 1024.0);

  // Appends while the cleaner works: smaller segments so that it has work throughout.
  auto config = (*log)->config();
  config.segment_bytes = 8 << 20;
  (*log)->set_config(config);
  std::atomic<bool> done{false};
  std::atomic<int> passes{0};
  std::thread background([&] {
    while (!done) {
      (void)(*log)->flush();
      auto s = cleaner.clean(**log, 1'800'000'000'000, (*log)->log_end_offset(), &done);
      if (s && s->map_end > s->first_dirty) ++passes;
      else std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  start = Clock::now();
  const uint64_t busy_bytes = append_records(**log, o, rng);
  const double busy_s = seconds_since(start);
  done = true;
  background.join();
  std::printf("appends while cleaning: %.1f MB in %.2f s: %.1f MB/s (%.0f%% of idle), %d cleaner pass(es) meanwhile\n",
              busy_bytes / 1e6, busy_s, busy_bytes / 1e6 / busy_s, 100.0 * (busy_bytes / busy_s) / (idle_bytes / idle_s), passes.load());
  (void)(*log)->close();
  log->reset();
  std::filesystem::remove_all(dir);
  return 0;
}
