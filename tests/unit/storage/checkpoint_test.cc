// Checkpoint files (offset checkpoints and the shared line format) and the
// whole-file helpers of storage/file.h they are built on.

#include <catch2/catch.hpp>

#include <cstdint>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "storage/checkpoint_file.h"
#include "storage/errc.h"
#include "storage/file.h"
#include "storage/offset_checkpoint.h"
#include "support/fault_injection_fs.h"
#include "support/temp_dir.h"
#include "support/text_file.h"

using runnel::storage::Errc;
using runnel::storage::FileSystem;
using runnel::storage::OffsetMap;
using runnel::storage::TopicPartition;
namespace storage = runnel::storage;

using runnel::test::read_text;
using runnel::test::write_text;

namespace {

std::span<const std::byte> bytes_of(const std::string& text) { return std::as_bytes(std::span(text)); }

std::vector<std::string> temp_files_in(const std::string& dir) {
  std::vector<std::string> found;
  auto names = FileSystem::posix().list(dir);
  REQUIRE(names);
  for (const auto& name : *names)
    if (name.ends_with(".tmp")) found.push_back(name);
  return found;
}

// A file system that refuses every rename, as a full or failing disk might.
class RenameFailsFileSystem final : public FileSystem {
 public:
  runnel::Result<std::shared_ptr<storage::File>> open(const std::string& path, storage::OpenMode mode) override {
    return real_.open(path, mode);
  }
  runnel::Result<void> rename(const std::string&, const std::string&) override {
    return runnel::fail(std::make_error_code(std::errc::no_space_on_device));
  }
  runnel::Result<void> remove(const std::string& path) override { return real_.remove(path); }
  runnel::Result<void> remove_all(const std::string& dir) override { return real_.remove_all(dir); }
  runnel::Result<void> create_directories(const std::string& dir) override { return real_.create_directories(dir); }
  runnel::Result<void> sync_directory(const std::string& dir) override { return real_.sync_directory(dir); }
  runnel::Result<std::vector<std::string>> list(const std::string& dir) override { return real_.list(dir); }
  bool exists(const std::string& path) override { return real_.exists(path); }

 private:
  FileSystem& real_ = FileSystem::posix();
};

}  // namespace

// ---- storage/file.h ---------------------------------------------------------

TEST_CASE("write_file_atomically replaces the whole file and leaves no temp file", "[checkpoint][file]") {
  runnel::test::TempDir dir;
  auto& fs = FileSystem::posix();
  const auto path = dir / "data";
  REQUIRE(storage::write_file_atomically(fs, path, bytes_of("a long first version of the file")));
  REQUIRE(storage::write_file_atomically(fs, path, bytes_of("short")));
  CHECK(read_text(path) == "short");
  auto read = storage::read_file(fs, path);
  REQUIRE(read);
  CHECK(std::string(reinterpret_cast<const char*>(read->data()), read->size()) == "short");
  CHECK(temp_files_in(dir.path()).empty());
}

TEST_CASE("write_file_atomically can write an empty file", "[checkpoint][file]") {
  runnel::test::TempDir dir;
  auto& fs = FileSystem::posix();
  REQUIRE(storage::write_file_atomically(fs, dir / "empty", {}));
  CHECK(fs.exists(dir / "empty"));
  auto read = storage::read_file(fs, dir / "empty");
  REQUIRE(read);
  CHECK(read->empty());
}

TEST_CASE("a failed atomic write leaves the previous content in place", "[checkpoint][file]") {
  runnel::test::TempDir dir;
  const auto path = dir / "data";
  write_text(path, "old");
  RenameFailsFileSystem fs;
  auto r = storage::write_file_atomically(fs, path, bytes_of("new"));
  REQUIRE_FALSE(r);
  CHECK(r.error() == std::errc::no_space_on_device);
  CHECK(read_text(path) == "old");
}

TEST_CASE("read_file of a missing file fails", "[checkpoint][file]") {
  runnel::test::TempDir dir;
  auto read = storage::read_file(FileSystem::posix(), dir / "missing");
  REQUIRE_FALSE(read);
  CHECK(read.error() == std::errc::no_such_file_or_directory);
}

TEST_CASE("an atomically written file survives a crash that drops unsynced data", "[checkpoint][file]") {
  runnel::test::TempDir dir;
  runnel::test::FaultInjectionFileSystem fs;
  const auto path = dir / "recovery-point-offset-checkpoint";
  REQUIRE(storage::write_offset_checkpoint(fs, path, {{{"t", 0}, 42}}));
  std::mt19937_64 rng(7);
  fs.crash(runnel::test::FaultInjectionFileSystem::CrashMode::drop_unsynced, rng);
  auto offsets = storage::read_offset_checkpoint(fs, path);
  REQUIRE(offsets);
  CHECK(*offsets == OffsetMap{{{"t", 0}, 42}});
}

// ---- offset checkpoints ---------------------------------------------------------

TEST_CASE("an offset checkpoint is written as version, count, then topic-partition-offset lines",
          "[checkpoint]") {
  runnel::test::TempDir dir;
  const auto path = dir / storage::kRecoveryPointCheckpoint;
  OffsetMap offsets{{{"b-c", 2}, 9}, {{"a", 1}, 7}, {{"a", 0}, 5}};
  REQUIRE(storage::write_offset_checkpoint(FileSystem::posix(), path, offsets));
  CHECK(read_text(path) == "0\n3\na 0 5\na 1 7\nb-c 2 9\n");
  CHECK(temp_files_in(dir.path()).empty());
}

TEST_CASE("an empty offset checkpoint is a version and a zero count", "[checkpoint]") {
  runnel::test::TempDir dir;
  const auto path = dir / storage::kLogStartOffsetCheckpoint;
  REQUIRE(storage::write_offset_checkpoint(FileSystem::posix(), path, {}));
  CHECK(read_text(path) == "0\n0\n");
  auto read = storage::read_offset_checkpoint(FileSystem::posix(), path);
  REQUIRE(read);
  CHECK(read->empty());
}

TEST_CASE("offset checkpoints round-trip, including topic names with dashes, dots and underscores",
          "[checkpoint]") {
  runnel::test::TempDir dir;
  const auto path = dir / storage::kRecoveryPointCheckpoint;
  OffsetMap offsets{
      {{"orders-eu-west", 0}, 0},
      {{"orders-eu-west", 12}, 123456789},
      {{"__consumer_offsets", 49}, 17},
      {{"my.topic_v2", std::numeric_limits<int32_t>::max()}, std::numeric_limits<int64_t>::max()},
      {{"-", 3}, 1},
  };
  REQUIRE(storage::write_offset_checkpoint(FileSystem::posix(), path, offsets));
  auto read = storage::read_offset_checkpoint(FileSystem::posix(), path);
  REQUIRE(read);
  CHECK(*read == offsets);
}

TEST_CASE("rewriting an offset checkpoint replaces its entries", "[checkpoint]") {
  runnel::test::TempDir dir;
  const auto path = dir / storage::kRecoveryPointCheckpoint;
  auto& fs = FileSystem::posix();
  REQUIRE(storage::write_offset_checkpoint(fs, path, {{{"t", 0}, 1}, {{"t", 1}, 2}, {{"u", 0}, 3}}));
  REQUIRE(storage::write_offset_checkpoint(fs, path, {{{"t", 1}, 20}}));
  auto read = storage::read_offset_checkpoint(fs, path);
  REQUIRE(read);
  CHECK(*read == OffsetMap{{{"t", 1}, 20}});
  CHECK(read_text(path) == "0\n1\nt 1 20\n");
  CHECK(temp_files_in(dir.path()).empty());
}

TEST_CASE("a missing offset checkpoint reads as empty", "[checkpoint]") {
  runnel::test::TempDir dir;
  auto read = storage::read_offset_checkpoint(FileSystem::posix(), dir / storage::kRecoveryPointCheckpoint);
  REQUIRE(read);
  CHECK(read->empty());
}

TEST_CASE("a malformed offset checkpoint is refused as bad_checkpoint", "[checkpoint]") {
  runnel::test::TempDir dir;
  const auto path = dir / storage::kRecoveryPointCheckpoint;
  const std::vector<std::pair<const char*, std::string>> cases = {
      {"empty file", ""},
      {"unknown version", "1\n1\nt 0 5\n"},
      {"non-numeric version", "v0\n1\nt 0 5\n"},
      {"missing count", "0\n"},
      {"non-numeric count", "0\none\nt 0 5\n"},
      {"negative count", "0\n-1\n"},
      {"count larger than the lines", "0\n2\nt 0 5\n"},
      {"count smaller than the lines", "0\n1\nt 0 5\nt 1 6\n"},
      {"truncated in the last line", "0\n2\nt 0 5\nt 1"},
      {"missing final newline", "0\n1\nt 0 5"},
      {"a line without an offset", "0\n1\nt 0\n"},
      {"a line with an extra field", "0\n1\nt 0 5 6\n"},
      {"a non-numeric partition", "0\n1\nt x 5\n"},
      {"a non-numeric offset", "0\n1\nt 0 five\n"},
      {"trailing garbage after the offset", "0\n1\nt 0 5x\n"},
      {"a negative partition", "0\n1\nt -1 5\n"},
      {"a partition beyond int32", "0\n1\nt 2147483648 5\n"},
      {"binary garbage", std::string("\x00\xff\x13\n\x7f", 5)},
      {"a blank entry line", "0\n1\n\n"},
  };
  for (const auto& [what, text] : cases) {
    INFO(what);
    write_text(path, text);
    auto read = storage::read_offset_checkpoint(FileSystem::posix(), path);
    REQUIRE_FALSE(read);
    CHECK(read.error() == Errc::bad_checkpoint);
  }
}

// ---- the shared line format ---------------------------------------------------

TEST_CASE("checkpoint lines round-trip verbatim", "[checkpoint]") {
  runnel::test::TempDir dir;
  const auto path = dir / "leader-epoch-checkpoint";
  const std::vector<std::string> lines = {"0 0", "3 1500", "a line with spaces"};
  REQUIRE(storage::write_checkpoint_lines(FileSystem::posix(), path, lines));
  CHECK(read_text(path) == "0\n3\n0 0\n3 1500\na line with spaces\n");
  auto read = storage::read_checkpoint_lines(FileSystem::posix(), path);
  REQUIRE(read);
  CHECK(*read == lines);
}

TEST_CASE("a missing checkpoint file has no lines", "[checkpoint]") {
  runnel::test::TempDir dir;
  auto read = storage::read_checkpoint_lines(FileSystem::posix(), dir / "missing");
  REQUIRE(read);
  CHECK(read->empty());
}
