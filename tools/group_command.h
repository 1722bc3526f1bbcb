#pragma once
// `runnel group list|describe|reset-offsets|delete`, like Kafka's
// kafka-consumer-groups.sh, through librdkafka's Admin API:
//  - list: every group with its state and member count;
//  - describe G: state, assignor, members (id, client id, host, assignment),
//    and per partition the committed offset, log end offset, lag and owner;
//  - reset-offsets G --topic T (--to-earliest | --to-latest | --to-offset N |
//    --to-datetime T | --shift-by N) [--dry-run]: new offsets clamped to
//    [log start, end], committed with generation -1; refused while the group
//    has members;
//  - delete G: the group and its committed offsets (refused while active).

#include <memory>

namespace CLI {
class App;
}

namespace runnel::tools {

struct ClientOptions;

void add_group_command(CLI::App& app, std::shared_ptr<ClientOptions> client);

}  // namespace runnel::tools
