#include "storage/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "storage/errc.h"

namespace runnel::storage {
namespace {

std::error_code last_error() { return {errno, std::system_category()}; }

class PosixFile final : public File {
 public:
  explicit PosixFile(int fd) : fd_(fd) {}
  ~PosixFile() override { ::close(fd_); }

  Result<size_t> read_at(uint64_t position, std::span<std::byte> out) const override {
    size_t done = 0;
    while (done < out.size()) {
      ssize_t n = ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(position + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return fail(last_error());
      }
      if (n == 0) break;
      done += static_cast<size_t>(n);
    }
    return done;
  }

  Result<void> write_at(uint64_t position, std::span<const std::byte> data) override {
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::pwrite(fd_, data.data() + done, data.size() - done, static_cast<off_t>(position + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return fail(last_error());
      }
      done += static_cast<size_t>(n);
    }
    return {};
  }

  Result<void> sync() override {
    if (::fdatasync(fd_) != 0) return fail(last_error());
    return {};
  }

  Result<void> truncate(uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return fail(last_error());
    return {};
  }

  Result<uint64_t> size() const override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return fail(last_error());
    return static_cast<uint64_t>(st.st_size);
  }

  int native_handle() const override { return fd_; }

 private:
  int fd_;
};

class PosixFileSystem final : public FileSystem {
 public:
  Result<std::shared_ptr<File>> open(const std::string& path, OpenMode mode) override {
    int flags = O_CLOEXEC;
    switch (mode) {
      case OpenMode::read_only: flags |= O_RDONLY; break;
      case OpenMode::read_write: flags |= O_RDWR; break;
      case OpenMode::create: flags |= O_RDWR | O_CREAT; break;
    }
    int fd = ::open(path.c_str(), flags, 0644);
    if (fd < 0) return fail(last_error());
    return std::make_shared<PosixFile>(fd);
  }

  Result<void> rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return fail(last_error());
    return {};
  }

  Result<void> remove(const std::string& path) override {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return fail(last_error());
    return {};
  }

  Result<void> remove_all(const std::string& dir) override {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    if (ec) return fail(ec);
    return {};
  }

  Result<void> create_directories(const std::string& dir) override {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return fail(ec);
    return {};
  }

  Result<void> sync_directory(const std::string& dir) override {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return fail(last_error());
    int rc = ::fsync(fd);
    std::error_code ec = rc != 0 ? last_error() : std::error_code{};
    ::close(fd);
    if (ec) return fail(ec);
    return {};
  }

  Result<std::vector<std::string>> list(const std::string& dir) override {
    std::error_code ec;
    std::vector<std::string> names;
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
      names.push_back(it->path().filename().string());
    if (ec) return fail(ec);
    return names;
  }

  bool exists(const std::string& path) override {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
  }
};

std::string parent_of(const std::string& path) {
  auto parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

}  // namespace

FileSystem& FileSystem::posix() {
  static PosixFileSystem fs;
  return fs;
}

Result<void> read_exact(const File& file, uint64_t position, std::span<std::byte> out) {
  auto n = file.read_at(position, out);
  if (!n) return fail(n.error());
  if (*n != out.size()) return fail(Errc::short_read);
  return {};
}

Result<std::vector<std::byte>> read_file(FileSystem& fs, const std::string& path) {
  auto file = fs.open(path, OpenMode::read_only);
  if (!file) return fail(file.error());
  auto size = (*file)->size();
  if (!size) return fail(size.error());
  std::vector<std::byte> data(*size);
  if (auto r = read_exact(**file, 0, data); !r) return fail(r.error());
  return data;
}

Result<void> write_file_atomically(FileSystem& fs, const std::string& path, std::span<const std::byte> data,
                                   bool sync_directory) {
  const std::string tmp = path + ".tmp";
  {
    auto file = fs.open(tmp, OpenMode::create);
    if (!file) return fail(file.error());
    if (auto r = (*file)->truncate(0); !r) return r;
    if (auto r = (*file)->write_at(0, data); !r) return r;
    if (auto r = (*file)->sync(); !r) return r;
  }
  if (auto r = fs.rename(tmp, path); !r) return r;
  if (!sync_directory) return {};
  return fs.sync_directory(parent_of(path));
}

}  // namespace runnel::storage
