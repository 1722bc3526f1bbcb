// ZkSession against a real ZooKeeper: one server per test process (zk_server.h), stopped at
// exit. Each test works under its own root node and bounds its own run time.
#include "broker/coordination/zk_session.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "unit/broker/coordination/zk_server.h"

namespace runnel::broker {
namespace {

using Type = ZkWatchEvent::Type;

// A session on the shared server whose state changes are recorded.
struct Client {
  explicit Client(asio::io_context& io, std::chrono::milliseconds timeout = 4s)
      : session(io.get_executor(), {ZooKeeperServer::instance().connect(), timeout},
                [this](ZkSessionState state) { states.push_back(state); }) {}
  bool saw(ZkSessionState state) const { return std::find(states.begin(), states.end(), state) != states.end(); }
  // Operations queued before the first connection fail with connection_loss if that attempt
  // times out (a JVM just started may be slow to accept sessions): wait for it.
  asio::awaitable<void> connected() {
    const bool ok = co_await eventually([this] { return saw(ZkSessionState::connected); }, 15s);
    REQUIRE(ok);
  }
  std::vector<ZkSessionState> states;
  ZkSession session;
};

// A fresh persistent root for one test.
asio::awaitable<std::string> make_root(ZkSession& session, const std::string& name) {
  const std::string root = "/" + name + "-" + std::to_string(::getpid());
  auto created = co_await session.create(root, "");
  if (!created) FAIL("create " << root << ": " << created.error().message());
  co_return root;
}

// Runs `body` with one connected session and a fresh root named after `name`; closes the session.
void with_root(const std::string& name,
               const std::function<asio::awaitable<void>(ZkSession&, const std::string&)>& body) {
  asio::io_context io;
  Client client(io);
  run(io, [&]() -> asio::awaitable<void> {
    co_await client.connected();
    const std::string root = co_await make_root(client.session, name);
    co_await body(client.session, root);
    co_await client.session.close();
  });
}

}  // namespace

TEST_CASE("create then get returns the exact bytes; creating an existing node fails with node_exists",
          "[zookeeper]") {
  with_root("create", [](ZkSession& session, const std::string& root) -> asio::awaitable<void> {
    const std::string bytes("a\0b\xff\x01 payload", 13);
    auto created = co_await session.create(root + "/node", bytes);
    REQUIRE(created.has_value());
    CHECK(*created == root + "/node");

    auto node = co_await session.get(root + "/node");
    REQUIRE(node.has_value());
    CHECK(node->data == bytes);
    CHECK(node->stat.version == 0);
    CHECK(node->stat.ephemeral_owner == 0);

    auto again = co_await session.create(root + "/node", "other");
    REQUIRE(!again.has_value());
    CHECK(again.error() == ZkErrc::node_exists);
    CHECK(again.error().message() == "znode already exists");
    auto unchanged = co_await session.get(root + "/node");
    CHECK(unchanged->data == bytes);

    auto orphan = co_await session.create(root + "/missing/child", "");
    REQUIRE(!orphan.has_value());
    CHECK(orphan.error() == ZkErrc::no_node);
    auto missing = co_await session.get(root + "/missing");
    REQUIRE(!missing.has_value());
    CHECK(missing.error() == ZkErrc::no_node);

    auto first = co_await session.create(root + "/seq-", "", ZkCreateMode::persistent_sequential);
    auto second = co_await session.create(root + "/seq-", "", ZkCreateMode::persistent_sequential);
    REQUIRE((first.has_value() && second.has_value()));
    CHECK(*first == root + "/seq-0000000001");
    CHECK(*second == root + "/seq-0000000002");
  });
}

TEST_CASE("set with the node's version bumps it; a stale version fails with bad_version and changes nothing",
          "[zookeeper]") {
  with_root("set", [](ZkSession& session, const std::string& path) -> asio::awaitable<void> {
    auto stat = co_await session.set(path, "v1", 0);
    REQUIRE(stat.has_value());
    CHECK(stat->version == 1);

    auto stale = co_await session.set(path, "lost", 0);
    REQUIRE(!stale.has_value());
    CHECK(stale.error() == ZkErrc::bad_version);
    auto node = co_await session.get(path);
    REQUIRE(node.has_value());
    CHECK(node->data == "v1");
    CHECK(node->stat.version == 1);

    auto any = co_await session.set(path, "v2");
    REQUIRE(any.has_value());
    CHECK(any->version == 2);
    auto missing = co_await session.set(path + "/none", "x", 0);
    CHECK(missing.error() == ZkErrc::no_node);
  });
}

TEST_CASE("get_children lists the children's names sorted; remove deletes a node at its version",
          "[zookeeper]") {
  with_root("children", [](ZkSession& session, const std::string& root) -> asio::awaitable<void> {
    for (const char* name : {"b", "c", "a"}) {
      auto created = co_await session.create(root + "/" + name, name);
      REQUIRE(created.has_value());
    }
    auto children = co_await session.get_children(root);
    REQUIRE(children.has_value());
    CHECK(*children == std::vector<std::string>{"a", "b", "c"});

    auto not_empty = co_await session.remove(root);
    CHECK(not_empty.error() == ZkErrc::not_empty);
    auto stale = co_await session.remove(root + "/a", 3);
    CHECK(stale.error() == ZkErrc::bad_version);
    auto removed = co_await session.remove(root + "/a", 0);
    REQUIRE(removed.has_value());
    removed = co_await session.remove(root + "/b");
    REQUIRE(removed.has_value());
    auto gone = co_await session.remove(root + "/b");
    CHECK(gone.error() == ZkErrc::no_node);
    children = co_await session.get_children(root);
    CHECK(*children == std::vector<std::string>{"c"});
    auto exists = co_await session.exists(root + "/a");
    REQUIRE(exists.has_value());
    CHECK(!exists->has_value());
  });
}

TEST_CASE("an exists watch fires on the session's executor when another session creates the node",
          "[zookeeper]") {
  asio::io_context io;
  Client watcher(io);
  Client writer(io);
  std::vector<ZkWatchEvent> events;
  bool on_executor = true;
  run(io, [&]() -> asio::awaitable<void> {
    co_await watcher.connected();
    co_await writer.connected();
    const std::string root = co_await make_root(writer.session, "watch");
    auto before = co_await watcher.session.exists(root + "/node", [&](const ZkWatchEvent& event) {
      on_executor = on_executor && io.get_executor().running_in_this_thread();
      events.push_back(event);
    });
    REQUIRE(before.has_value());
    CHECK(!before->has_value());

    auto created = co_await writer.session.create(root + "/node", "x");
    REQUIRE(created.has_value());
    bool fired = co_await eventually([&] { return !events.empty(); });
    REQUIRE(fired);
    CHECK(events[0].type == Type::created);
    CHECK(events[0].path == root + "/node");
    CHECK(on_executor);

    // One-shot: a later change does not fire it again; a data watch sees the next change.
    std::vector<ZkWatchEvent> data_events;
    auto node = co_await watcher.session.get(root + "/node", [&](const ZkWatchEvent& e) { data_events.push_back(e); });
    REQUIRE(node.has_value());
    auto set = co_await writer.session.set(root + "/node", "y");
    REQUIRE(set.has_value());
    fired = co_await eventually([&] { return !data_events.empty(); });
    REQUIRE(fired);
    CHECK(data_events[0].type == Type::changed);
    CHECK(events.size() == 1);

    std::vector<ZkWatchEvent> child_events;
    auto children =
        co_await watcher.session.get_children(root, [&](const ZkWatchEvent& e) { child_events.push_back(e); });
    REQUIRE(children.has_value());
    created = co_await writer.session.create(root + "/other", "");
    REQUIRE(created.has_value());
    fired = co_await eventually([&] { return !child_events.empty(); });
    REQUIRE(fired);
    CHECK(child_events[0].type == Type::children_changed);
    CHECK(child_events[0].path == root);
    co_await watcher.session.close();
    co_await writer.session.close();
  });
}

TEST_CASE("an ephemeral node goes when its session closes, and another session's watch sees it go",
          "[zookeeper]") {
  asio::io_context io;
  Client observer(io);
  auto owner = std::make_unique<Client>(io);
  std::vector<ZkWatchEvent> events;
  run(io, [&]() -> asio::awaitable<void> {
    co_await observer.connected();
    co_await owner->connected();
    const std::string root = co_await make_root(observer.session, "ephemeral");
    auto created = co_await owner->session.create(root + "/broker-", "id", ZkCreateMode::ephemeral_sequential);
    REQUIRE(created.has_value());
    CHECK(created->starts_with(root + "/broker-"));
    auto node = co_await observer.session.get(*created, [&](const ZkWatchEvent& e) { events.push_back(e); });
    REQUIRE(node.has_value());
    CHECK(node->stat.ephemeral_owner == owner->session.session_id());
    CHECK(node->stat.ephemeral_owner != 0);

    // An owner's watch still outstanding at close fires `closed`.
    std::vector<ZkWatchEvent> owner_events;
    auto never =
        co_await owner->session.exists(root + "/never", [&](const ZkWatchEvent& e) { owner_events.push_back(e); });
    REQUIRE(never.has_value());
    co_await owner->session.close();
    owner.reset();
    const bool fired = co_await eventually([&] { return !events.empty() && !owner_events.empty(); });
    REQUIRE(fired);
    CHECK(events[0].type == Type::deleted);
    CHECK(events[0].path == *created);
    CHECK(owner_events[0].type == Type::closed);
    auto gone = co_await observer.session.exists(*created);
    REQUIRE(gone.has_value());
    CHECK(!gone->has_value());
    co_await observer.session.close();
  });
}

TEST_CASE("operations after close fail with closing", "[zookeeper]") {
  asio::io_context io;
  Client client(io);
  run(io, [&]() -> asio::awaitable<void> {
    co_await client.connected();
    co_await client.session.close();
    auto late = co_await client.session.get("/");
    REQUIRE(!late.has_value());
    CHECK(late.error() == ZkErrc::closing);
  });
}

// Last: it stops and restarts the shared server.
TEST_CASE("a session whose server stops reports disconnected, then connected again when it returns",
          "[zookeeper]") {
  asio::io_context io;
  Client client(io, 9s);
  run(io, [&]() -> asio::awaitable<void> {
    co_await client.connected();
    const std::string root = co_await make_root(client.session, "restart");
    ZooKeeperServer::instance().stop();
    const bool disconnected = co_await eventually([&] { return client.saw(ZkSessionState::disconnected); });
    REQUIRE(disconnected);
    auto lost = co_await client.session.get(root);
    REQUIRE(!lost.has_value());
    CHECK(lost.error() == ZkErrc::connection_loss);

    ZooKeeperServer::instance().start();
    const bool reconnected = co_await eventually([&] { return client.states.back() == ZkSessionState::connected; });
    REQUIRE(reconnected);
    CHECK(!client.saw(ZkSessionState::expired));
    auto node = co_await client.session.get(root);
    REQUIRE(node.has_value());
    co_await client.session.close();
  }, 40s);
}

}  // namespace runnel::broker
