#pragma once
// A byte range of a segment file, holding the file open (shared ownership)
// until released, so a fetch response can be sent from it without copying,
// even if the segment is deleted or its descriptor evicted meanwhile.

#include <cstdint>
#include <memory>
#include <vector>

#include "protocol/result.h"
#include "storage/file.h"

namespace runnel::storage {

struct FileRange {
  std::shared_ptr<File> file;  // null when empty
  uint64_t position = 0;
  uint64_t size = 0;

  bool empty() const { return size == 0; }
  // Copies the bytes (for callers that cannot send from a descriptor).
  Result<std::vector<std::byte>> read_all() const;
};

}  // namespace runnel::storage
