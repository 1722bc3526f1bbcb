// BrokerClient against a real Server on 127.0.0.1 (an ephemeral port) over a
// single node's services: ApiVersions, Produce then Fetch of the same bytes
// and OffsetForLeaderEpoch round trips; a closed port and a peer that never
// answers fail with errors, within the timeout, and leave the client closed.

#include <asio/co_spawn.hpp>
#include <asio/ip/tcp.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "api_node.h"
#include "broker/replication/broker_client.h"
#include "broker/server.h"
#include "protocol/byte_order.h"
#include "protocol/error_code.h"
#include "protocol/messages/api_versions.h"
#include "protocol/messages/fetch.h"
#include "protocol/messages/offset_for_leader_epoch.h"
#include "protocol/messages/produce.h"
#include "support/batches.h"
#include "support/temp_dir.h"

using namespace runnel::broker;
using namespace runnel::protocol::messages;
using runnel::protocol::ErrorCode;
using namespace std::chrono_literals;

namespace {

constexpr int64_t kNowMs = 1'700'000'000'000;
constexpr auto kTimeout = 5s;

// Drives `io` until `test` finishes (other work, a server's, may go on), rethrowing its failures.
void run(asio::io_context& io, asio::awaitable<void> test) {
  bool done = false;
  std::exception_ptr failure;
  asio::co_spawn(io, std::move(test), [&](std::exception_ptr e) {
    failure = e;
    done = true;
  });
  io.restart();
  while (!done) io.run_one();
  if (failure) std::rethrow_exception(failure);
}

// An ApiNode served by a Server on 127.0.0.1, on the node's io_context.
struct ServedNode : runnel::test::ApiNode {
  Server server{io, *services};

  explicit ServedNode(const runnel::test::TempDir& dir) : ApiNode(dir / "data") {
    server.bind({Listener{"PLAINTEXT", "127.0.0.1", 0}});
    server.start();
  }
  ~ServedNode() {
    server.stop();
    io.restart();
    io.poll();
  }

  uint16_t port() const { return server.bound_port(); }
};

asio::awaitable<BrokerClient> connected_client(uint16_t port) {
  BrokerClient client(co_await asio::this_coro::executor, "broker-1");
  auto connected = co_await client.connect("127.0.0.1", port, kTimeout);
  REQUIRE(connected);
  REQUIRE(client.connected());
  co_return client;
}

}  // namespace

TEST_CASE("BrokerClient: ApiVersions round trips at v0 and v3, listing OffsetForLeaderEpoch", "[broker-client]") {
  runnel::test::TempDir dir;
  ServedNode node(dir);
  run(node.io, [](uint16_t port) -> asio::awaitable<void> {
    auto client = co_await connected_client(port);
    for (int16_t version : {0, 3}) {
      ApiVersionsRequest request;
      request.client_software_name = "runnel";
      request.client_software_version = "0";
      auto response = co_await client.send<ApiVersionsResponse>(request, version, kTimeout);
      REQUIRE(response);
      CHECK(response->error_code == 0);
      bool listed = false;
      for (const auto& api : response->api_keys)
        if (api.api_key == OffsetForLeaderEpochRequest::kApiKey) listed = api.min_version == 0 && api.max_version == 4;
      CHECK(listed);
    }
  }(node.port()));
}

TEST_CASE("BrokerClient: a produced batch fetches back byte for byte; OffsetForLeaderEpoch sees it",
          "[broker-client]") {
  runnel::test::TempDir dir;
  ServedNode node(dir);
  REQUIRE(node.controller->create_topic("t", 1, 1, {}, false).error == ErrorCode::none);
  auto stored = node.metadata->topic("t");
  REQUIRE(stored);
  auto partition = node.replicas->partition(*stored, 0);
  REQUIRE(partition);
  const int32_t epoch = (*partition)->leader_epoch();

  run(node.io, [](uint16_t port, int32_t epoch) -> asio::awaitable<void> {
    auto client = co_await connected_client(port);
    std::vector<std::byte> batch = runnel::test::make_batch(5, kNowMs, "v", 20);

    ProduceRequest produce;
    produce.acks = -1;
    produce.timeout_ms = 5000;
    auto& topic = produce.topic_data.emplace_back();
    topic.name = "t";
    topic.partition_data.push_back({0, runnel::protocol::RecordsRef{batch}});
    auto produced = co_await client.send<ProduceResponse>(produce, 7, kTimeout);
    REQUIRE(produced);
    REQUIRE(produced->responses.at(0).partition_responses.at(0).error_code == 0);
    CHECK(produced->responses[0].partition_responses[0].base_offset == 0);

    FetchRequest fetch;
    fetch.replica_id = -1;
    fetch.max_wait_ms = 0;
    fetch.min_bytes = 1;
    fetch.max_bytes = 1 << 20;
    fetch.topics.push_back({"t", {{0, -1, 0, -1, 1 << 20}}});
    auto fetched = co_await client.send<FetchResponse>(fetch, 11, kTimeout);
    REQUIRE(fetched);
    const auto& data = fetched->responses.at(0).partitions.at(0);
    CHECK(data.error_code == 0);
    CHECK(data.high_watermark == 5);
    REQUIRE(data.records.bytes);
    std::vector<std::byte> expected = batch;  // as stored: the leader writes its epoch at bytes 12..15
    runnel::protocol::write_be<int32_t>(expected.data() + 12, epoch);
    CHECK(std::vector<std::byte>(data.records.bytes->begin(), data.records.bytes->end()) == expected);

    OffsetForLeaderEpochRequest ask;
    ask.replica_id = 1;
    ask.topics.push_back({"t", {{0, epoch, epoch}}});
    for (int16_t version : {0, 4}) {
      auto answer = co_await client.send<OffsetForLeaderEpochResponse>(ask, version, kTimeout);
      REQUIRE(answer);
      const auto& end = answer->topics.at(0).partitions.at(0);
      CHECK(end.error_code == 0);
      CHECK(end.end_offset == 5);
      CHECK(end.leader_epoch == (version >= 1 ? epoch : -1));
    }
  }(node.port(), epoch));
}

TEST_CASE("BrokerClient: connecting to a closed port fails; sending unconnected is not_connected",
          "[broker-client]") {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  const uint16_t port = acceptor.local_endpoint().port();
  acceptor.close();

  run(io, [](uint16_t port) -> asio::awaitable<void> {
    BrokerClient client(co_await asio::this_coro::executor, "broker-1");
    auto connected = co_await client.connect("127.0.0.1", port, kTimeout);
    REQUIRE_FALSE(connected);
    CHECK(connected.error() == asio::error::connection_refused);
    CHECK_FALSE(client.connected());
    const ApiVersionsRequest request;  // named: GCC 12 destroys temporaries in a co_await expression twice
    auto sent = co_await client.send<ApiVersionsResponse>(request, 0, kTimeout);
    REQUIRE_FALSE(sent);
    CHECK(sent.error() == std::make_error_code(std::errc::not_connected));
  }(port));
}

TEST_CASE("BrokerClient: a peer that never answers times out within the timeout and is closed",
          "[broker-client]") {
  asio::io_context io;
  // Listening but never accepting: the kernel completes the connect, nobody reads.
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  const uint16_t port = acceptor.local_endpoint().port();

  run(io, [](uint16_t port) -> asio::awaitable<void> {
    BrokerClient client(co_await asio::this_coro::executor, "broker-1");
    auto connected = co_await client.connect("127.0.0.1", port, kTimeout);
    REQUIRE(connected);
    const ApiVersionsRequest request;
    const auto start = std::chrono::steady_clock::now();
    auto sent = co_await client.send<ApiVersionsResponse>(request, 3, 200ms);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(sent);
    CHECK(sent.error() == std::make_error_code(std::errc::timed_out));
    CHECK(elapsed >= 200ms);
    CHECK(elapsed < 2s);
    CHECK_FALSE(client.connected());
  }(port));
}
