#pragma once
// The per-file dumps behind `runnel dump-log` (tools/dump_log.h). Each
// returns an error only when the file cannot be read; content that does not
// validate is reported through the Formatter.

#include <cstdint>

#include "protocol/result.h"
#include "storage/file.h"
#include "tools/output_format.h"

namespace runnel::tools {

// Walks the record batches of a .log file one at a time (never reading the
// whole file), printing each batch and, with `print_data_log`, its records.
Result<void> dump_log_segment(const storage::File& file, bool print_data_log, Formatter& out);

// Prints the entries of a .index or .timeindex file of the segment whose
// base offset is `base_offset`.
Result<void> dump_offset_index(const storage::File& file, int64_t base_offset, Formatter& out);
Result<void> dump_time_index(const storage::File& file, int64_t base_offset, Formatter& out);

}  // namespace runnel::tools
