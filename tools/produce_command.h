#pragma once
// `runnel produce TOPIC`: one record per input line (stdin, or --file), the
// trailing newline removed and the rest sent byte for byte.
//  - --key-separator SEP: the bytes before the first SEP are the key, the rest
//    the value; a line without SEP has a null key.
//  - partition: --partition P if given; else a keyed record goes where the
//    Java client puts it, (murmur2(key) & 0x7fffffff) % partitions
//    (tools/murmur2.h); keyless records go round-robin from partition 0.
//  - --header k=v (repeatable) on every record; --acks; --compression.
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
