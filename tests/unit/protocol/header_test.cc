#include "protocol/header.h"

#include <catch2/catch.hpp>

#include "test_util.h"

namespace runnel::protocol {
namespace {

using test::Bytes;
using test::bytes_of;

// Request header v1 (protocol guide): api_key INT16, api_version INT16,
// correlation_id INT32, client_id NULLABLE_STRING.
const Bytes kMetadataV1Header = bytes_of({
    0x00, 0x03,              // api_key 3 (Metadata)
    0x00, 0x05,              // api_version 5
    0x00, 0x00, 0x00, 0x2a,  // correlation_id 42
    0x00, 0x04, 'k', 'c', 'a', 't',
});

// Request header v2: the same plus an empty tagged-field section; client_id
// keeps its int16 length.
const Bytes kApiVersionsV2Header = bytes_of({
    0x00, 0x12,              // api_key 18 (ApiVersions)
    0x00, 0x03,              // api_version 3
    0x00, 0x00, 0x00, 0x01,  // correlation_id 1
    0x00, 0x07, 'r', 'd', 'k', 'a', 'f', 'k', 'a',
    0x00,  // no tagged fields
});

TEST_CASE("request header v1 decodes and re-encodes byte for byte", "[header]") {
  Reader r(kMetadataV1Header);
  RequestHeader h;
  h.decode(r, 1);
  REQUIRE(r.ok());
  CHECK(r.remaining() == 0);
  CHECK(h.api_key == 3);
  CHECK(h.api_version == 5);
  CHECK(h.correlation_id == 42);
  CHECK(h.client_id == "kcat");
  Writer w;
  h.encode(w, 1);
  CHECK(Bytes(w.bytes().begin(), w.bytes().end()) == kMetadataV1Header);
}

TEST_CASE("request header v2 keeps the int16 client_id length and adds tagged fields", "[header]") {
  Reader r(kApiVersionsV2Header);
  RequestHeader h;
  h.decode(r, 2);
  REQUIRE(r.ok());
  CHECK(r.remaining() == 0);
  CHECK(h.client_id == "rdkafka");
  Writer w;
  h.encode(w, 2);
  CHECK(Bytes(w.bytes().begin(), w.bytes().end()) == kApiVersionsV2Header);
}

TEST_CASE("request header v2 skips unknown tagged fields", "[header]") {
  Bytes in = kApiVersionsV2Header;
  in.back() = std::byte{0x01};  // one field: tag 9, two bytes
  for (int b : {0x09, 0x02, 0xaa, 0xbb, 0x77}) in.push_back(static_cast<std::byte>(b));
  Reader r(in);
  RequestHeader h;
  h.decode(r, 2);
  CHECK(r.ok());
  CHECK(r.read_int8() == 0x77);
}

TEST_CASE("a null client_id is allowed", "[header]") {
  const Bytes in = bytes_of({0, 1, 0, 4, 0, 0, 0, 9, 0xff, 0xff});
  Reader r(in);
  RequestHeader h;
  h.decode(r, 1);
  REQUIRE(r.ok());
  CHECK(h.client_id == std::nullopt);
}

TEST_CASE("a truncated request header fails", "[header]") {
  for (size_t n = 0; n < kMetadataV1Header.size(); ++n) {
    Reader r(std::span<const std::byte>(kMetadataV1Header).first(n));
    RequestHeader h;
    h.decode(r, 1);
    CHECK_FALSE(r.ok());
  }
}

TEST_CASE("the header prefix is readable from the first 8 bytes", "[header]") {
  auto prefix = peek_request_header(kMetadataV1Header);
  REQUIRE(prefix.has_value());
  CHECK(prefix->api_key == 3);
  CHECK(prefix->api_version == 5);
  CHECK(prefix->correlation_id == 42);
  CHECK_FALSE(peek_request_header(std::span<const std::byte>(kMetadataV1Header).first(7)).has_value());
}

TEST_CASE("response headers v0 and v1", "[header]") {
  Writer v0;
  ResponseHeader{7}.encode(v0, 0);
  CHECK(Bytes(v0.bytes().begin(), v0.bytes().end()) == bytes_of({0, 0, 0, 7}));
  Writer v1;
  ResponseHeader{7}.encode(v1, 1);
  CHECK(Bytes(v1.bytes().begin(), v1.bytes().end()) == bytes_of({0, 0, 0, 7, 0}));

  Reader r(v1.bytes());
  ResponseHeader h;
  h.decode(r, 1);
  CHECK(r.ok());
  CHECK(r.remaining() == 0);
  CHECK(h.correlation_id == 7);
}

TEST_CASE("header versions follow the API's flexible versions, except ApiVersions responses", "[header]") {
  // Metadata: first flexible version 9.
  CHECK(request_header_version(8, 9) == 1);
  CHECK(request_header_version(9, 9) == 2);
  CHECK(response_header_version(3, 8, 9) == 0);
  CHECK(response_header_version(3, 9, 9) == 1);
  // ApiVersions v3 is flexible: request header v2, response header still v0.
  CHECK(request_header_version(3, 3) == 2);
  CHECK(response_header_version(kApiVersionsApiKey, 3, 3) == 0);
}

}  // namespace
}  // namespace runnel::protocol
