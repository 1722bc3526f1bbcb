#pragma once
// `runnel dump-log FILE...`: prints the contents of segment files, as
// Kafka's kafka-dump-log.sh does.
//  - <base>.log: one line per record batch (header fields, CRC check), and
//    with --print-data-log each record. Bytes that are not a complete batch
//    end the dump with a "validation stopped" line; the exit status stays 0.
//  - <base>.index: `offset: <base + relative> position: <pos>` per entry.
//  - <base>.timeindex: `timestamp: <ts> offset: <base + relative>` per entry.
// A file that cannot be opened or read, or has another name, is reported in
// one line on stderr and makes the exit status 1 (after the other files).

#include <iosfwd>
#include <string>
#include <vector>

#include "tools/output_format.h"

namespace CLI {
class App;
}

namespace runnel::tools {

struct DumpLogOptions {
  std::vector<std::string> files;
  bool print_data_log = false;
  OutputFormat output = OutputFormat::text;
};

// Dumps every file to `out`, problems to `err`; returns the exit status.
int dump_log(const DumpLogOptions& options, std::ostream& out, std::ostream& err);

// Registers the `dump-log` subcommand on `app`. Running it throws
// CLI::RuntimeError carrying a non-zero exit status.
void add_dump_log_command(CLI::App& app);

}  // namespace runnel::tools
