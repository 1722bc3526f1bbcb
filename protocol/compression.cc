#include "protocol/compression.h"

#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <memory>

#include "protocol/byte_order.h"
#include "protocol/errc.h"

namespace runnel::protocol {
namespace {

using Bytes = std::vector<std::byte>;
using Input = std::span<const std::byte>;

// Output of a streaming decompressor: grows geometrically, never past
// max_output + 1 bytes, so that producing that extra byte is how an
// oversized result shows itself.
class BoundedOutput {
  static constexpr size_t kMinInitialSize = 4096;

 public:
  BoundedOutput(size_t max_output, size_t input_size)
      : limit_(max_output == std::numeric_limits<size_t>::max() ? max_output : max_output + 1) {
    buffer_.resize(std::min(limit_, std::max(kMinInitialSize, input_size * 4)));
  }

  // Free space after the bytes produced so far; empty once over the limit.
  std::span<std::byte> space() {
    if (used_ == buffer_.size() && buffer_.size() < limit_) {
      buffer_.resize(buffer_.size() <= limit_ / 2 ? buffer_.size() * 2 : limit_);
    }
    return std::span(buffer_).subspan(used_);
  }
  void commit(size_t n) { used_ += n; }
  bool over() const { return used_ >= limit_; }
  Result<Bytes> finish() {
    if (over()) return fail(Errc::too_large);
    buffer_.resize(used_);
    return std::move(buffer_);
  }

 private:
  size_t limit_;
  size_t used_ = 0;
  Bytes buffer_;
};

// ---- gzip: a gzip stream (zlib windowBits 15 + 16); concatenated members accepted.

constexpr int kGzipWindowBits = 15 + 16;
constexpr size_t kZlibChunk = std::numeric_limits<uInt>::max();

// Refills zlib's 32-bit avail_in from the `in_left` input bytes not yet handed over.
void feed(z_stream& zs, size_t& in_left) {
  if (zs.avail_in != 0) return;
  zs.avail_in = static_cast<uInt>(std::min(in_left, kZlibChunk));
  in_left -= zs.avail_in;
}

Result<Bytes> gzip_compress(Input input) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kGzipWindowBits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return fail(Errc::compression_failed);
  }
  std::unique_ptr<z_stream, decltype(&deflateEnd)> guard(&zs, &deflateEnd);
  Bytes out(deflateBound(&zs, static_cast<uLong>(input.size())));
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(input.data()));
  size_t in_left = input.size();
  int rc = Z_OK;
  while (rc == Z_OK) {
    if (zs.total_out == out.size()) out.resize(out.size() * 2);
    feed(zs, in_left);
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + zs.total_out);
    zs.avail_out = static_cast<uInt>(std::min(out.size() - zs.total_out, kZlibChunk));
    rc = deflate(&zs, in_left == 0 ? Z_FINISH : Z_NO_FLUSH);
  }
  if (rc != Z_STREAM_END) return fail(Errc::compression_failed);
  out.resize(zs.total_out);
  return out;
}

Result<Bytes> gzip_decompress(Input input, size_t max_output) {
  z_stream zs{};
  if (inflateInit2(&zs, kGzipWindowBits) != Z_OK) return fail(Errc::decompression_failed);
  std::unique_ptr<z_stream, decltype(&inflateEnd)> guard(&zs, &inflateEnd);
  BoundedOutput out(max_output, input.size());
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(input.data()));
  size_t in_left = input.size();
  while (true) {
    auto space = out.space();
    if (space.empty()) return fail(Errc::too_large);
    feed(zs, in_left);
    zs.next_out = reinterpret_cast<Bytef*>(space.data());
    zs.avail_out = static_cast<uInt>(std::min(space.size(), kZlibChunk));
    int rc = inflate(&zs, Z_NO_FLUSH);
    out.commit(std::min(space.size(), kZlibChunk) - zs.avail_out);
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0 && in_left == 0) break;
      if (inflateReset(&zs) != Z_OK) return fail(Errc::decompression_failed);
    } else if (rc != Z_OK) {
      return fail(Errc::decompression_failed);  // Z_BUF_ERROR here means the input ended early
    }
  }
  return out.finish();
}

// ---- snappy: raw blocks, or xerial framing: "\x82SNAPPY\0", int32 version,
// int32 min-compatible version, then [int32 length, raw block]*, all big-endian.

constexpr std::array<uint8_t, 8> kXerialMagic = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
constexpr size_t kXerialHeaderSize = 16;
constexpr int32_t kXerialVersion = 1;
constexpr size_t kXerialBlockSize = 32 * 1024;  // the Java client's default
// No snappy element yields more than 64 bytes per 3 input bytes (a 3-byte
// copy of 64), so a block claiming more than this ratio is corrupt whatever
// max_output allows; checked before allocating.
constexpr size_t kSnappyMaxRatio = 22;

bool is_xerial(Input input) {
  return input.size() >= kXerialHeaderSize && std::memcmp(input.data(), kXerialMagic.data(), kXerialMagic.size()) == 0;
}

// Appends the uncompressed bytes of one raw block to `out`.
std::error_code snappy_raw_append(Input block, size_t max_output, Bytes& out) {
  const auto* src = reinterpret_cast<const char*>(block.data());
  size_t length = 0;
  if (!snappy::GetUncompressedLength(src, block.size(), &length)) return Errc::decompression_failed;
  if (length > block.size() * kSnappyMaxRatio) return Errc::decompression_failed;
  if (length > max_output - out.size()) return Errc::too_large;
  size_t old_size = out.size();
  out.resize(old_size + length);
  if (!snappy::RawUncompress(src, block.size(), reinterpret_cast<char*>(out.data() + old_size))) {
    return Errc::decompression_failed;
  }
  return {};
}

Result<Bytes> snappy_decompress(Input input, size_t max_output) {
  Bytes out;
  if (!is_xerial(input)) {
    if (auto ec = snappy_raw_append(input, max_output, out)) return fail(ec);
    return out;
  }
  size_t pos = kXerialHeaderSize;
  while (pos < input.size()) {
    if (input.size() - pos < 4) return fail(Errc::decompression_failed);
    auto length = read_be<int32_t>(input.data() + pos);
    pos += 4;
    if (length <= 0 || static_cast<size_t>(length) > input.size() - pos) return fail(Errc::decompression_failed);
    if (auto ec = snappy_raw_append(input.subspan(pos, static_cast<size_t>(length)), max_output, out)) return fail(ec);
    pos += static_cast<size_t>(length);
  }
  return out;
}

Result<Bytes> snappy_compress(Input input) {
  Bytes out(kXerialHeaderSize);
  std::memcpy(out.data(), kXerialMagic.data(), kXerialMagic.size());
  write_be<int32_t>(out.data() + 8, kXerialVersion);
  write_be<int32_t>(out.data() + 12, kXerialVersion);
  for (size_t pos = 0; pos < input.size(); pos += kXerialBlockSize) {
    size_t n = std::min(kXerialBlockSize, input.size() - pos);
    size_t at = out.size();
    out.resize(at + 4 + snappy::MaxCompressedLength(n));
    size_t written = 0;
    snappy::RawCompress(reinterpret_cast<const char*>(input.data() + pos), n,
                        reinterpret_cast<char*>(out.data() + at + 4), &written);
    write_be<int32_t>(out.data() + at, static_cast<int32_t>(written));
    out.resize(at + 4 + written);
  }
  return out;
}

// ---- lz4: LZ4 frame format with independent 64 KiB blocks, which is what the
// Java client's reader supports; concatenated frames accepted.

Result<Bytes> lz4_compress(Input input) {
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.blockSizeID = LZ4F_max64KB;
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;
  Bytes out(LZ4F_compressFrameBound(input.size(), &prefs));
  size_t n = LZ4F_compressFrame(out.data(), out.size(), input.data(), input.size(), &prefs);
  if (LZ4F_isError(n)) return fail(Errc::compression_failed);
  out.resize(n);
  return out;
}

Result<Bytes> lz4_decompress(Input input, size_t max_output) {
  LZ4F_dctx* raw = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&raw, LZ4F_VERSION))) return fail(Errc::decompression_failed);
  std::unique_ptr<LZ4F_dctx, decltype(&LZ4F_freeDecompressionContext)> ctx(raw, &LZ4F_freeDecompressionContext);
  BoundedOutput out(max_output, input.size());
  size_t pos = 0;
  while (true) {
    auto space = out.space();
    if (space.empty()) return fail(Errc::too_large);
    size_t produced = space.size();
    size_t consumed = input.size() - pos;
    size_t hint = LZ4F_decompress(ctx.get(), space.data(), &produced, input.data() + pos, &consumed, nullptr);
    if (LZ4F_isError(hint)) return fail(Errc::decompression_failed);
    pos += consumed;
    out.commit(produced);
    if (hint == 0 && pos == input.size()) break;
    if (produced == 0 && consumed == 0) return fail(Errc::decompression_failed);  // input ended mid-frame
  }
  return out.finish();
}

// ---- zstd: zstd frames, decoded by streaming since the content size may be
// absent; libzstd caps the window it will allocate at 2^27 by default.

Result<Bytes> zstd_compress(Input input) {
  Bytes out(ZSTD_compressBound(input.size()));
  size_t n = ZSTD_compress(out.data(), out.size(), input.data(), input.size(), ZSTD_CLEVEL_DEFAULT);
  if (ZSTD_isError(n)) return fail(Errc::compression_failed);
  out.resize(n);
  return out;
}

Result<Bytes> zstd_decompress(Input input, size_t max_output) {
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> ctx(ZSTD_createDCtx(), &ZSTD_freeDCtx);
  if (!ctx) return fail(Errc::decompression_failed);
  BoundedOutput out(max_output, input.size());
  ZSTD_inBuffer in{input.data(), input.size(), 0};
  while (true) {
    auto space = out.space();
    if (space.empty()) return fail(Errc::too_large);
    ZSTD_outBuffer zout{space.data(), space.size(), 0};
    size_t consumed_before = in.pos;
    size_t hint = ZSTD_decompressStream(ctx.get(), &zout, &in);
    if (ZSTD_isError(hint)) return fail(Errc::decompression_failed);
    out.commit(zout.pos);
    if (hint == 0 && in.pos == in.size) break;
    if (zout.pos == 0 && in.pos == consumed_before) return fail(Errc::decompression_failed);  // input ended mid-frame
  }
  return out.finish();
}

}  // namespace

Result<std::vector<std::byte>> compress(CompressionType type, std::span<const std::byte> input) {
  switch (type) {
    case CompressionType::none: return Bytes(input.begin(), input.end());
    case CompressionType::gzip: return gzip_compress(input);
    case CompressionType::snappy: return snappy_compress(input);
    case CompressionType::lz4: return lz4_compress(input);
    case CompressionType::zstd: return zstd_compress(input);
  }
  return fail(Errc::unsupported_compression);
}

Result<std::vector<std::byte>> decompress(CompressionType type, std::span<const std::byte> input, size_t max_output) {
  switch (type) {
    case CompressionType::none:
      if (input.size() > max_output) return fail(Errc::too_large);
      return Bytes(input.begin(), input.end());
    case CompressionType::gzip: return gzip_decompress(input, max_output);
    case CompressionType::snappy: return snappy_decompress(input, max_output);
    case CompressionType::lz4: return lz4_decompress(input, max_output);
    case CompressionType::zstd: return zstd_decompress(input, max_output);
  }
  return fail(Errc::unsupported_compression);
}

}  // namespace runnel::protocol
