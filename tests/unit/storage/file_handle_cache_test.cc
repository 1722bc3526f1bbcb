// FileHandleCache: an LRU cap on open files whose evicted handles stay
// usable by whoever still holds them.

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "storage/file.h"
#include "storage/file_handle_cache.h"
#include "storage/file_range.h"
#include "support/temp_dir.h"
#include "support/text_file.h"

using runnel::storage::File;
using runnel::storage::FileHandleCache;
using runnel::storage::FileRange;
using runnel::storage::FileSystem;
using runnel::storage::OpenMode;

using runnel::test::read_text;
using runnel::test::write_text;

namespace {

std::string as_text(const std::vector<std::byte>& bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

size_t open_descriptor_count() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

std::shared_ptr<File> open_cached(FileHandleCache& cache, const std::string& path,
                                  OpenMode mode = OpenMode::read_only) {
  auto file = cache.open(path, mode);
  REQUIRE(file);
  REQUIRE(*file);
  return *file;
}

// Files "<dir>/<name>" holding "<name>" for each name.
void make_files(const runnel::test::TempDir& dir, std::initializer_list<const char*> names) {
  for (const char* name : names) write_text(dir / name, name);
}

}  // namespace

TEST_CASE("a cached path hands out the same open file", "[file_cache]") {
  runnel::test::TempDir dir;
  make_files(dir, {"a"});
  FileHandleCache cache(FileSystem::posix(), 4);
  auto first = open_cached(cache, dir / "a");
  auto second = open_cached(cache, dir / "a");
  CHECK(first == second);
  CHECK(cache.size() == 1);
  CHECK(cache.capacity() == 4);
}

TEST_CASE("at capacity the least recently used file is evicted", "[file_cache]") {
  runnel::test::TempDir dir;
  make_files(dir, {"a", "b", "c", "d"});
  FileHandleCache cache(FileSystem::posix(), 3);
  std::weak_ptr<File> a = open_cached(cache, dir / "a");
  std::weak_ptr<File> b = open_cached(cache, dir / "b");
  std::weak_ptr<File> c = open_cached(cache, dir / "c");
  open_cached(cache, dir / "a");  // a is now the most recent; b the least
  open_cached(cache, dir / "d");

  CHECK(cache.size() == 3);
  CHECK(b.expired());  // the cache held the only reference
  CHECK_FALSE(a.expired());
  CHECK_FALSE(c.expired());
  CHECK(open_cached(cache, dir / "a") == a.lock());
  CHECK(open_cached(cache, dir / "c") == c.lock());
  CHECK(cache.size() == 3);
}

TEST_CASE("an evicted file still held by a reader keeps reading until released", "[file_cache]") {
  runnel::test::TempDir dir;
  make_files(dir, {"a", "b", "c"});
  write_text(dir / "segment", "0123456789");
  FileHandleCache cache(FileSystem::posix(), 2);
  FileRange range{open_cached(cache, dir / "segment"), 3, 4};
  std::weak_ptr<File> weak = range.file;

  open_cached(cache, dir / "a");
  open_cached(cache, dir / "b");
  open_cached(cache, dir / "c");
  REQUIRE(cache.size() == 2);
  // Even the path going away must not matter to the holder.
  REQUIRE(FileSystem::posix().remove(dir / "segment"));

  auto bytes = range.read_all();
  REQUIRE(bytes);
  CHECK(as_text(*bytes) == "3456");
  CHECK_FALSE(weak.expired());
  range = FileRange{};
  CHECK(weak.expired());  // the descriptor closes with its last holder
}

TEST_CASE("a cached read-write handle is shared by writers and readers", "[file_cache]") {
  runnel::test::TempDir dir;
  FileHandleCache cache(FileSystem::posix(), 2);
  auto writer = open_cached(cache, dir / "new", OpenMode::create);
  const std::string text = "hello";
  REQUIRE(writer->write_at(0, std::as_bytes(std::span(text))));
  auto reader = open_cached(cache, dir / "new", OpenMode::read_write);
  CHECK(reader == writer);
  auto bytes = FileRange{reader, 0, 5}.read_all();
  REQUIRE(bytes);
  CHECK(as_text(*bytes) == "hello");
}

TEST_CASE("forget drops one path and forget_prefix every path under a directory", "[file_cache]") {
  runnel::test::TempDir dir;
  for (const char* sub : {"t-0", "t-00", "t-1"}) {
    std::filesystem::create_directories(dir / sub);
    write_text(dir / sub + "/x.log", "x");
    write_text(dir / sub + "/x.index", "i");
  }
  FileHandleCache cache(FileSystem::posix(), 16);
  std::vector<std::weak_ptr<File>> files;
  for (const char* sub : {"t-0", "t-00", "t-1"})
    for (const char* name : {"/x.log", "/x.index"}) files.push_back(open_cached(cache, dir / sub + name));
  REQUIRE(cache.size() == 6);

  cache.forget(dir / "t-1/x.log");
  CHECK(cache.size() == 5);
  CHECK(files[4].expired());
  cache.forget(dir / "t-1/missing");  // unknown paths are ignored
  CHECK(cache.size() == 5);

  cache.forget_prefix(dir / "t-0/");  // must not touch t-00, which shares the name prefix
  CHECK(cache.size() == 3);
  CHECK(files[0].expired());
  CHECK(files[1].expired());
  CHECK_FALSE(files[2].expired());
  CHECK_FALSE(files[3].expired());
  CHECK_FALSE(files[5].expired());

  // A forgotten path is opened afresh next time.
  auto reopened = open_cached(cache, dir / "t-0/x.log");
  CHECK(cache.size() == 4);
  CHECK(reopened != nullptr);
}

TEST_CASE("a failed open evicts nothing", "[file_cache]") {
  runnel::test::TempDir dir;
  make_files(dir, {"a", "b"});
  FileHandleCache cache(FileSystem::posix(), 2);
  std::weak_ptr<File> a = open_cached(cache, dir / "a");
  std::weak_ptr<File> b = open_cached(cache, dir / "b");
  auto missing = cache.open(dir / "missing", OpenMode::read_only);
  REQUIRE_FALSE(missing);
  CHECK(missing.error() == std::errc::no_such_file_or_directory);
  CHECK(cache.size() == 2);
  CHECK_FALSE(a.expired());
  CHECK_FALSE(b.expired());
}

TEST_CASE("opening many files through the cache keeps descriptors at its capacity", "[file_cache]") {
  runnel::test::TempDir dir;
  const size_t before = open_descriptor_count();
  FileHandleCache cache(FileSystem::posix(), 16);
  for (int i = 0; i < 500; ++i) {
    write_text(dir / std::to_string(i), "x");
    open_cached(cache, dir / std::to_string(i));
    REQUIRE(cache.size() <= 16);
  }
  CHECK(cache.size() == 16);
  CHECK(open_descriptor_count() <= before + 16);
}

TEST_CASE("the cache may be used from several threads at once", "[file_cache]") {
  runnel::test::TempDir dir;
  constexpr int kFiles = 40;
  for (int i = 0; i < kFiles; ++i) write_text(dir / std::to_string(i), std::to_string(i));
  FileHandleCache cache(FileSystem::posix(), 8);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int n = 0; n < 2000; ++n) {
        const int i = (n * 7 + t * 13) % kFiles;
        if (n % 97 == 0) cache.forget_prefix(dir / std::to_string(i));
        auto file = cache.open(dir / std::to_string(i), OpenMode::read_only);
        if (!file) {
          ++failures;
          continue;
        }
        const std::string expected = std::to_string(i);
        std::vector<std::byte> buf(expected.size());
        auto n_read = (*file)->read_at(0, buf);
        if (!n_read || *n_read != expected.size() || as_text(buf) != expected) ++failures;
        if (cache.size() > cache.capacity()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(failures == 0);
  CHECK(cache.size() <= 8);
}
