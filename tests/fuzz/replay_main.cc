// main() for the fuzz targets outside libFuzzer (the GCC sanitizer build and
// CTest): runs LLVMFuzzerTestOneInput once on every file named on the command
// line, or found under a directory named there, in sorted order. A crash,
// sanitizer report or failed check aborts with that input's path on stderr;
// otherwise prints how many inputs ran and exits 0. An argument that does
// not exist, or names no file at all, is an error (a missing corpus must not
// pass as an empty one).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::vector<std::filesystem::path> inputs_under(const std::filesystem::path& root) {
  std::vector<std::filesystem::path> files;
  if (std::filesystem::is_regular_file(root)) {
    files.push_back(root);
  } else if (std::filesystem::is_directory(root)) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root))
      if (entry.is_regular_file() && entry.path().filename().string().front() != '.') files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE_OR_DIR...\n", argv[0]);
    return 2;
  }
  size_t ran = 0;
  for (int i = 1; i < argc; ++i) {
    const auto files = inputs_under(argv[i]);
    if (files.empty()) {
      std::fprintf(stderr, "%s: no inputs under %s\n", argv[0], argv[i]);
      return 2;
    }
    for (const auto& path : files) {
      std::ifstream in(path, std::ios::binary);
      const std::vector<char> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      if (!in.good() && !in.eof()) {
        std::fprintf(stderr, "%s: cannot read %s\n", argv[0], path.c_str());
        return 2;
      }
      // Copied to an exact-size heap buffer so that ASan sees any read past the end.
      std::vector<uint8_t> input(bytes.begin(), bytes.end());
      std::fprintf(stderr, "running %s\n", path.c_str());
      LLVMFuzzerTestOneInput(input.data(), input.size());
      ++ran;
    }
  }
  std::printf("%zu inputs ran\n", ran);
  return 0;
}
