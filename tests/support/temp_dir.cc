#include "support/temp_dir.h"

#include <cstdlib>
#include <stdexcept>

namespace runnel::test {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "runnel-test-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace runnel::test
