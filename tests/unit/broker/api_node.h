#pragma once
// A single node with every service a request handler reaches (as runneld
// wires them), for handler tests: call<Response>(request, version) encodes the
// request, runs its API's handler from the API table on an io_context (blocking
// work goes to the node's disk pool, as in runneld) and decodes the answer.

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>
#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "broker/api_table.h"
#include "broker/group/group_coordinator.h"
#include "broker/producer_id_manager.h"
#include "broker/services.h"
#include "protocol/codec.h"
#include "single_node.h"

namespace runnel::test {

struct ApiNode : SingleNode {
  std::unique_ptr<broker::group::GroupCoordinator> groups;
  std::unique_ptr<broker::ProducerIdManager> producer_ids;
  std::unique_ptr<broker::BrokerServices> services;
  asio::io_context io;

  explicit ApiNode(std::string dir, const std::string& properties = "")
      : SingleNode(std::move(dir), "offsets.topic.num.partitions=1\n" + properties) {
    groups = std::make_unique<broker::group::GroupCoordinator>(config, *metadata, *controller, *replicas);
    REQUIRE(groups->start());
    producer_ids = std::make_unique<broker::ProducerIdManager>(*metadata);
    services = std::make_unique<broker::BrokerServices>(broker::BrokerServices{
        config, *logs, *metadata, *replicas, *controller, *groups, *producer_ids, disk_pool, disk_pool, logs->cluster_id(),
        "127.0.0.1", 9092});
  }

  ~ApiNode() { disk_pool.join(); }

  template <typename Response, typename Request>
  Response call(const Request& request, int16_t version) {
    protocol::Writer writer;
    request.encode(writer, version);
    auto body = std::move(writer).finish().buffer;
    const broker::ApiEntry* api = broker::find_api(Request::kApiKey);
    REQUIRE(api);
    broker::RequestContext ctx{Request::kApiKey, version, 1, std::string("test"), body, nullptr, *services,
                               "127.0.0.1"};
    auto future = asio::co_spawn(io, api->handle(ctx), asio::use_future);
    io.restart();
    io.run();
    broker::Response answer = future.get();
    REQUIRE(answer.ranges.empty());
    protocol::Reader reader(answer.body.buffer);
    Response response;
    response.decode(reader, version);
    REQUIRE(reader.ok());
    REQUIRE(reader.remaining() == 0);
    return response;
  }
};

}  // namespace runnel::test
