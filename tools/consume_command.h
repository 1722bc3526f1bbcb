#pragma once
// `runnel consume TOPIC`: reads records by assigning partitions directly
// (nothing is committed), or with --group G as a member of consumer group G:
// it subscribes, starts at the group's committed offsets (else the end, or
// the beginning with --from-beginning), and commits what it printed when it
// stops; a group that assigns nothing within --timeout is an error.
//  - start: --from-beginning, --offset N, --timestamp T (ISO-8601 such as
//    2026-11-22T10:00:00Z / 2026-11-22T10:00:00.250+01:00, or epoch
//    milliseconds; the first record at or after T, via ListOffsets), else the
//    end of each partition;
//  - --partition P (default: all); --count N stops after N records;
//    --until-end stops once every partition is caught up (and gives up if
//    the brokers do not answer within --timeout);
//  - text output: --format with kcat's placeholders %t topic, %p partition,
//    %o offset, %T timestamp (ms), %k key, %s value, %h headers (k=v,...),
//    %K / %S key / value length (-1 for null), %% and \n \t \\ escapes;
//    default "%s\n". JSON output: one object per record (tools/text_encoding.h).

#include <memory>

namespace CLI {
class App;
}

namespace runnel::tools {

struct ClientOptions;

void add_consume_command(CLI::App& app, std::shared_ptr<ClientOptions> client);

}  // namespace runnel::tools
