#pragma once
// `runnel replay SOURCE --from POS [--to POS] --into TARGET [--partition P]`:
// re-publishes a range of SOURCE's history into TARGET, keeping each record's
// key, value, headers and timestamp (as CreateTime).
//  - POS is an offset (a plain integer), a time (ISO-8601, or @<epoch ms>), or
//    `earliest` / `latest`. In each partition read the range is [from, to):
//    a time means the first record at or after it (ListOffsets), an offset is
//    clamped to [log start offset, high watermark], and the range never goes
//    past the high watermark at the start, so replaying a topic into itself
//    ends. --to defaults to `latest`.
//  - --partition P replays only P (default: every partition).
//  - Records keep their partition number when TARGET has at least as many
//    partitions as SOURCE; otherwise keyed records go to the Java client's
//    partition for TARGET and keyless ones round-robin (tools/partitioner.h).
//  - Output: one line per partition (range and records copied), then a total.
// Every record is acknowledged (acks=all) before the command succeeds.

#include <memory>

namespace CLI {
class App;
}

namespace runnel::tools {

struct ClientOptions;

void add_replay_command(CLI::App& app, std::shared_ptr<ClientOptions> client);

}  // namespace runnel::tools
