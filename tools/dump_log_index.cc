// Dumps of the sparse segment indexes (formats: storage/index_entries.h).

#include <algorithm>
#include <string>
#include <vector>

#include "storage/index_entries.h"
#include "tools/dump_log_files.h"

namespace runnel::tools {
namespace {

// Reads the file in chunks of whole entries and calls `print(entry)` for
// each; a tail shorter than one entry ends the dump with a
// "validation stopped" line.
template <class Entry, class Print>
Result<void> for_each_entry(const storage::File& file, Formatter& out, Print print) {
  constexpr size_t kChunkEntries = 8192;
  auto size = file.size();
  if (!size) return fail(size.error());
  const uint64_t whole = *size / Entry::kSize * Entry::kSize;
  std::vector<std::byte> chunk;
  for (uint64_t position = 0; position < whole;) {
    chunk.resize(std::min<uint64_t>(whole - position, kChunkEntries * Entry::kSize));
    if (auto r = storage::read_exact(file, position, chunk); !r) return r;
    for (size_t i = 0; i < chunk.size(); i += Entry::kSize) print(Entry::decode(chunk.data() + i));
    position += chunk.size();
  }
  if (whole < *size)
    out.validation_stopped(whole, *size - whole, "not a whole " + std::to_string(Entry::kSize) + "-byte entry");
  return {};
}

}  // namespace

Result<void> dump_offset_index(const storage::File& file, int64_t base_offset, Formatter& out) {
  return for_each_entry<storage::OffsetIndexEntry>(file, out, [&](const storage::OffsetIndexEntry& e) {
    out.begin_line();
    out.number("offset", base_offset + e.relative_offset);
    out.number("position", e.position);
    out.end_line();
  });
}

Result<void> dump_time_index(const storage::File& file, int64_t base_offset, Formatter& out) {
  return for_each_entry<storage::TimeIndexEntry>(file, out, [&](const storage::TimeIndexEntry& e) {
    out.begin_line();
    out.number("timestamp", e.timestamp);
    out.number("offset", base_offset + e.relative_offset);
    out.end_line();
  });
}

}  // namespace runnel::tools
