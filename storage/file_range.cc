#include "storage/file_range.h"

namespace runnel::storage {

Result<std::vector<std::byte>> FileRange::read_all() const {
  std::vector<std::byte> bytes(size);
  if (size == 0) return bytes;
  if (auto r = read_exact(*file, position, bytes); !r) return fail(r.error());
  return bytes;
}

}  // namespace runnel::storage
