#pragma once
// `runnel topic create|list|describe|alter-config|delete|delete-records`, through librdkafka's Admin API.
//  - create NAME [--partitions N] [--replication-factor R] [--config k=v]...
//    (-1, the default, takes the broker's num.partitions / default.replication.factor)
//  - list: one line per topic: name, partition count, replication factor
//  - describe NAME: the topic line, one line per partition (leader, replicas,
//    ISR, whether under-replicated or offline, log start and end offsets;
//    -1 offsets for an offline partition), one line per config (value, source)
//  - alter-config NAME [--set k=v]... [--delete k]...: DescribeConfigs, then
//    AlterConfigs with the whole new set of overrides
//  - delete NAME
//  - delete-records NAME --partition P --before OFFSET (tools/delete_records_command.h)
// Failures (unreachable brokers, unknown topic, a broker error) are one line
// on stderr and exit status 1.

#include <memory>

namespace CLI {
class App;
}

namespace runnel::tools {

struct ClientOptions;

void add_topic_command(CLI::App& app, std::shared_ptr<ClientOptions> client);

}  // namespace runnel::tools
