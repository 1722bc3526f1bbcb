#pragma once
// A fresh directory under $TMPDIR, removed with everything in it on scope exit.

#include <filesystem>
#include <string>

namespace runnel::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace runnel::test
