#include "storage/checkpoint_file.h"

#include <charconv>
#include <string_view>

#include "storage/errc.h"

namespace runnel::storage {
namespace {

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    auto nl = text.find('\n');
    lines.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

bool parse_int(std::string_view s, long long& out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && ptr == s.data() + s.size();
}

}  // namespace

Result<std::vector<std::string>> read_checkpoint_lines(FileSystem& fs, const std::string& path) {
  if (!fs.exists(path)) return std::vector<std::string>{};
  auto data = read_file(fs, path);
  if (!data) return fail(data.error());
  std::string_view text(reinterpret_cast<const char*>(data->data()), data->size());
  auto lines = split_lines(text);
  long long version = -1, count = -1;
  if (lines.size() < 2 || !parse_int(lines[0], version) || version != 0 || !parse_int(lines[1], count) ||
      count < 0 || static_cast<size_t>(count) != lines.size() - 2 || !text.ends_with('\n'))
    return fail(Errc::bad_checkpoint);
  return std::vector<std::string>(lines.begin() + 2, lines.end());
}

Result<void> write_checkpoint_lines(FileSystem& fs, const std::string& path, const std::vector<std::string>& lines) {
  std::string text = "0\n" + std::to_string(lines.size()) + "\n";
  for (const auto& line : lines) text += line + "\n";
  return write_file_atomically(fs, path, std::as_bytes(std::span(text)));
}

}  // namespace runnel::storage
