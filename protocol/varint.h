#pragma once
// Zigzag varints (protobuf style), as used inside records. Distinct from the
// unsigned varints of flexible protocol versions (KIP-482), which have no
// zigzag step.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace runnel::protocol {

// Reads a zigzag varint of at most 5 (varint) or 10 (varlong) bytes from
// `in` starting at `pos`, advancing `pos`. nullopt on truncation or overlong
// encoding (more bytes than that, or a last byte carrying bits beyond 32/64),
// leaving `pos` unchanged. Non-minimal encodings within the byte limit are
// accepted, as Kafka's ByteUtils accepts them.
std::optional<int32_t> read_varint(std::span<const std::byte> in, size_t& pos);
std::optional<int64_t> read_varlong(std::span<const std::byte> in, size_t& pos);

void write_varint(std::vector<std::byte>& out, int32_t value);
void write_varlong(std::vector<std::byte>& out, int64_t value);
size_t varint_size(int32_t value);
size_t varlong_size(int64_t value);

// Unsigned LEB128 varints of flexible versions (KIP-482): lengths, counts and
// tags. At most 5 bytes, value within 32 bits; nullopt (pos unchanged) on
// truncation or overlong encoding.
std::optional<uint32_t> read_uvarint(std::span<const std::byte> in, size_t& pos);
void write_uvarint(std::vector<std::byte>& out, uint32_t value);
size_t uvarint_size(uint32_t value);

}  // namespace runnel::protocol
