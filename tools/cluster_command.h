#pragma once
// `runnel cluster`: the cluster id, the controller, topic and partition
// counts (internal topics included) and how many partitions are
// under-replicated (ISR smaller than the replicas) and offline (no leader),
// then one line per broker with its endpoint, then one line per such
// partition (topic, partition, leader, replicas, ISR), from the Metadata API.

#include <memory>

namespace CLI {
class App;
}

namespace runnel::tools {

struct ClientOptions;

void add_cluster_command(CLI::App& app, std::shared_ptr<ClientOptions> client);

}  // namespace runnel::tools
