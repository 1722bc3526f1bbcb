#pragma once
// Java-style .properties files as Kafka reads them: `key=value` (or
// `key: value`) lines, `#` and `!` comments, surrounding blanks trimmed.
// (Line continuations and escapes are not supported.)

#include <map>
#include <string>
#include <string_view>

#include "protocol/result.h"

namespace runnel::broker {

using Properties = std::map<std::string, std::string>;

// Parses text; a line without '=' or ':' is an error naming the line number.
Result<Properties> parse_properties(std::string_view text, std::string* error);
// Reads and parses a file; errors name the file.
Result<Properties> read_properties_file(const std::string& path, std::string* error);

}  // namespace runnel::broker
