#pragma once
// MetaStore: a small durable key-value store (RocksDB, the only place it
// enters the code), for the embedded metadata store and the offsets view.
// put/remove are synced (WAL fsync) before they return; write() applies a
// batch atomically, synced or not (a view rebuilt from a log it reflects needs
// atomicity, not durability).

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
  struct Write {
    std::string key;
    std::optional<std::string> value;  // nullopt: delete the key
  };
  // All or none of `writes`, in order.
  Result<void> write(const std::vector<Write>& writes, bool sync);
  // Deletes every key starting with `prefix`.
  Result<void> remove_prefix(std::string_view prefix);

  // Every key starting with `prefix`, in key order.
  Result<void> scan(std::string_view prefix,
                    const std::function<void(std::string_view key, std::string_view value)>& visit) const;

 private:
  struct Impl;
  explicit MetaStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace runnel::storage
