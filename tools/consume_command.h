#pragma once
// `runnel consume TOPIC`: reads records by assigning partitions directly (no
// consumer group; nothing is committed).
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

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace runnel::tools {

struct ClientOptions;

// Epoch milliseconds of an ISO-8601 date-time (Z or ±HH:MM offset; no offset
// means UTC) or of a plain integer; nullopt if it is neither.
std::optional<int64_t> parse_timestamp(const std::string& text);

void add_consume_command(CLI::App& app, std::shared_ptr<ClientOptions> client);

}  // namespace runnel::tools
