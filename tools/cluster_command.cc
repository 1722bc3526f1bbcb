#include "tools/cluster_command.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <string>

#include "tools/kafka_client.h"

namespace runnel::tools {
namespace {

void describe_cluster(const ClientOptions& options) {
  KafkaClient client(options, ClientKind::producer);
  std::vector<BrokerMetadata> brokers;
  const std::vector<TopicMetadata> topics = client.topics(&brokers);
  std::sort(brokers.begin(), brokers.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  const int32_t controller = rd_kafka_controllerid(client.get(), client.timeout_ms());
  char* cluster_id = rd_kafka_clusterid(client.get(), client.timeout_ms());
  const std::string id = cluster_id != nullptr ? cluster_id : "";
  if (cluster_id != nullptr) rd_kafka_mem_free(client.get(), cluster_id);
  int64_t partitions = 0;
  for (const auto& t : topics) partitions += static_cast<int64_t>(t.partitions.size());

  auto out = make_formatter(options.output, std::cout);
  out->begin_line();
  out->string("cluster", id);
  out->number("controller", controller);
  out->number("brokers", static_cast<int64_t>(brokers.size()));
  out->number("topics", static_cast<int64_t>(topics.size()));
  out->number("partitions", partitions);
  out->end_line();
  for (const auto& b : brokers) {
    out->begin_line();
    out->number("broker", b.id);
    out->string("host", b.host);
    out->number("port", b.port);
    out->boolean("controller", b.id == controller);
    out->end_line();
  }
}

}  // namespace

void add_cluster_command(CLI::App& app, std::shared_ptr<ClientOptions> client) {
  CLI::App* c = app.add_subcommand("cluster", "Brokers, their endpoints, the controller, topic and partition counts");
  c->footer("Example:\n  runnel --brokers 127.0.0.1:9092 cluster");
  c->callback([client] { describe_cluster(*client); });
}

}  // namespace runnel::tools
