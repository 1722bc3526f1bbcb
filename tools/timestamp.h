#pragma once
// Timestamps given on the command line.

#include <cstdint>
#include <optional>
#include <string>

namespace runnel::tools {

// Epoch milliseconds of an ISO-8601 date-time (2026-11-22T10:00:00Z,
// 2026-11-22T11:00:00.250+01:00, a space instead of T, seconds optional; no
// offset means UTC) or of a plain integer; nullopt if it is neither.
std::optional<int64_t> parse_timestamp(const std::string& text);

}  // namespace runnel::tools
