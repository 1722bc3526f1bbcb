#include "protocol/compression.h"

#include <snappy.h>
#include <zstd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <random>
#include <string>

#include "protocol/byte_order.h"
#include "protocol/errc.h"
#include "protocol/record_batch_builder.h"
#include "test_util.h"

namespace runnel::protocol {
namespace {

using test::Bytes;
using test::error_of;

constexpr size_t kMiB = 1 << 20;

Bytes raw_snappy(std::span<const std::byte> input) {
  std::string out;
  snappy::Compress(reinterpret_cast<const char*>(input.data()), input.size(), &out);
  const auto* p = reinterpret_cast<const std::byte*>(out.data());
  return {p, p + out.size()};
}

Bytes raw_snappy_with_raw_compress(std::span<const std::byte> input) {
  Bytes out(snappy::MaxCompressedLength(input.size()));
  size_t n = 0;
  snappy::RawCompress(reinterpret_cast<const char*>(input.data()), input.size(), reinterpret_cast<char*>(out.data()),
                      &n);
  out.resize(n);
  return out;
}

TEST_CASE("every codec round trips empty, small, random and compressible inputs", "[compression]") {
  auto codec = GENERATE(CompressionType::none, CompressionType::gzip, CompressionType::snappy, CompressionType::lz4,
                        CompressionType::zstd);
  auto [name, input] = GENERATE(table<const char*, Bytes>({
      {"empty", Bytes{}},
      {"small", to_bytes("hello, kafka")},
      {"1 MiB random", test::random_bytes(kMiB, 99)},
      {"1 MiB compressible", test::compressible_bytes(kMiB)},
  }));
  INFO("codec " << static_cast<int>(codec) << ", input " << name);
  auto compressed = compress(codec, input);
  REQUIRE(compressed);
  if (codec != CompressionType::none && std::string_view(name) == "1 MiB compressible") {
    CHECK(compressed->size() < input.size() / 4);
  }
  auto plain = decompress(codec, *compressed, input.size());
  REQUIRE(plain);
  CHECK(*plain == input);
}

TEST_CASE("snappy decompresses a raw block as librdkafka writes it", "[compression]") {
  Bytes input = test::compressible_bytes(100'000);
  auto plain = decompress(CompressionType::snappy, raw_snappy_with_raw_compress(input), input.size());
  REQUIRE(plain);
  CHECK(*plain == input);

  Bytes one_byte = raw_snappy_with_raw_compress({});
  auto empty = decompress(CompressionType::snappy, one_byte, 0);
  REQUIRE(empty);
  CHECK(empty->empty());
}

// xerial framing built by hand: magic, version 1, compatible version 1, then
// [int32 length, raw block]*, as the Java client writes it.
Bytes xerial(const std::vector<Bytes>& blocks) {
  Bytes out = test::bytes_of({0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1});
  for (const auto& block : blocks) {
    Bytes raw = raw_snappy(block);
    Bytes length(4);
    write_be<int32_t>(length.data(), static_cast<int32_t>(raw.size()));
    out.insert(out.end(), length.begin(), length.end());
    out.insert(out.end(), raw.begin(), raw.end());
  }
  return out;
}

TEST_CASE("snappy decompresses xerial framing with several blocks", "[compression]") {
  Bytes a = test::compressible_bytes(40'000);
  Bytes b = test::random_bytes(5'000, 5);
  auto plain = decompress(CompressionType::snappy, xerial({a, b}), a.size() + b.size());
  REQUIRE(plain);
  Bytes want = a;
  want.insert(want.end(), b.begin(), b.end());
  CHECK(*plain == want);
}

TEST_CASE("snappy compresses to xerial framing like the Java client", "[compression]") {
  Bytes input = test::compressible_bytes(100'000);
  auto compressed = compress(CompressionType::snappy, input);
  REQUIRE(compressed);
  REQUIRE(compressed->size() > 20);
  CHECK(std::memcmp(compressed->data(), "\x82SNAPPY\0\0\0\0\x01\0\0\0\x01", 16) == 0);
  // The first block is at most 32 KiB of input, in raw snappy.
  auto block_length = read_be<int32_t>(compressed->data() + 16);
  size_t uncompressed = 0;
  REQUIRE(snappy::GetUncompressedLength(reinterpret_cast<const char*>(compressed->data() + 20),
                                        static_cast<size_t>(block_length), &uncompressed));
  CHECK(uncompressed == 32 * 1024);
}

TEST_CASE("zstd decompresses a frame without a content size", "[compression]") {
  Bytes input = test::compressible_bytes(300'000);
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0);
  Bytes frame(ZSTD_compressBound(input.size()));
  size_t n = ZSTD_compress2(cctx, frame.data(), frame.size(), input.data(), input.size());
  ZSTD_freeCCtx(cctx);
  REQUIRE_FALSE(ZSTD_isError(n));
  frame.resize(n);
  REQUIRE(ZSTD_getFrameContentSize(frame.data(), frame.size()) == ZSTD_CONTENTSIZE_UNKNOWN);
  auto plain = decompress(CompressionType::zstd, frame, input.size());
  REQUIRE(plain);
  CHECK(*plain == input);
  CHECK(error_of(decompress(CompressionType::zstd, frame, input.size() - 1)) == Errc::too_large);
}

TEST_CASE("gzip decompresses concatenated members", "[compression]") {
  Bytes a = test::compressible_bytes(1000);
  Bytes b = test::random_bytes(1000, 8);
  auto ga = compress(CompressionType::gzip, a);
  auto gb = compress(CompressionType::gzip, b);
  REQUIRE(ga);
  REQUIRE(gb);
  CHECK((*ga)[0] == std::byte{0x1f});
  CHECK((*ga)[1] == std::byte{0x8b});
  Bytes both = *ga;
  both.insert(both.end(), gb->begin(), gb->end());
  auto plain = decompress(CompressionType::gzip, both, 2000);
  REQUIRE(plain);
  Bytes want = a;
  want.insert(want.end(), b.begin(), b.end());
  CHECK(*plain == want);
}

TEST_CASE("output over max_output is too_large, output at it succeeds", "[compression]") {
  auto codec = GENERATE(CompressionType::none, CompressionType::gzip, CompressionType::snappy, CompressionType::lz4,
                        CompressionType::zstd);
  INFO("codec " << static_cast<int>(codec));
  Bytes input = test::compressible_bytes(100'000);
  auto compressed = compress(codec, input);
  REQUIRE(compressed);
  CHECK(decompress(codec, *compressed, input.size()));
  CHECK(error_of(decompress(codec, *compressed, input.size() - 1)) == Errc::too_large);
  CHECK(error_of(decompress(codec, *compressed, 0)) == Errc::too_large);
}

TEST_CASE("garbage, empty and truncated inputs are decompression_failed", "[compression]") {
  auto codec = GENERATE(CompressionType::gzip, CompressionType::snappy, CompressionType::lz4, CompressionType::zstd);
  INFO("codec " << static_cast<int>(codec));
  for (uint32_t seed = 0; seed < 20; ++seed) {
    INFO("seed " << seed);
    CHECK(error_of(decompress(codec, test::random_bytes(1000, seed), kMiB)) == Errc::decompression_failed);
  }
  CHECK(error_of(decompress(codec, {}, kMiB)) == Errc::decompression_failed);

  Bytes input = test::random_bytes(50'000, 3);
  auto compressed = compress(codec, input);
  REQUIRE(compressed);
  for (size_t keep : {compressed->size() / 2, compressed->size() - 1}) {
    INFO("truncated to " << keep);
    auto cut = std::span<const std::byte>(*compressed).first(keep);
    CHECK(error_of(decompress(codec, cut, kMiB)) == Errc::decompression_failed);
  }
}

TEST_CASE("damaged compressed data fails cleanly or decodes within the bound", "[compression]") {
  auto codec = GENERATE(CompressionType::gzip, CompressionType::snappy, CompressionType::lz4, CompressionType::zstd);
  INFO("codec " << static_cast<int>(codec));
  Bytes input = test::compressible_bytes(20'000);
  auto compressed = compress(codec, input);
  REQUIRE(compressed);
  std::mt19937 rng(static_cast<uint32_t>(codec));
  for (int round = 0; round < 300; ++round) {
    Bytes damaged = *compressed;
    for (int flips = 1 + static_cast<int>(rng() % 3); flips > 0; --flips) {
      damaged[rng() % damaged.size()] = static_cast<std::byte>(rng());
    }
    auto plain = decompress(codec, damaged, 30'000);
    if (plain) {
      CHECK(plain->size() <= 30'000);
    } else {
      CHECK((plain.error() == Errc::decompression_failed || plain.error() == Errc::too_large));
    }
  }
}

TEST_CASE("a snappy block claiming more output than snappy can encode is decompression_failed", "[compression]") {
  // Preamble claims 2^28 bytes from a 5-byte block.
  Bytes lying = test::bytes_of({0x80, 0x80, 0x80, 0x80, 0x01});
  CHECK(error_of(decompress(CompressionType::snappy, lying, size_t{1} << 30)) == Errc::decompression_failed);
}

TEST_CASE("a codec id outside 0..4 is unsupported_compression", "[compression]") {
  auto codec = static_cast<CompressionType>(5);
  CHECK(error_of(compress(codec, test::as_span("x"))) == Errc::unsupported_compression);
  CHECK(error_of(decompress(codec, test::as_span("x"), 10)) == Errc::unsupported_compression);
}

}  // namespace
}  // namespace runnel::protocol
