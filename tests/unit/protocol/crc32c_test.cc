#include "protocol/crc32c.h"

#include <catch2/catch.hpp>
#include <string>

#include "test_util.h"

namespace runnel::protocol {
namespace {

using test::Bytes;

struct Implementation {
  std::string name;
  uint32_t (*extend)(uint32_t, std::span<const std::byte>);
};

// The portable version always; the SSE4.2 one when this CPU has the instruction.
std::vector<Implementation> implementations() {
  std::vector<Implementation> all{{"portable", &crc32c_extend_portable}, {"dispatch", &crc32c_extend}};
  if (crc32c_hardware_available()) all.push_back({"sse42", &crc32c_extend_sse42});
  return all;
}

Bytes iota_bytes(size_t n, int first, int step) {
  Bytes out(n);
  int v = first;
  for (auto& b : out) {
    b = static_cast<std::byte>(v);
    v += step;
  }
  return out;
}

TEST_CASE("crc32c matches the RFC 3720 B.4 and check-string vectors", "[crc32c]") {
  if (!crc32c_hardware_available()) WARN("SSE4.2 not available: only the portable CRC-32C is tested");
  for (const auto& impl : implementations()) {
    INFO(impl.name);
    CHECK(impl.extend(0, Bytes(32, std::byte{0x00})) == 0x8A9136AAu);
    CHECK(impl.extend(0, Bytes(32, std::byte{0xFF})) == 0x62A8AB43u);
    CHECK(impl.extend(0, iota_bytes(32, 0, 1)) == 0x46DD794Eu);
    CHECK(impl.extend(0, iota_bytes(32, 31, -1)) == 0x113FDB5Cu);
    CHECK(impl.extend(0, test::as_span("123456789")) == 0xE3069283u);
    CHECK(impl.extend(0, {}) == 0u);
  }
}

TEST_CASE("crc32c of a buffer equals extending over any split of it", "[crc32c]") {
  Bytes data = test::random_bytes(100, 7);
  for (const auto& impl : implementations()) {
    INFO(impl.name);
    uint32_t whole = impl.extend(0, data);
    for (size_t split = 0; split <= data.size(); ++split) {
      INFO("split at " << split);
      std::span<const std::byte> all(data);
      CHECK(impl.extend(impl.extend(0, all.first(split)), all.subspan(split)) == whole);
    }
  }
}

TEST_CASE("crc32c portable and SSE4.2 versions agree on random buffers at any alignment", "[crc32c]") {
  if (!crc32c_hardware_available()) {
    WARN("SSE4.2 not available: skipped");
    return;
  }
  Bytes data = test::random_bytes(5000, 42);
  std::mt19937 rng(1);
  for (int i = 0; i < 500; ++i) {
    size_t offset = rng() % 64;
    size_t length = rng() % (data.size() - offset);
    auto slice = std::span<const std::byte>(data).subspan(offset, length);
    uint32_t seed = rng();
    INFO("offset " << offset << " length " << length);
    REQUIRE(crc32c_extend_sse42(seed, slice) == crc32c_extend_portable(seed, slice));
  }
}

TEST_CASE("crc32c() is crc32c_extend from zero", "[crc32c]") {
  Bytes data = test::random_bytes(1000, 3);
  CHECK(crc32c(data) == crc32c_extend_portable(0, data));
}

}  // namespace
}  // namespace runnel::protocol
