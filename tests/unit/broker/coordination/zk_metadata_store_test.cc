// ZkMetadataStore against a real ZooKeeper (zk_server.h): each test works in a chroot of its own,
// with one store per "broker" (a session and a store each; all sessions complete on one io_context
// running on a thread of its own, as the broker's would). The test thread makes the blocking calls
// and waits (bounded) for what the watches bring.
#include "broker/coordination/zk_metadata_store.h"

#include <algorithm>
#include <asio/post.hpp>
#include <asio/use_future.hpp>
#include <atomic>
#include <future>
#include <thread>
#include <vector>

#include "broker/coordination/zk_json.h"
#include "broker/coordination/zk_topic_layout.h"
#include "support/temp_dir.h"
#include "unit/broker/coordination/zk_server.h"

namespace runnel::broker {
namespace {

// Polls `condition` on this thread until it holds or `limit` passed.
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds limit = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

// An io_context running on a thread of its own, for the sessions' completions.
struct IoThread {
  IoThread() : thread([this] { io.run(); }) {}
  ~IoThread() {
    work.reset();
    thread.join();
  }
  // Returns once everything posted to the io_context so far has run (`rounds` times over).
  void drain(int rounds = 3) {
    for (int i = 0; i < rounds; ++i) {
      std::promise<void> ran;
      asio::post(io, [&] { ran.set_value(); });
      ran.get_future().wait();
    }
  }
  // Runs `op` on the io_context and waits for its result.
  template <class T>
  T sync(asio::awaitable<T> op) {
    auto future = asio::co_spawn(io, std::move(op), asio::use_future);
    REQUIRE(future.wait_for(10s) == std::future_status::ready);
    return future.get();
  }
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
  std::thread thread;
};

// A connected session; closed (and waited for) at destruction.
struct Session {
  Session(IoThread& io, const std::string& connect)
      : session(io.io.get_executor(), {connect, 6s}, [this](ZkSessionState state) {
          if (state == ZkSessionState::connected) connected = true;
        }) {
    REQUIRE(wait_until([this] { return connected.load(); }, 15s));
  }
  ~Session() { close(); }
  void close() {
    if (closed) return;
    closed = true;
    std::promise<void> done;
    session.close([&] { done.set_value(); });
    done.get_future().wait_for(10s);
  }
  std::atomic<bool> connected{false};
  bool closed = false;
  ZkSession session;
};

// A fresh chroot on the shared server, as a connect string.
std::string fresh_chroot(IoThread& io) {
  static int counter = 0;
  const std::string root = "/zkms-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
  Session admin(io, ZooKeeperServer::instance().connect());
  auto created = io.sync(admin.session.create(root, ""));
  REQUIRE(created);
  return ZooKeeperServer::instance().connect() + root;
}

// One broker: its session, its embedded store (for transactional ids) and its ZkMetadataStore,
// counting the change notifications.
struct Broker {
  Broker(IoThread& io, const std::string& connect, int32_t node_id) : io(io), session(io, connect) {
    auto embedded = EmbeddedMetadataStore::open(dir / "meta", node_id);
    REQUIRE(embedded);
    local = std::move(*embedded);
    auto opened = ZkMetadataStore::open(session.session, io.io.get_executor(), *local, 10s, node_id);
    REQUIRE(opened);
    store = std::move(*opened);
    store->on_change([this] { ++changes; });
  }
  // The session closes first: the store's reads under way end with `closing`.
  ~Broker() {
    session.close();
    store.reset();
    io.drain();
  }
  IoThread& io;
  test::TempDir dir;
  Session session;
  std::unique_ptr<EmbeddedMetadataStore> local;
  std::unique_ptr<ZkMetadataStore> store;
  std::atomic<int> changes{0};
};

TopicMetadata orders_topic() {
  TopicMetadata topic;
  topic.name = "orders";
  topic.id = random_topic_id();
  topic.partitions = 2;
  topic.replication_factor = 3;
  topic.assignment = {{1, 2, 3}, {2, 3, 1}};
  topic.configs = {{"retention.ms", "1000"}, {"cleanup.policy", "compact"}};
  return topic;
}

// update_partition_state, waited for.
Result<PartitionState> update(ZkMetadataStore& store, const std::string& topic, int32_t partition,
                              const PartitionState& state) {
  std::promise<Result<PartitionState>> result;
  store.update_partition_state(topic, partition, state, [&](Result<PartitionState> r) { result.set_value(r); });
  auto future = result.get_future();
  REQUIRE(future.wait_for(10s) == std::future_status::ready);
  return future.get();
}

Json read_json(IoThread& io, ZkSession& session, const std::string& path) {
  auto node = io.sync(session.get(path));
  REQUIRE(node);
  auto json = parse_json(node->data);
  REQUIRE(json);
  return *json;
}

std::vector<int64_t> numbers(const Json* array) {
  REQUIRE(array != nullptr);
  std::vector<int64_t> out;
  for (const auto& item : array->array) out.push_back(item.number);
  return out;
}

}  // namespace

TEST_CASE("topic ids are Kafka's Uuid text: 22 characters of unpadded base64url", "[zookeeper]") {
  TopicId id{};
  for (size_t i = 0; i < id.size(); ++i) id[i] = static_cast<std::byte>(i * 17);
  const std::string text = encode_topic_id(id);
  CHECK(text == "ABEiM0RVZneImaq7zN3u_w");
  CHECK(decode_topic_id(text) == id);
  CHECK(!decode_topic_id("ABEiM0RVZneImaq7zN3u_x"));  // spare bits set
  CHECK(!decode_topic_id("ABEiM0RVZneImaq7zN3u"));
}

TEST_CASE("create_topic writes Kafka's JSON; a second creation fails with topic_already_exists", "[zookeeper]") {
  IoThread io;
  const std::string connect = fresh_chroot(io);
  Broker a(io, connect, 1);
  const TopicMetadata topic = orders_topic();
  REQUIRE(a.store->create_topic(topic));

  const Json assignment = read_json(io, a.session.session, "/brokers/topics/orders");
  CHECK(assignment.number_at("version") == 3);
  CHECK(assignment.string_at("topic_id") == encode_topic_id(topic.id));
  const Json* partitions = assignment.find("partitions");
  REQUIRE(partitions != nullptr);
  CHECK(partitions->object.size() == 2);
  CHECK(numbers(partitions->find("0")) == std::vector<int64_t>{1, 2, 3});
  CHECK(numbers(partitions->find("1")) == std::vector<int64_t>{2, 3, 1});
  REQUIRE(assignment.find("adding_replicas") != nullptr);
  CHECK(assignment.find("adding_replicas")->kind == Json::Kind::object);
  CHECK(assignment.find("removing_replicas")->object.empty());

  const Json config = read_json(io, a.session.session, "/config/topics/orders");
  CHECK(config.number_at("version") == 1);
  REQUIRE(config.find("config") != nullptr);
  CHECK(config.find("config")->string_at("retention.ms") == "1000");
  CHECK(config.find("config")->string_at("cleanup.policy") == "compact");

  for (int32_t p = 0; p < 2; ++p) {
    const Json state =
        read_json(io, a.session.session, "/brokers/topics/orders/partitions/" + std::to_string(p) + "/state");
    CHECK(state.number_at("controller_epoch") == 0);
    CHECK(state.number_at("leader") == topic.assignment[p][0]);
    CHECK(state.number_at("version") == 1);
    CHECK(state.number_at("leader_epoch") == 0);
    std::vector<int64_t> replicas(topic.assignment[p].begin(), topic.assignment[p].end());
    CHECK(numbers(state.find("isr")) == replicas);
  }

  // The copy holds it on return.
  CHECK(a.store->topic("orders") == topic);
  CHECK(a.store->topics() == std::vector<TopicMetadata>{topic});
  CHECK(a.store->partition_state("orders", 1) == PartitionState{2, 0, {2, 3, 1}, 0, 0});
  CHECK(!a.store->partition_state("orders", 2));
  CHECK(!a.store->partition_state("other", 0));

  TopicMetadata again = orders_topic();
  again.configs = {{"retention.ms", "5"}};
  auto duplicate = a.store->create_topic(again);
  REQUIRE(!duplicate);
  CHECK(duplicate.error() == MetadataErrc::topic_already_exists);
  CHECK(read_json(io, a.session.session, "/config/topics/orders").find("config")->string_at("retention.ms") == "1000");
  CHECK(a.store->topic("orders") == topic);
}

TEST_CASE("another broker's store follows creation, config changes, state changes and deletion", "[zookeeper]") {
  IoThread io;
  const std::string connect = fresh_chroot(io);
  Broker a(io, connect, 1);
  Broker b(io, connect, 2);
  TopicMetadata topic = orders_topic();
  REQUIRE(a.store->create_topic(topic));

  REQUIRE(wait_until([&] { return b.store->topic("orders") && b.store->partition_state("orders", 1); }));
  CHECK(b.store->topic("orders") == topic);
  CHECK(b.store->partition_state("orders", 0) == PartitionState{1, 0, {1, 2, 3}, 0, 0});
  CHECK(wait_until([&] { return b.changes > 0; }));

  SECTION("a config change") {
    topic.configs = {{"retention.ms", "2000"}};
    REQUIRE(a.store->put_topic(topic));
    CHECK(a.store->topic("orders") == topic);
    CHECK(wait_until([&] { return b.store->topic("orders") == topic; }));
  }

  SECTION("state changes by compare-and-set, from either broker") {
    const PartitionState original = *a.store->partition_state("orders", 0);
    PartitionState next = original;
    next.leader = 2;
    next.leader_epoch = 1;
    next.isr = {2, 3};
    auto updated = update(*a.store, "orders", 0, next);
    REQUIRE(updated);
    next.version = 1;
    CHECK(*updated == next);
    CHECK(a.store->partition_state("orders", 0) == next);

    PartitionState stale = original;
    stale.leader = 3;
    auto lost = update(*a.store, "orders", 0, stale);
    REQUIRE(!lost);
    CHECK(lost.error() == MetadataErrc::stale_version);
    CHECK(a.store->partition_state("orders", 0) == next);

    REQUIRE(wait_until([&] { return b.store->partition_state("orders", 0) == next; }));
    PartitionState from_b = next;
    from_b.isr = {2, 3, 1};
    auto by_b = update(*b.store, "orders", 0, from_b);
    REQUIRE(by_b);
    CHECK(by_b->version == 2);
    CHECK(wait_until([&] { return a.store->partition_state("orders", 0) == *by_b; }));
    CHECK(b.store->partition_state("orders", 1) == PartitionState{2, 0, {2, 3, 1}, 0, 0});
  }

  SECTION("deletion, then creation again under the same name") {
    REQUIRE(a.store->delete_topic("orders"));
    CHECK(!a.store->topic("orders"));
    CHECK(!a.store->partition_state("orders", 0));
    auto gone = io.sync(a.session.session.exists("/config/topics/orders"));
    REQUIRE(gone);
    CHECK(!*gone);
    REQUIRE(wait_until([&] { return !b.store->topic("orders") && !b.store->partition_state("orders", 0); }));
    CHECK(b.store->topics().empty());

    TopicMetadata recreated = orders_topic();
    recreated.partitions = 1;
    recreated.assignment = {{3, 1}};
    recreated.replication_factor = 2;
    REQUIRE(b.store->create_topic(recreated));
    CHECK(wait_until([&] {
      return a.store->topic("orders") == recreated &&
             a.store->partition_state("orders", 0) == PartitionState{3, 0, {3, 1}, 0, 0};
    }));
  }
}

TEST_CASE("producer id blocks taken by two brokers at once never overlap", "[zookeeper]") {
  IoThread io;
  const std::string connect = fresh_chroot(io);
  Broker a(io, connect, 1);
  Broker b(io, connect, 2);
  constexpr int kBlocks = 20;
  constexpr int64_t kSize = 10;
  std::vector<int64_t> firsts_a, firsts_b;
  auto take = [&](Broker& broker, std::vector<int64_t>& firsts) {
    for (int i = 0; i < kBlocks; ++i) {
      auto first = broker.store->allocate_producer_ids(kSize);
      if (first) firsts.push_back(*first);
    }
  };
  std::thread other([&] { take(b, firsts_b); });
  take(a, firsts_a);
  other.join();
  REQUIRE(firsts_a.size() == kBlocks);
  REQUIRE(firsts_b.size() == kBlocks);
  std::vector<int64_t> all = firsts_a;
  all.insert(all.end(), firsts_b.begin(), firsts_b.end());
  std::sort(all.begin(), all.end());
  for (size_t i = 0; i < all.size(); ++i) CHECK(all[i] == static_cast<int64_t>(i) * kSize);  // ids start at 0

  const Json block = read_json(io, a.session.session, "/latest_producer_id_block");
  CHECK(block.number_at("version") == 1);
  CHECK(block.string_at("block_start") == std::to_string((2 * kBlocks - 1) * kSize));
  CHECK(block.string_at("block_end") == std::to_string(2 * kBlocks * kSize - 1));
  const auto broker = block.number_at("broker");
  CHECK((broker == 1 || broker == 2));
}

TEST_CASE("a store opened later loads every topic, its configs and its partition states", "[zookeeper]") {
  IoThread io;
  const std::string connect = fresh_chroot(io);
  const TopicMetadata topic = orders_topic();
  PartitionState moved;
  {
    Broker a(io, connect, 1);
    REQUIRE(a.store->create_topic(topic));
    TopicMetadata other = orders_topic();
    other.name = "payments";
    other.partitions = 1;
    other.assignment = {{2}};
    other.replication_factor = 1;
    other.configs.clear();
    REQUIRE(a.store->create_topic(other));
    moved = *a.store->partition_state("orders", 1);
    moved.leader = 3;
    moved.leader_epoch = 4;
    auto updated = update(*a.store, "orders", 1, moved);
    REQUIRE(updated);
    moved = *updated;
  }
  Broker c(io, connect, 3);
  CHECK(c.store->topic("orders") == topic);
  REQUIRE(c.store->topics().size() == 2);
  CHECK(c.store->topics()[1].name == "payments");
  CHECK(c.store->topics()[1].configs.empty());
  CHECK(c.store->partition_state("orders", 1) == moved);
  CHECK(c.store->partition_state("orders", 1)->version == 1);
  CHECK(c.store->partition_state("payments", 0) == PartitionState{2, 0, {2}, 0, 0});
}

}  // namespace runnel::broker
