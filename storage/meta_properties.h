#pragma once
// <log dir>/meta.properties identifies whose data a log dir holds:
//   version=1
//   node.id=<int>
//   cluster.id=<22 chars, base64url of 16 random bytes>
// Written at first start; checked at every start so a broker never opens
// another cluster's (or node's) data.

#include <cstdint>
#include <optional>
#include <string>

#include "protocol/result.h"
#include "storage/file.h"

namespace runnel::storage {

inline constexpr const char* kMetaPropertiesFile = "meta.properties";

struct MetaProperties {
  int32_t version = 1;
  int32_t node_id = 0;
  std::string cluster_id;
  bool operator==(const MetaProperties&) const = default;
};

std::string generate_cluster_id();
// Missing file: nullopt in the value; malformed: Errc::bad_checkpoint.
Result<std::optional<MetaProperties>> read_meta_properties(FileSystem& fs, const std::string& log_dir);
Result<void> write_meta_properties(FileSystem& fs, const std::string& log_dir, const MetaProperties& meta);

}  // namespace runnel::storage
