#include "broker/properties.h"

#include <fstream>
#include <sstream>

namespace runnel::broker {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<Properties> parse_properties(std::string_view text, std::string* error) {
  Properties props;
  int line_number = 0;
  while (!text.empty()) {
    ++line_number;
    auto nl = text.find('\n');
    auto line = trim(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.empty() || line.front() == '#' || line.front() == '!') continue;
    auto sep = line.find_first_of("=:");
    if (sep == std::string_view::npos) {
      if (error) *error = "line " + std::to_string(line_number) + ": expected key=value";
      return fail(std::make_error_code(std::errc::invalid_argument));
    }
    props[std::string(trim(line.substr(0, sep)))] = std::string(trim(line.substr(sep + 1)));
  }
  return props;
}

Result<Properties> read_properties_file(const std::string& path, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    if (error) *error = path + ": cannot read";
    return fail(std::make_error_code(std::errc::no_such_file_or_directory));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto props = parse_properties(buffer.str(), error);
  if (!props && error) *error = path + ": " + *error;
  return props;
}

}  // namespace runnel::broker
