// EmbeddedMetadataStore: producer ids are never handed out twice, across
// reopening; transactional ids keep their producer and expire when unused.

#include "broker/metadata_store.h"

#include <catch2/catch.hpp>

#include "broker/producer_id_manager.h"
#include "support/temp_dir.h"

using namespace runnel::broker;

namespace {

std::unique_ptr<EmbeddedMetadataStore> open_store(const runnel::test::TempDir& dir) {
  auto store = EmbeddedMetadataStore::open(dir / "meta", 1);
  REQUIRE(store);
  return std::move(*store);
}

}  // namespace

TEST_CASE("producer ids come from blocks that survive a reopen", "[producer_id]") {
  runnel::test::TempDir dir;
  int64_t last = -1;
  {
    auto store = open_store(dir);
    ProducerIdManager ids(*store);
    for (int i = 0; i < 2500; ++i) {  // three blocks
      auto id = ids.next_producer_id();
      REQUIRE(id);
      CHECK(*id == last + 1);
      last = *id;
    }
  }
  auto store = open_store(dir);
  ProducerIdManager ids(*store);
  auto id = ids.next_producer_id();
  REQUIRE(id);
  CHECK(*id > last);  // the rest of the last block is abandoned, never reused
  CHECK(*id == 3 * ProducerIdManager::kBlockSize);
}

TEST_CASE("transactional ids keep their producer and expire when unused", "[producer_id]") {
  runnel::test::TempDir dir;
  auto store = open_store(dir);
  CHECK_FALSE(store->transactional_producer("t1"));
  REQUIRE(store->put_transactional_producer("t1", {42, 3, 1000}));
  REQUIRE(store->put_transactional_producer("t2", {43, 0, 5000}));
  CHECK(store->transactional_producer("t1") == TransactionalProducer{42, 3, 1000});
  auto expired = store->expire_transactional_ids(6000, 4500);
  REQUIRE(expired);
  CHECK(*expired == 1);
  CHECK_FALSE(store->transactional_producer("t1"));
  CHECK(store->transactional_producer("t2") == TransactionalProducer{43, 0, 5000});
}
