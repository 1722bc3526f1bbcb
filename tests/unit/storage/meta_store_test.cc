#include "storage/meta_store.h"

#include <catch2/catch.hpp>

#include "support/temp_dir.h"

using runnel::storage::MetaStore;

TEST_CASE("the meta store keeps values across reopen and scans by prefix in key order", "[meta_store]") {
  runnel::test::TempDir tmp;
  {
    auto store = MetaStore::open(tmp / "meta");
    REQUIRE(store);
    REQUIRE((*store)->put("topic/b", "2"));
    REQUIRE((*store)->put("topic/a", "1"));
    REQUIRE((*store)->put("other/x", "9"));
    REQUIRE((*store)->put("topic/c", "3"));
    REQUIRE((*store)->remove("topic/c"));
  }
  auto store = MetaStore::open(tmp / "meta");
  REQUIRE(store);
  auto a = (*store)->get("topic/a");
  REQUIRE(a);
  CHECK(*a == std::optional<std::string>("1"));
  auto missing = (*store)->get("topic/c");
  REQUIRE(missing);
  CHECK_FALSE(missing->has_value());
  std::vector<std::string> seen;
  REQUIRE((*store)->scan("topic/", [&](std::string_view k, std::string_view v) {
    seen.push_back(std::string(k) + "=" + std::string(v));
  }));
  CHECK(seen == std::vector<std::string>{"topic/a=1", "topic/b=2"});
}

TEST_CASE("opening a meta store where a file stands fails cleanly", "[meta_store]") {
  runnel::test::TempDir tmp;
  { std::FILE* f = std::fopen((tmp / "blocked").c_str(), "w"); std::fclose(f); }
  auto store = MetaStore::open(tmp / "blocked");
  CHECK_FALSE(store);
}

TEST_CASE("the meta store applies a batch of puts and deletes, and removes by prefix", "[meta_store]") {
  runnel::test::TempDir tmp;
  {
    auto store = MetaStore::open(tmp / "meta");
    REQUIRE(store);
    REQUIRE((*store)->put("p1/a", "old"));
    REQUIRE((*store)->write({{"p1/a", "1"}, {"p1/b", "2"}, {"p2/a", "3"}, {"p1/b", std::nullopt}, {"p1/c", "4"}},
                            false));
  }
  auto store = MetaStore::open(tmp / "meta");
  REQUIRE(store);
  std::vector<std::string> seen;
  auto collect = [&](std::string_view k, std::string_view v) { seen.push_back(std::string(k) + "=" + std::string(v)); };
  REQUIRE((*store)->scan("p", collect));
  CHECK(seen == std::vector<std::string>{"p1/a=1", "p1/c=4", "p2/a=3"});
  REQUIRE((*store)->remove_prefix("p1/"));
  seen.clear();
  REQUIRE((*store)->scan("p", collect));
  CHECK(seen == std::vector<std::string>{"p2/a=3"});
}
