// meta.properties, and how LogManager uses it to refuse another cluster's or
// another node's data.

#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "storage/errc.h"
#include "storage/log_manager.h"
#include "storage/meta_properties.h"
#include "support/temp_dir.h"
#include "support/text_file.h"

using runnel::storage::Errc;
using runnel::storage::FileSystem;
using runnel::storage::LogManager;
using runnel::storage::LogManagerOptions;
using runnel::storage::MetaProperties;
namespace storage = runnel::storage;

using runnel::test::read_text;
using runnel::test::write_text;

namespace {

bool is_base64url(const std::string& s) {
  for (char c : s)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
      return false;
  return true;
}

MetaProperties read_meta(const std::string& log_dir) {
  auto meta = storage::read_meta_properties(FileSystem::posix(), log_dir);
  REQUIRE(meta);
  REQUIRE(*meta);
  return **meta;
}

LogManagerOptions options_for(std::vector<std::string> dirs, int32_t node_id = 0, std::string cluster_id = "") {
  LogManagerOptions options;
  options.log_dirs = std::move(dirs);
  options.node_id = node_id;
  options.cluster_id = std::move(cluster_id);
  options.max_open_files = 16;
  return options;
}

std::unique_ptr<LogManager> open_manager(const LogManagerOptions& options) {
  auto manager = LogManager::open(options);
  REQUIRE(manager);
  return std::move(*manager);
}

}  // namespace

// ---- the file --------------------------------------------------------------------

TEST_CASE("a generated cluster id is 22 characters of unpadded base64url, new each time", "[meta]") {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto id = storage::generate_cluster_id();
    CHECK(id.size() == 22);
    CHECK(is_base64url(id));
    seen.insert(id);
  }
  CHECK(seen.size() == 100);
}

TEST_CASE("meta.properties is written as key=value lines and reads back", "[meta]") {
  runnel::test::TempDir dir;
  const MetaProperties meta{1, 3, "q1Sh-9_bTjyW9Mdx3n5G2Q"};
  REQUIRE(storage::write_meta_properties(FileSystem::posix(), dir.path(), meta));
  const auto text = read_text(dir / storage::kMetaPropertiesFile);
  CHECK_THAT(text, Catch::Contains("version=1\n"));
  CHECK_THAT(text, Catch::Contains("node.id=3\n"));
  CHECK_THAT(text, Catch::Contains("cluster.id=q1Sh-9_bTjyW9Mdx3n5G2Q\n"));
  CHECK(read_meta(dir.path()) == meta);
  CHECK_FALSE(FileSystem::posix().exists(dir / "meta.properties.tmp"));
}

TEST_CASE("a missing meta.properties reads as none", "[meta]") {
  runnel::test::TempDir dir;
  auto meta = storage::read_meta_properties(FileSystem::posix(), dir.path());
  REQUIRE(meta);
  CHECK_FALSE(*meta);
}

TEST_CASE("a meta.properties written by Kafka, with broker.id and comments, is understood", "[meta]") {
  runnel::test::TempDir dir;
  write_text(dir / storage::kMetaPropertiesFile,
             "#\n#Tue Mar 05 10:00:00 UTC 2024\ncluster.id=MkU3OEVBNTcwNTJENDM2Qk\nversion=0\nbroker.id=7\n");
  CHECK(read_meta(dir.path()) == MetaProperties{0, 7, "MkU3OEVBNTcwNTJENDM2Qk"});
}

TEST_CASE("a malformed meta.properties is refused as bad_checkpoint", "[meta]") {
  runnel::test::TempDir dir;
  const std::vector<std::pair<const char*, std::string>> cases = {
      {"a line without '='", "version=1\nnode.id=0\ncluster.id=abc\ngarbage\n"},
      {"no cluster.id", "version=1\nnode.id=0\n"},
      {"an empty cluster.id", "version=1\nnode.id=0\ncluster.id=\n"},
      {"no node.id", "version=1\ncluster.id=abc\n"},
      {"a non-numeric node.id", "version=1\nnode.id=zero\ncluster.id=abc\n"},
      {"no version", "node.id=0\ncluster.id=abc\n"},
  };
  for (const auto& [what, text] : cases) {
    INFO(what);
    write_text(dir / storage::kMetaPropertiesFile, text);
    auto meta = storage::read_meta_properties(FileSystem::posix(), dir.path());
    REQUIRE_FALSE(meta);
    CHECK(meta.error() == Errc::bad_checkpoint);
  }
}

// ---- LogManager: identity of log dirs ----------------------------------------------

TEST_CASE("the first start generates a cluster id that later starts reuse", "[meta][log_manager]") {
  runnel::test::TempDir a, b;
  std::string cluster_id;
  {
    auto manager = open_manager(options_for({a.path(), b.path()}, 5));
    cluster_id = manager->cluster_id();
    CHECK(cluster_id.size() == 22);
    CHECK(is_base64url(cluster_id));
    REQUIRE(manager->shutdown());
  }
  CHECK(read_meta(a.path()) == MetaProperties{1, 5, cluster_id});
  CHECK(read_meta(b.path()) == MetaProperties{1, 5, cluster_id});

  auto again = open_manager(options_for({a.path(), b.path()}, 5));
  CHECK(again->cluster_id() == cluster_id);
  CHECK(read_meta(a.path()).cluster_id == cluster_id);
}

TEST_CASE("a configured cluster id is stamped into new log dirs", "[meta][log_manager]") {
  runnel::test::TempDir dir;
  auto manager = open_manager(options_for({dir.path()}, 2, "MkU3OEVBNTcwNTJENDM2Qk"));
  CHECK(manager->cluster_id() == "MkU3OEVBNTcwNTJENDM2Qk");
  CHECK(read_meta(dir.path()) == MetaProperties{1, 2, "MkU3OEVBNTcwNTJENDM2Qk"});
}

TEST_CASE("a log dir of another node is refused with cluster_id_mismatch", "[meta][log_manager]") {
  runnel::test::TempDir dir;
  std::string cluster_id;
  {
    auto manager = open_manager(options_for({dir.path()}, 0));
    cluster_id = manager->cluster_id();
  }
  auto other_node = LogManager::open(options_for({dir.path()}, 1));
  REQUIRE_FALSE(other_node);
  CHECK(other_node.error() == Errc::cluster_id_mismatch);
  CHECK(read_meta(dir.path()) == MetaProperties{1, 0, cluster_id});  // left untouched
}

TEST_CASE("a log dir of another cluster is refused with cluster_id_mismatch", "[meta][log_manager]") {
  runnel::test::TempDir dir;
  { open_manager(options_for({dir.path()}, 0, "AAAAAAAAAAAAAAAAAAAAAA")); }
  auto other = LogManager::open(options_for({dir.path()}, 0, "BBBBBBBBBBBBBBBBBBBBBB"));
  REQUIRE_FALSE(other);
  CHECK(other.error() == Errc::cluster_id_mismatch);
  CHECK(read_meta(dir.path()).cluster_id == "AAAAAAAAAAAAAAAAAAAAAA");
}

TEST_CASE("log dirs stamped by two different clusters are refused together", "[meta][log_manager]") {
  runnel::test::TempDir a, b;
  REQUIRE(storage::write_meta_properties(FileSystem::posix(), a.path(), {1, 0, "AAAAAAAAAAAAAAAAAAAAAA"}));
  REQUIRE(storage::write_meta_properties(FileSystem::posix(), b.path(), {1, 0, "BBBBBBBBBBBBBBBBBBBBBB"}));
  auto manager = LogManager::open(options_for({a.path(), b.path()}));
  REQUIRE_FALSE(manager);
  CHECK(manager.error() == Errc::cluster_id_mismatch);
}

TEST_CASE("a log dir added later is stamped with the existing cluster id", "[meta][log_manager]") {
  runnel::test::TempDir a, b;
  std::string cluster_id;
  {
    auto manager = open_manager(options_for({a.path()}, 4));
    cluster_id = manager->cluster_id();
    REQUIRE(manager->shutdown());
  }
  // The new, unstamped dir listed first must not make a new id.
  auto manager = open_manager(options_for({b.path(), a.path()}, 4));
  CHECK(manager->cluster_id() == cluster_id);
  CHECK(read_meta(b.path()) == MetaProperties{1, 4, cluster_id});
}

TEST_CASE("a malformed meta.properties stops the log manager from opening", "[meta][log_manager]") {
  runnel::test::TempDir dir;
  write_text(dir / storage::kMetaPropertiesFile, "this is not a properties file\n");
  auto manager = LogManager::open(options_for({dir.path()}));
  REQUIRE_FALSE(manager);
  CHECK(manager.error() == Errc::bad_checkpoint);
}

TEST_CASE("a log dir that does not exist yet is created and stamped", "[meta][log_manager]") {
  runnel::test::TempDir root;
  const auto dir = root / "nested/logs";
  auto manager = open_manager(options_for({dir}, 0));
  CHECK(FileSystem::posix().exists(dir + "/" + storage::kMetaPropertiesFile));
}
