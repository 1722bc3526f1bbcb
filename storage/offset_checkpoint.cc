#include "storage/offset_checkpoint.h"

#include <sstream>

#include "storage/checkpoint_file.h"
#include "storage/errc.h"

namespace runnel::storage {

Result<OffsetMap> read_offset_checkpoint(FileSystem& fs, const std::string& path) {
  auto lines = read_checkpoint_lines(fs, path);
  if (!lines) return fail(lines.error());
  OffsetMap offsets;
  for (const auto& line : *lines) {
    std::istringstream in(line);
    TopicPartition tp;
    int64_t offset;
    std::string rest;
    if (!(in >> tp.topic >> tp.partition >> offset) || (in >> rest) || tp.partition < 0 || offset < 0)
      return fail(Errc::bad_checkpoint);
    offsets[tp] = offset;
  }
  return offsets;
}

Result<void> write_offset_checkpoint(FileSystem& fs, const std::string& path, const OffsetMap& offsets) {
  std::vector<std::string> lines;
  lines.reserve(offsets.size());
  for (const auto& [tp, offset] : offsets)
    lines.push_back(tp.topic + " " + std::to_string(tp.partition) + " " + std::to_string(offset));
  return write_checkpoint_lines(fs, path, lines);
}

}  // namespace runnel::storage
