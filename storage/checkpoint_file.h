#pragma once
// Kafka's text checkpoint format, shared by the offset checkpoints and the
// leader-epoch checkpoint:
//   0        (version)
//   N        (count)
//   N entry lines
// Written atomically (temp file, fsync, rename, fsync of the directory).

#include <string>
#include <vector>

#include "protocol/result.h"
#include "storage/file.h"

namespace runnel::storage {

// The entry lines; a missing file reads as none. A wrong version, a count
// that disagrees with the lines, or a truncated file is Errc::bad_checkpoint.
Result<std::vector<std::string>> read_checkpoint_lines(FileSystem& fs, const std::string& path);
Result<void> write_checkpoint_lines(FileSystem& fs, const std::string& path, const std::vector<std::string>& lines);

}  // namespace runnel::storage
