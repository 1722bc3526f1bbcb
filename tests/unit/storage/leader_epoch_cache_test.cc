// LeaderEpochCache: epoch -> start offset, persisted in leader-epoch-checkpoint.

#include <catch2/catch.hpp>

#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "storage/errc.h"
#include "storage/leader_epoch_cache.h"
#include "support/temp_dir.h"
#include "support/text_file.h"

using runnel::storage::EpochEntry;
using runnel::storage::Errc;
using runnel::storage::FileSystem;
using runnel::storage::LeaderEpochCache;

using runnel::test::read_text;
using runnel::test::write_text;

namespace {

using Entries = std::vector<EpochEntry>;

LeaderEpochCache load(const std::string& path) {
  auto cache = LeaderEpochCache::load(FileSystem::posix(), path);
  REQUIRE(cache);
  return std::move(*cache);
}

// Loads a cache holding `entries` (assigned in order).
LeaderEpochCache load_with(const std::string& path, const Entries& entries) {
  auto cache = load(path);
  for (const auto& e : entries) REQUIRE(cache.assign(e.epoch, e.start_offset));
  REQUIRE(cache.entries() == entries);
  return cache;
}

}  // namespace

namespace runnel::storage {
// For readable failure messages (internal linkage: other test files may print it too).
static std::ostream& operator<<(std::ostream& os, const EpochEntry& e) {
  return os << "{epoch " << e.epoch << ", start " << e.start_offset << "}";
}
}  // namespace runnel::storage

TEST_CASE("a missing leader-epoch checkpoint loads as an empty cache", "[epochs]") {
  runnel::test::TempDir dir;
  auto cache = load(dir / "leader-epoch-checkpoint");
  CHECK(cache.entries().empty());
  CHECK_FALSE(cache.latest());
  CHECK_FALSE(cache.end_offset_for(0, 100));
  CHECK_FALSE(FileSystem::posix().exists(dir / "leader-epoch-checkpoint"));
}

TEST_CASE("newer epochs are recorded; older and equal epochs are ignored", "[epochs]") {
  runnel::test::TempDir dir;
  auto cache = load(dir / "leader-epoch-checkpoint");
  REQUIRE(cache.assign(0, 0));
  REQUIRE(cache.assign(1, 10));
  REQUIRE(cache.assign(1, 15));  // equal: ignored
  REQUIRE(cache.assign(0, 20));  // older: ignored
  REQUIRE(cache.assign(3, 30));  // epochs may skip
  CHECK(cache.entries() == Entries{{0, 0}, {1, 10}, {3, 30}});
  REQUIRE(cache.latest());
  CHECK(*cache.latest() == EpochEntry{3, 30});
}

TEST_CASE("a newer epoch starting at or before the latest start replaces the entries it overlaps", "[epochs]") {
  runnel::test::TempDir dir;
  auto cache = load_with(dir / "leader-epoch-checkpoint", {{0, 0}, {1, 10}});
  // Epoch 1's leader appended nothing before epoch 2 began at the same offset.
  REQUIRE(cache.assign(2, 10));
  CHECK(cache.entries() == Entries{{0, 0}, {2, 10}});
}

TEST_CASE("every change to the epoch cache is persisted in Kafka's checkpoint format", "[epochs]") {
  runnel::test::TempDir dir;
  const auto path = dir / "leader-epoch-checkpoint";
  {
    auto cache = load(path);
    REQUIRE(cache.assign(0, 0));
    CHECK(read_text(path) == "0\n1\n0 0\n");
    REQUIRE(cache.assign(4, 1500));
    CHECK(read_text(path) == "0\n2\n0 0\n4 1500\n");
  }
  auto reloaded = load(path);
  CHECK(reloaded.entries() == Entries{{0, 0}, {4, 1500}});
  CHECK_FALSE(FileSystem::posix().exists(path + ".tmp"));
}

TEST_CASE("truncate_from_end removes epochs starting at or after the new end offset", "[epochs]") {
  runnel::test::TempDir dir;
  const auto path = dir / "leader-epoch-checkpoint";
  auto cache = load_with(path, {{0, 0}, {1, 10}, {2, 20}});

  REQUIRE(cache.truncate_from_end(21));  // inside epoch 2: kept
  CHECK(cache.entries() == Entries{{0, 0}, {1, 10}, {2, 20}});
  REQUIRE(cache.truncate_from_end(20));
  CHECK(cache.entries() == Entries{{0, 0}, {1, 10}});
  REQUIRE(cache.truncate_from_end(5));
  CHECK(cache.entries() == Entries{{0, 0}});
  CHECK(load(path).entries() == Entries{{0, 0}});

  REQUIRE(cache.truncate_from_end(0));
  CHECK(cache.entries().empty());
  CHECK(load(path).entries().empty());
}

TEST_CASE("after truncate_from_end an older epoch can be assigned again", "[epochs]") {
  runnel::test::TempDir dir;
  auto cache = load_with(dir / "leader-epoch-checkpoint", {{0, 0}, {1, 10}, {2, 20}});
  REQUIRE(cache.truncate_from_end(15));
  REQUIRE(cache.assign(2, 15));
  CHECK(cache.entries() == Entries{{0, 0}, {1, 10}, {2, 15}});
}

TEST_CASE("truncate_from_start drops epochs below the start and moves the containing one up", "[epochs]") {
  runnel::test::TempDir dir;
  const auto path = dir / "leader-epoch-checkpoint";
  auto cache = load_with(path, {{0, 0}, {1, 10}, {2, 20}});

  REQUIRE(cache.truncate_from_start(0));  // nothing below the first entry
  CHECK(cache.entries() == Entries{{0, 0}, {1, 10}, {2, 20}});
  REQUIRE(cache.truncate_from_start(5));
  CHECK(cache.entries() == Entries{{0, 5}, {1, 10}, {2, 20}});
  REQUIRE(cache.truncate_from_start(15));
  CHECK(cache.entries() == Entries{{1, 15}, {2, 20}});
  REQUIRE(cache.truncate_from_start(20));  // exactly at a boundary: that epoch is kept as is
  CHECK(cache.entries() == Entries{{2, 20}});
  REQUIRE(cache.truncate_from_start(25));  // beyond the latest start: the latest epoch stays
  CHECK(cache.entries() == Entries{{2, 25}});
  CHECK(load(path).entries() == Entries{{2, 25}});
}

TEST_CASE("truncate_from_start on an empty cache does nothing", "[epochs]") {
  runnel::test::TempDir dir;
  auto cache = load(dir / "leader-epoch-checkpoint");
  REQUIRE(cache.truncate_from_start(10));
  REQUIRE(cache.truncate_from_end(10));
  CHECK(cache.entries().empty());
}

TEST_CASE("end_offset_for follows Kafka: the largest epoch not above the request and where the next one starts",
          "[epochs]") {
  runnel::test::TempDir dir;
  auto cache = load_with(dir / "leader-epoch-checkpoint", {{1, 0}, {3, 10}, {5, 20}});
  const int64_t log_end = 30;

  CHECK(cache.end_offset_for(0, log_end) == EpochEntry{0, 0});  // older than every epoch known: the first start
  CHECK_FALSE(cache.end_offset_for(-1, log_end));
  CHECK(cache.end_offset_for(1, log_end) == EpochEntry{1, 10});
  CHECK(cache.end_offset_for(2, log_end) == EpochEntry{1, 10});  // unknown epoch: the one before it
  CHECK(cache.end_offset_for(3, log_end) == EpochEntry{3, 20});
  CHECK(cache.end_offset_for(4, log_end) == EpochEntry{3, 20});
  CHECK(cache.end_offset_for(5, log_end) == EpochEntry{5, log_end});  // the latest ends at the log end
  CHECK_FALSE(cache.end_offset_for(9, log_end));  // newer than every epoch known
}

TEST_CASE("a moved epoch cache keeps persisting to the same file", "[epochs]") {
  runnel::test::TempDir dir;
  const auto path = dir / "leader-epoch-checkpoint";
  auto original = load_with(path, {{0, 0}});
  LeaderEpochCache moved(std::move(original));
  REQUIRE(moved.assign(1, 7));
  auto assigned = load(dir / "other-checkpoint");
  assigned = std::move(moved);
  REQUIRE(assigned.assign(2, 9));
  CHECK(load(path).entries() == Entries{{0, 0}, {1, 7}, {2, 9}});
}

TEST_CASE("a malformed leader-epoch checkpoint fails to load with bad_checkpoint", "[epochs]") {
  runnel::test::TempDir dir;
  const auto path = dir / "leader-epoch-checkpoint";
  const std::vector<std::pair<const char*, std::string>> cases = {
      {"empty file", ""},
      {"unknown version", "1\n1\n0 0\n"},
      {"count larger than the lines", "0\n2\n0 0\n"},
      {"count smaller than the lines", "0\n1\n0 0\n1 5\n"},
      {"truncated last line", "0\n2\n0 0\n1"},
      {"a line with one field", "0\n1\n0\n"},
      {"a line with three fields", "0\n1\n0 0 0\n"},
      {"a non-numeric epoch", "0\n1\nzero 0\n"},
      {"a negative epoch", "0\n1\n-1 0\n"},
      {"a negative start offset", "0\n1\n0 -5\n"},
      {"repeated epoch", "0\n2\n1 0\n1 5\n"},
      {"decreasing epochs", "0\n2\n2 0\n1 5\n"},
      {"decreasing start offsets", "0\n2\n1 10\n2 5\n"},
      {"garbage", "leader epochs go here\n"},
  };
  for (const auto& [what, text] : cases) {
    INFO(what);
    write_text(path, text);
    auto cache = LeaderEpochCache::load(FileSystem::posix(), path);
    REQUIRE_FALSE(cache);
    CHECK(cache.error() == Errc::bad_checkpoint);
  }
}
