#pragma once
// `runnel topic delete-records TOPIC --partition P --before OFFSET`: moves the
// partition's log start offset up to OFFSET (-1: the high watermark) through
// librdkafka's DeleteRecords Admin call and prints the new low watermark
// (the log start offset). Records below it can no longer be read.

#include <memory>

namespace CLI {
class App;
}

namespace runnel::tools {

struct ClientOptions;

// Adds `delete-records` under the `topic` command.
void add_delete_records_command(CLI::App& topic, std::shared_ptr<ClientOptions> client);

}  // namespace runnel::tools
