#pragma once
// `runnel cluster`: the cluster id, the controller, topic and partition
// counts (internal topics included), then one line per broker with its
// endpoint, from the Metadata API.

#include <memory>

namespace CLI {
class App;
}

namespace runnel::tools {

struct ClientOptions;

void add_cluster_command(CLI::App& app, std::shared_ptr<ClientOptions> client);

}  // namespace runnel::tools
