#pragma once
// Whole-file reads and writes for tests that check or plant file contents.

#include <fstream>
#include <sstream>
#include <string>

namespace runnel::test {

// The file's bytes; empty if it cannot be read.
inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Replaces the file's contents with `text` (no fsync).
inline void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

}  // namespace runnel::test
