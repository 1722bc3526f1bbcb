#pragma once
// `runnel produce TOPIC`: one record per input line (stdin, or --file), the
// trailing newline removed and the rest sent byte for byte.
//  - --key-separator SEP: the bytes before the first SEP are the key, the rest
//    the value; a line without SEP has a null key.
//  - partition: --partition P if given; else tools/partitioner.h (keyed
//    records where the Java client puts them, keyless ones round-robin).
//  - --header k=v (repeatable) on every record; --acks; --compression;
//    --rate N sends at a fixed N records per second.
// With --file and stderr on a terminal a progress bar is drawn on stderr.
// Ends with one summary line on stderr (records, bytes, seconds, rate). A
// record not acknowledged within --timeout fails the command.

#include <memory>

namespace CLI {
class App;
}

namespace runnel::tools {

struct ClientOptions;

void add_produce_command(CLI::App& app, std::shared_ptr<ClientOptions> client);

}  // namespace runnel::tools
