#include "tools/cluster_command.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

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
  std::vector<std::pair<const TopicMetadata*, const PartitionMetadata*>> unhealthy;
  int64_t under_replicated = 0;
  int64_t offline = 0;
  for (const auto& t : topics) {
    partitions += static_cast<int64_t>(t.partitions.size());
    for (const auto& p : t.partitions) {
      under_replicated += p.under_replicated() ? 1 : 0;
      offline += p.offline() ? 1 : 0;
      if (p.under_replicated() || p.offline()) unhealthy.emplace_back(&t, &p);
    }
  }

  const bool text = options.output == OutputFormat::text;
  auto out = make_formatter(options.output, std::cout);
  out->begin_line();
  out->string("cluster", id);
  out->number("controller", controller);
  out->number("brokers", static_cast<int64_t>(brokers.size()));
  out->number("topics", static_cast<int64_t>(topics.size()));
  out->number("partitions", partitions);
  out->number(text ? "under-replicated-partitions" : "underReplicatedPartitions", under_replicated);
  out->number(text ? "offline-partitions" : "offlinePartitions", offline);
  out->end_line();
  for (const auto& b : brokers) {
    out->begin_line();
    out->number("broker", b.id);
    out->string("host", b.host);
    out->number("port", b.port);
    out->boolean("controller", b.id == controller);
    out->end_line();
  }
  // As `topic describe` marks them: text names only the conditions that hold.
  for (const auto& [t, p] : unhealthy) {
    out->begin_line();
    out->string("topic", t->name);
    out->number("partition", p->id);
    out->number("leader", p->leader);
    out->ids("replicas", p->replicas);
    out->ids("isr", p->isr);
    if (!text || p->under_replicated())
      out->boolean(text ? "under-replicated" : "underReplicated", p->under_replicated());
    if (!text || p->offline()) out->boolean("offline", p->offline());
    out->end_line();
  }
}

}  // namespace

void add_cluster_command(CLI::App& app, std::shared_ptr<ClientOptions> client) {
  CLI::App* c = app.add_subcommand(
      "cluster", "Brokers, the controller, partition counts, under-replicated and offline partitions");
  c->footer("Example:\n  runnel --brokers 127.0.0.1:9092 cluster");
  c->callback([client] { describe_cluster(*client); });
}

}  // namespace runnel::tools
