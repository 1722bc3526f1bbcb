#pragma once
// Request and response headers (the protocol guide's "Headers" section).
//
//   Request header v1: api_key i16, api_version i16, correlation_id i32,
//                      client_id NULLABLE_STRING (int16 length)
//   Request header v2: v1 + tagged fields. client_id KEEPS its int16 length.
//   Response header v0: correlation_id i32
//   Response header v1: v0 + tagged fields.
// A request or response at a flexible version of its API uses v2 / v1, else
// v1 / v0; ApiVersions responses always use v0 (KIP-511), so that a client
// can read the error of a version the broker does not know.

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "protocol/codec.h"

namespace runnel::protocol {

inline constexpr int16_t kApiVersionsApiKey = 18;

constexpr int16_t request_header_version(int16_t api_version, int16_t first_flexible_version) {
  return api_version >= first_flexible_version ? 2 : 1;
}

constexpr int16_t response_header_version(int16_t api_key, int16_t api_version, int16_t first_flexible_version) {
  if (api_key == kApiVersionsApiKey) return 0;
  return api_version >= first_flexible_version ? 1 : 0;
}

struct RequestHeader {
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::optional<std::string> client_id;

  // header_version 0 (no client_id, ControlledShutdown v0 only), 1 or 2.
  void decode(Reader& r, int16_t header_version);
  void encode(Writer& w, int16_t header_version) const;
  friend bool operator==(const RequestHeader&, const RequestHeader&) = default;
};

// The fixed first 8 bytes of every request header, readable before the API's
// header version is known. `frame` starts after the 4-byte size prefix;
// nullopt when it is shorter than 8 bytes.
struct RequestHeaderPrefix {
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
};
std::optional<RequestHeaderPrefix> peek_request_header(std::span<const std::byte> frame);

struct ResponseHeader {
  int32_t correlation_id = 0;

  // header_version 0 or 1.
  void decode(Reader& r, int16_t header_version);
  void encode(Writer& w, int16_t header_version) const;
  friend bool operator==(const ResponseHeader&, const ResponseHeader&) = default;
};

}  // namespace runnel::protocol
