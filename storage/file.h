#pragma once
// The narrow file interface every storage component goes through, so tests
// can replace it with a fault-injecting one (tests/support/fault_injection_fs).
// Contracts:
//  - write_at() either writes all bytes or returns an error; bytes written
//    but not yet sync()ed may be lost, wholly or in part, by a crash.
//  - sync() makes every byte written before the call durable (fdatasync).
//  - Creating, renaming or removing a file is durable only after
//    sync_directory() on its parent.
//  - A File stays usable (reads) after its path is removed or renamed:
//    holders keep the inode alive, as POSIX does.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "protocol/result.h"

namespace runnel::storage {

class File {
 public:
  virtual ~File() = default;
  // Reads up to out.size() bytes at `position`; fewer only at end of file.
  virtual Result<size_t> read_at(uint64_t position, std::span<std::byte> out) const = 0;
  virtual Result<void> write_at(uint64_t position, std::span<const std::byte> data) = 0;
  virtual Result<void> sync() = 0;
  virtual Result<void> truncate(uint64_t size) = 0;
  virtual Result<uint64_t> size() const = 0;
  // The OS descriptor for zero-copy sends (sendfile), or -1 if there is none.
  virtual int native_handle() const = 0;
};

enum class OpenMode {
  read_only,
  read_write,  // the file must exist
  create,      // read-write, created empty if missing
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  virtual Result<std::shared_ptr<File>> open(const std::string& path, OpenMode mode) = 0;
  // Atomically replaces `to` with `from`.
  virtual Result<void> rename(const std::string& from, const std::string& to) = 0;
  // Removing a missing file succeeds.
  virtual Result<void> remove(const std::string& path) = 0;
  virtual Result<void> remove_all(const std::string& dir) = 0;
  virtual Result<void> create_directories(const std::string& dir) = 0;
  virtual Result<void> sync_directory(const std::string& dir) = 0;
  // Names (not paths) of the entries of `dir`.
  virtual Result<std::vector<std::string>> list(const std::string& dir) = 0;
  virtual bool exists(const std::string& path) = 0;

  // The real file system.
  static FileSystem& posix();
};

// Reads exactly out.size() bytes at `position`; Errc::short_read otherwise.
Result<void> read_exact(const File& file, uint64_t position, std::span<std::byte> out);
// Reads a whole (small) file.
Result<std::vector<std::byte>> read_file(FileSystem& fs, const std::string& path);
// Writes `data` to `path` atomically: temp file, sync, rename, and (unless
// `sync_directory` is false: the caller syncs the directory later) sync of
// the parent directory, which makes the new name durable.
Result<void> write_file_atomically(FileSystem& fs, const std::string& path, std::span<const std::byte> data,
                                   bool sync_directory = true);

}  // namespace runnel::storage
