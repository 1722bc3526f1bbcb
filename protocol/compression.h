#pragma once
// The four Kafka codecs, each through its own library: gzip (zlib, gzip
// stream), snappy (libsnappy; raw blocks as librdkafka writes, and the xerial
// framing the Java client writes, both accepted on decompress; compress
// writes xerial framing as the Java client does), lz4 (liblz4 frame format),
// zstd (libzstd frame). CompressionType::none copies.

#include <cstddef>
#include <span>
#include <vector>

#include "protocol/record_batch.h"
#include "protocol/result.h"

namespace runnel::protocol {

Result<std::vector<std::byte>> compress(CompressionType type, std::span<const std::byte> input);

// Fails with Errc::decompression_failed on malformed input and
// Errc::too_large when the output would exceed `max_output` bytes.
Result<std::vector<std::byte>> decompress(CompressionType type, std::span<const std::byte> input, size_t max_output);

}  // namespace runnel::protocol
