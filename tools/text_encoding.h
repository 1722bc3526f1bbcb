#pragma once
// How the dump commands show record bytes (keys, values, header values),
// which Kafka does not constrain to any encoding:
//  - text output: the bytes themselves when they are valid UTF-8 without
//    control characters (so one record stays one line), else
//    "base64:<standard base64>"; a null is shown as `null`.
//  - JSON output: a JSON string when they are valid UTF-8 (control
//    characters escaped), else {"base64": "<standard base64>"}; null is null.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace runnel::tools {

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_utf8(std::span<const std::byte> bytes);

// Standard base64 (RFC 4648 §4) with '=' padding.
std::string to_base64(std::span<const std::byte> bytes);

// Appends `s` as a quoted JSON string: '"', '\\' and control characters are
// escaped; bytes that are not valid UTF-8 become U+FFFD.
void append_json_string(std::string& out, std::string_view s);

// Appends non-null record bytes as described at the top of this file.
void append_text_bytes(std::string& out, std::span<const std::byte> bytes);
void append_json_bytes(std::string& out, std::span<const std::byte> bytes);

}  // namespace runnel::tools
