// LogManager: many partitions under a bounded number of open files, lazy
// opening, placement across log dirs, checkpoints and clean shutdown.

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "protocol/record.h"
#include "protocol/record_batch.h"
#include "storage/errc.h"
#include "storage/log_manager.h"
#include "storage/offset_checkpoint.h"
#include "support/batches.h"
#include "support/temp_dir.h"

using runnel::storage::FileSystem;
using runnel::storage::Log;
using runnel::storage::LogConfig;
using runnel::storage::LogManager;
using runnel::storage::LogManagerOptions;
using runnel::storage::OffsetMap;
using runnel::storage::TopicPartition;
namespace storage = runnel::storage;
namespace protocol = runnel::protocol;

namespace {

using Bytes = std::vector<std::byte>;
constexpr int64_t kNowMs = 1'700'000'000'000;

LogConfig tiny_config() {
  LogConfig config;
  config.segment_bytes = 64 * 1024;
  config.index_interval_bytes = 512;
  config.segment_index_bytes = 4096;
  return config;
}

LogManagerOptions options_for(std::vector<std::string> dirs, size_t max_open_files) {
  LogManagerOptions options;
  options.log_dirs = std::move(dirs);
  options.default_config = tiny_config();
  options.max_open_files = max_open_files;
  return options;
}

std::unique_ptr<LogManager> open_manager(const LogManagerOptions& options) {
  auto manager = LogManager::open(options);
  REQUIRE(manager);
  return std::move(*manager);
}

std::shared_ptr<Log> get_or_create(LogManager& manager, const TopicPartition& tp, const LogConfig& config = tiny_config()) {
  auto log = manager.get_or_create(tp, config);
  REQUIRE(log);
  REQUIRE(*log);
  return *log;
}

std::shared_ptr<Log> get_existing(LogManager& manager, const TopicPartition& tp) {
  auto log = manager.get(tp);
  REQUIRE(log);
  REQUIRE(*log);
  return *log;
}

// Appends a fresh batch of `count` records tagged `tag`; returns its bytes as
// stored (base offset and leader epoch written in by the log).
Bytes append(Log& log, int count, const std::string& tag, int32_t leader_epoch = 0) {
  Bytes batch = runnel::test::make_batch(count, kNowMs, tag);
  auto info = log.append_as_leader(batch, leader_epoch, kNowMs);
  REQUIRE(info);
  REQUIRE(info->record_count == count);
  return batch;
}

// Every byte from `offset` to the log end (all tests here fit one segment).
Bytes read_from(const Log& log, int64_t offset) {
  auto range = log.read(offset, 1 << 20, log.log_end_offset());
  REQUIRE(range);
  auto bytes = range->read_all();
  REQUIRE(bytes);
  return *bytes;
}

// The record values of concatenated batches, each batch validated first.
std::vector<std::string> record_values(std::span<const std::byte> batches) {
  std::vector<std::string> values;
  while (!batches.empty()) {
    REQUIRE(batches.size() >= protocol::kLogOverhead);
    auto frame = protocol::read_frame(batches);
    const size_t size = protocol::kLogOverhead + static_cast<size_t>(frame.batch_length);
    REQUIRE(size <= batches.size());
    auto batch = batches.first(size);
    REQUIRE(protocol::validate_batch(batch));
    Bytes scratch;
    auto records = protocol::read_batch_records(batch, scratch);
    REQUIRE(records);
    for (const auto& record : *records) {
      REQUIRE(record.value);
      values.emplace_back(reinterpret_cast<const char*>(record.value->data()), record.value->size());
    }
    batches = batches.subspan(size);
  }
  return values;
}

size_t open_descriptor_count() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

bool exists(const std::string& path) { return std::filesystem::exists(path); }

OffsetMap read_checkpoint(const std::string& path) {
  auto offsets = storage::read_offset_checkpoint(FileSystem::posix(), path);
  REQUIRE(offsets);
  return *offsets;
}

// Corruption helper: appends `n` bytes of junk to a file, as a torn write would.
void append_garbage(const std::string& path, size_t n) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  for (size_t i = 0; i < n; ++i) out.put(static_cast<char>(0xA5 ^ i));
}

std::string segment_log_path(const std::string& log_dir, const TopicPartition& tp) {
  return log_dir + "/" + tp.dir_name() + "/00000000000000000000.log";
}

// The real file system with sync() and sync_directory() as no-ops: for tests
// about descriptor and memory bounds, where fsync latency (about 2 ms a call
// on a VM disk, 5 calls per new partition) would dominate and durability is
// not what is being checked. Descriptors are still real ones.
class NoSyncFileSystem final : public FileSystem {
 public:
  runnel::Result<std::shared_ptr<storage::File>> open(const std::string& path, storage::OpenMode mode) override {
    auto file = real_.open(path, mode);
    if (!file) return file;
    return std::shared_ptr<storage::File>(std::make_shared<NoSyncFile>(std::move(*file)));
  }
  runnel::Result<void> rename(const std::string& from, const std::string& to) override {
    return real_.rename(from, to);
  }
  runnel::Result<void> remove(const std::string& path) override { return real_.remove(path); }
  runnel::Result<void> remove_all(const std::string& dir) override { return real_.remove_all(dir); }
  runnel::Result<void> create_directories(const std::string& dir) override { return real_.create_directories(dir); }
  runnel::Result<void> sync_directory(const std::string&) override { return {}; }
  runnel::Result<std::vector<std::string>> list(const std::string& dir) override { return real_.list(dir); }
  bool exists(const std::string& path) override { return real_.exists(path); }

 private:
  class NoSyncFile final : public storage::File {
   public:
    explicit NoSyncFile(std::shared_ptr<storage::File> inner) : inner_(std::move(inner)) {}
    runnel::Result<size_t> read_at(uint64_t position, std::span<std::byte> out) const override {
      return inner_->read_at(position, out);
    }
    runnel::Result<void> write_at(uint64_t position, std::span<const std::byte> data) override {
      return inner_->write_at(position, data);
    }
    runnel::Result<void> sync() override { return {}; }
    runnel::Result<void> truncate(uint64_t size) override { return inner_->truncate(size); }
    runnel::Result<uint64_t> size() const override { return inner_->size(); }
    int native_handle() const override { return inner_->native_handle(); }

   private:
    std::shared_ptr<storage::File> inner_;
  };
  FileSystem& real_ = FileSystem::posix();
};

// 10,000 partitions of topic "t", one single-record batch each, appended,
// flushed and read back through a LogManager capped at 64 open files, then
// again after a clean restart; descriptors are sampled from /proc/self/fd.
void write_and_read_ten_thousand_partitions(FileSystem* fs) {
  constexpr int kPartitions = 10'000;
  constexpr size_t kMaxOpenFiles = 64;
  runnel::test::TempDir dir;
  auto options = options_for({dir.path()}, kMaxOpenFiles);
  options.fs = fs;
  auto manager = open_manager(options);
  std::vector<Bytes> appended(kPartitions);
  size_t most_cached = 0;
  size_t most_descriptors = 0;
  auto sample = [&](int i) {
    most_cached = std::max(most_cached, manager->files().size());
    if (i % 250 == 0) most_descriptors = std::max(most_descriptors, open_descriptor_count());
  };

  for (int i = 0; i < kPartitions; ++i) {
    auto log = get_or_create(*manager, {"t", i});
    Bytes batch = runnel::test::make_batch(1, kNowMs + i, "p" + std::to_string(i));
    auto info = log->append_as_leader(batch, 0, kNowMs);
    REQUIRE(info);
    REQUIRE(info->first_offset == 0);
    REQUIRE(info->last_offset == 0);
    appended[i] = std::move(batch);
    sample(i);
  }
  for (int i = 0; i < kPartitions; ++i) {
    auto log = get_existing(*manager, {"t", i});
    REQUIRE(log->flush());
    REQUIRE(log->flushed_offset() == 1);
    sample(i);
  }
  for (int i = 0; i < kPartitions; ++i) {
    auto log = get_existing(*manager, {"t", i});
    auto range = log->read(0, 1 << 20, log->log_end_offset());
    REQUIRE(range);
    REQUIRE(range->size == appended[i].size());
    auto bytes = range->read_all();
    REQUIRE(bytes);
    REQUIRE(*bytes == appended[i]);
    auto header = protocol::validate_batch(*bytes);
    REQUIRE(header);
    REQUIRE(header->base_offset == 0);
    REQUIRE(header->partition_leader_epoch == 0);
    REQUIRE(record_values(*bytes) == std::vector<std::string>{"p" + std::to_string(i) + "-0"});
    sample(i);
  }

  CHECK(manager->partitions().size() == kPartitions);

  // A clean restart lists every partition but opens none until asked.
  REQUIRE(manager->shutdown());
  manager.reset();
  manager = open_manager(options);
  CHECK(manager->partitions().size() == kPartitions);
  CHECK(manager->files().size() == 0);
  for (int i = 0; i < kPartitions; ++i) {
    auto log = get_existing(*manager, {"t", i});
    REQUIRE(log->log_end_offset() == 1);
    REQUIRE(read_from(*log, 0) == appended[i]);
    sample(i);
  }

  CAPTURE(most_cached, most_descriptors);
  CHECK(most_cached <= kMaxOpenFiles);
  CHECK(most_descriptors < 200);
  CHECK(open_descriptor_count() < 200);
}

}  // namespace

TEST_CASE("ten thousand partitions are written and read through a 64-file handle cache", "[log_manager][scale]") {
  NoSyncFileSystem fs;
  write_and_read_ten_thousand_partitions(&fs);
}

// The same with every fsync real (about 70,000 of them): 1-2 minutes on a VM
// disk, so hidden; run it with "[durable_scale]".
TEST_CASE("ten thousand durable partitions are written and read through a 64-file handle cache",
          "[.][durable_scale]") {
  write_and_read_ten_thousand_partitions(nullptr);
}

TEST_CASE("shutdown writes checkpoints and markers; a restart finds every partition, opens it lazily, data intact",
          "[log_manager]") {
  runnel::test::TempDir a, b;
  const std::vector<TopicPartition> partitions = {{"orders-eu", 0}, {"orders-eu", 1}, {"orders-eu", 2},
                                                  {"t", 0},         {"t", 1},         {"t", 10}};
  std::map<TopicPartition, std::vector<Bytes>> stored;  // the batches of each partition
  OffsetMap end_offsets;
  {
    auto manager = open_manager(options_for({a.path(), b.path()}, 8));
    for (size_t p = 0; p < partitions.size(); ++p) {
      auto log = get_or_create(*manager, partitions[p]);
      for (size_t j = 0; j <= p; ++j) {
        stored[partitions[p]].push_back(
            append(*log, static_cast<int>(j) + 1, partitions[p].dir_name() + "/" + std::to_string(j)));
      }
      end_offsets[partitions[p]] = log->log_end_offset();
    }
    // t-1's batches hold offsets [0], [1, 2], [3, 5], ...: a start of 1
    // leaves the first batch on disk, but reads begin at the second.
    REQUIRE(get_existing(*manager, {"t", 1})->advance_log_start_offset(1));
    REQUIRE(manager->shutdown());
  }

  OffsetMap recovery_points, start_offsets;
  for (const auto* dir : {&a, &b}) {
    CHECK(exists(*dir / storage::kCleanShutdownMarker));
    for (const auto& [tp, offset] : read_checkpoint(*dir / storage::kRecoveryPointCheckpoint)) {
      CHECK(exists(*dir / tp.dir_name()));  // each dir lists only its own partitions
      CHECK(recovery_points.emplace(tp, offset).second);
    }
    for (const auto& [tp, offset] : read_checkpoint(*dir / storage::kLogStartOffsetCheckpoint))
      CHECK(start_offsets.emplace(tp, offset).second);
  }
  CHECK(recovery_points == end_offsets);
  OffsetMap expected_starts;
  for (const auto& tp : partitions) expected_starts[tp] = tp == TopicPartition{"t", 1} ? 1 : 0;
  CHECK(start_offsets == expected_starts);

  const size_t descriptors_before = open_descriptor_count();
  auto manager = open_manager(options_for({a.path(), b.path()}, 8));
  CHECK_FALSE(exists(a / storage::kCleanShutdownMarker));  // a crash from now on must not look clean
  CHECK_FALSE(exists(b / storage::kCleanShutdownMarker));
  auto found = manager->partitions();
  std::sort(found.begin(), found.end());
  CHECK(found == std::vector<TopicPartition>(partitions.begin(), partitions.end()));
  for (const auto& tp : partitions) CHECK(manager->contains(tp));
  CHECK_FALSE(manager->contains({"t", 2}));
  CHECK(manager->files().size() == 0);  // nothing opened yet
  CHECK(open_descriptor_count() <= descriptors_before);

  for (const auto& tp : partitions) {
    INFO(tp.dir_name());
    auto log = get_existing(*manager, tp);
    CHECK(log->log_end_offset() == end_offsets[tp]);
    CHECK(log->flushed_offset() == end_offsets[tp]);
    CHECK(log->log_start_offset() == expected_starts[tp]);
    const auto& batches = stored[tp];
    Bytes expected;
    for (size_t j = tp == TopicPartition{"t", 1} ? 1 : 0; j < batches.size(); ++j)
      expected.insert(expected.end(), batches[j].begin(), batches[j].end());
    CHECK(read_from(*log, log->log_start_offset()) == expected);
  }
  auto unknown = manager->get({"t", 2});
  REQUIRE(unknown);
  CHECK(*unknown == nullptr);
}

TEST_CASE("the recovery-point checkpoint holds flushed offsets, not the log end", "[log_manager]") {
  runnel::test::TempDir dir;
  auto manager = open_manager(options_for({dir.path()}, 8));
  LogConfig page_cache = tiny_config();
  page_cache.flush_interval_messages = 1000;
  auto log = get_or_create(*manager, {"t", 0}, page_cache);
  for (int i = 0; i < 3; ++i) append(*log, 1, "flushed");
  REQUIRE(log->flush());
  for (int i = 0; i < 2; ++i) append(*log, 1, "unflushed");
  REQUIRE(log->flushed_offset() == 3);
  REQUIRE(log->log_end_offset() == 5);

  REQUIRE(manager->write_checkpoints());
  CHECK(read_checkpoint(dir / storage::kRecoveryPointCheckpoint) == OffsetMap{{{"t", 0}, 3}});
  CHECK(read_checkpoint(dir / storage::kLogStartOffsetCheckpoint) == OffsetMap{{{"t", 0}, 0}});
  CHECK_FALSE(exists(dir / storage::kCleanShutdownMarker));  // only shutdown() writes it

  REQUIRE(manager->shutdown());
  CHECK(read_checkpoint(dir / storage::kRecoveryPointCheckpoint) == OffsetMap{{{"t", 0}, 5}});
}

TEST_CASE("partitions not opened since the restart keep their checkpointed offsets", "[log_manager]") {
  runnel::test::TempDir dir;
  {
    auto manager = open_manager(options_for({dir.path()}, 8));
    append(*get_or_create(*manager, {"t", 0}), 2, "a");
    append(*get_or_create(*manager, {"t", 1}), 3, "b");
    REQUIRE(get_existing(*manager, {"t", 1})->advance_log_start_offset(3));
    REQUIRE(manager->shutdown());
  }
  {
    auto manager = open_manager(options_for({dir.path()}, 8));
    append(*get_existing(*manager, {"t", 0}), 1, "c");  // t-1 is never opened
    REQUIRE(manager->shutdown());
  }
  CHECK(read_checkpoint(dir / storage::kRecoveryPointCheckpoint) == OffsetMap{{{"t", 0}, 3}, {{"t", 1}, 3}});
  CHECK(read_checkpoint(dir / storage::kLogStartOffsetCheckpoint) == OffsetMap{{{"t", 0}, 0}, {{"t", 1}, 3}});

  auto manager = open_manager(options_for({dir.path()}, 8));
  auto log = get_existing(*manager, {"t", 1});
  CHECK(log->log_start_offset() == 3);
  CHECK(log->log_end_offset() == 3);
}

TEST_CASE("replication-offset-checkpoint keeps each log's high watermark, within its offsets on reopen",
          "[log_manager]") {
  runnel::test::TempDir dir;
  {
    auto manager = open_manager(options_for({dir.path()}, 8));
    auto t0 = get_or_create(*manager, {"t", 0});
    auto t1 = get_or_create(*manager, {"t", 1});
    append(*t0, 5, "a");
    append(*t1, 1, "b");
    append(*t1, 1, "c");
    CHECK(t0->high_watermark() == 0);
    t0->set_high_watermark(4);
    t1->set_high_watermark(2);
    REQUIRE(manager->write_high_watermark_checkpoints());  // that file alone
    CHECK(read_checkpoint(dir / storage::kReplicationOffsetCheckpoint) == OffsetMap{{{"t", 0}, 4}, {{"t", 1}, 2}});
    CHECK_FALSE(exists(dir / storage::kRecoveryPointCheckpoint));
    REQUIRE(manager->write_checkpoints());
    CHECK(read_checkpoint(dir / storage::kReplicationOffsetCheckpoint) == OffsetMap{{{"t", 0}, 4}, {{"t", 1}, 2}});
    REQUIRE(t1->truncate_to(1));
    CHECK(t1->high_watermark() == 1);  // never past the log end
    t1->set_high_watermark(9);  // a stale value beyond the end: clamped when reopened
    REQUIRE(manager->shutdown());
  }
  CHECK(read_checkpoint(dir / storage::kReplicationOffsetCheckpoint) == OffsetMap{{{"t", 0}, 4}, {{"t", 1}, 9}});
  auto manager = open_manager(options_for({dir.path()}, 8));
  CHECK(get_existing(*manager, {"t", 0})->high_watermark() == 4);
  CHECK(get_existing(*manager, {"t", 1})->high_watermark() == 1);
}

TEST_CASE("without a clean shutdown a restart recovers: bytes after the last valid batch are cut",
          "[log_manager]") {
  runnel::test::TempDir dir;
  const TopicPartition tp{"t", 0};
  Bytes stored;
  {
    auto manager = open_manager(options_for({dir.path()}, 8));
    auto log = get_or_create(*manager, tp);
    for (int i = 0; i < 3; ++i) {
      Bytes batch = append(*log, 2, "r" + std::to_string(i));
      stored.insert(stored.end(), batch.begin(), batch.end());
    }
    REQUIRE(log->flush());
    REQUIRE(manager->write_checkpoints());
    // The manager is dropped without shutdown(): a crash.
  }
  const auto path = segment_log_path(dir.path(), tp);
  append_garbage(path, 40);
  REQUIRE_FALSE(exists(dir / storage::kCleanShutdownMarker));

  auto manager = open_manager(options_for({dir.path()}, 8));
  auto log = get_existing(*manager, tp);
  CHECK(log->log_end_offset() == 6);
  CHECK(read_from(*log, 0) == stored);
  CHECK(std::filesystem::file_size(path) == stored.size());
  append(*log, 1, "after");
  CHECK(log->log_end_offset() == 7);
}

TEST_CASE("a new partition goes to the log dir holding the fewest partitions", "[log_manager]") {
  runnel::test::TempDir a, b;
  auto manager = open_manager(options_for({a.path(), b.path()}, 8));
  auto in_a = [&](const TopicPartition& tp) { return exists(a / tp.dir_name()); };
  auto in_b = [&](const TopicPartition& tp) { return exists(b / tp.dir_name()); };

  std::vector<TopicPartition> created;
  for (int p = 0; p < 4; ++p) {
    created.push_back({"t", p});
    get_or_create(*manager, created.back());
    CHECK(in_a(created.back()) != in_b(created.back()));  // exactly one dir
  }
  CHECK(std::count_if(created.begin(), created.end(), in_a) == 2);
  CHECK(std::count_if(created.begin(), created.end(), in_b) == 2);

  for (const auto& tp : created)
    if (in_a(tp)) REQUIRE(manager->remove(tp));
  // a holds none, b two: the next two both go to a.
  get_or_create(*manager, {"u", 0});
  get_or_create(*manager, {"u", 1});
  CHECK(in_a({"u", 0}));
  CHECK(in_a({"u", 1}));
}

TEST_CASE("partitions found on disk at start count when placing new ones", "[log_manager]") {
  runnel::test::TempDir a, b;
  {
    auto manager = open_manager(options_for({a.path()}, 8));
    for (int p = 0; p < 3; ++p) get_or_create(*manager, {"old", p});
    REQUIRE(manager->shutdown());
  }
  auto manager = open_manager(options_for({a.path(), b.path()}, 8));
  for (int p = 0; p < 3; ++p) {
    get_or_create(*manager, {"new", p});
    CHECK(exists(b / ("new-" + std::to_string(p))));
  }
  CHECK(manager->partitions().size() == 6);
}

TEST_CASE("remove deletes the partition directory and forgets the partition", "[log_manager]") {
  runnel::test::TempDir dir;
  auto manager = open_manager(options_for({dir.path()}, 8));
  auto doomed = get_or_create(*manager, {"t", 1});
  auto neighbour = get_or_create(*manager, {"t", 10});  // "t-1" is a prefix of "t-10"
  Bytes doomed_batch = append(*doomed, 2, "doomed");
  Bytes neighbour_batch = append(*neighbour, 2, "neighbour");
  REQUIRE(doomed->flush());
  REQUIRE(neighbour->flush());
  auto in_flight = doomed->read(0, 1 << 20, doomed->log_end_offset());  // a fetch being sent
  REQUIRE(in_flight);

  REQUIRE(manager->remove({"t", 1}));
  CHECK_FALSE(exists(dir / "t-1"));
  CHECK_FALSE(manager->contains({"t", 1}));
  auto gone = manager->get({"t", 1});
  REQUIRE(gone);
  CHECK(*gone == nullptr);
  CHECK(manager->partitions() == std::vector<TopicPartition>{{"t", 10}});

  auto bytes = in_flight->read_all();  // the open file outlives the directory
  REQUIRE(bytes);
  CHECK(*bytes == doomed_batch);
  CHECK(read_from(*get_existing(*manager, {"t", 10}), 0) == neighbour_batch);

  REQUIRE(manager->write_checkpoints());
  CHECK(read_checkpoint(dir / storage::kRecoveryPointCheckpoint) == OffsetMap{{{"t", 10}, 2}});

  auto recreated = get_or_create(*manager, {"t", 1});
  CHECK(recreated->log_end_offset() == 0);
  CHECK(manager->remove({"never", 0}));  // unknown partitions: nothing to do
}

TEST_CASE("a file range held while its descriptor is evicted still reads", "[log_manager]") {
  runnel::test::TempDir dir;
  auto manager = open_manager(options_for({dir.path()}, 4));
  std::vector<Bytes> stored;
  for (int p = 0; p < 10; ++p) stored.push_back(append(*get_or_create(*manager, {"t", p}), 3, "v"));
  auto range = get_existing(*manager, {"t", 0})->read(0, 1 << 20, 3);
  REQUIRE(range);
  REQUIRE_FALSE(range->empty());
  for (int p = 1; p < 10; ++p) CHECK(read_from(*get_existing(*manager, {"t", p}), 0) == stored[p]);
  CHECK(manager->files().size() <= 4);

  auto bytes = range->read_all();
  REQUIRE(bytes);
  CHECK(*bytes == stored[0]);
}

TEST_CASE("the same partition in two log dirs refuses to start", "[log_manager]") {
  runnel::test::TempDir tmp;
  const auto a = tmp / "a", b = tmp / "b";
  std::filesystem::create_directories(a + "/t-3");
  std::filesystem::create_directories(b + "/t-3");
  auto manager = LogManager::open(options_for({a, b}, 16));
  REQUIRE_FALSE(manager);
  CHECK(manager.error() == storage::Errc::duplicate_partition);
}
