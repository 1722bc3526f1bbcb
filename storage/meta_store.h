#pragma once
// MetaStore: a small durable key-value store (RocksDB, the only place it
// enters the code), for the embedded metadata store and the offsets view.
// Writes are synced (WAL fsync) before they return.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/result.h"

namespace runnel::storage {

class MetaStore {
 public:
  static Result<std::unique_ptr<MetaStore>> open(const std::string& path);
  ~MetaStore();

  Result<std::optional<std::string>> get(std::string_view key) const;
  Result<void> put(std::string_view key, std::string_view value);
  Result<void> remove(std::string_view key);
  // Every key starting with `prefix`, in key order.
  Result<void> scan(std::string_view prefix,
                    const std::function<void(std::string_view key, std::string_view value)>& visit) const;

 private:
  struct Impl;
  explicit MetaStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace runnel::storage
