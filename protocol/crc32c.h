#pragma once
// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of
// record batch v2. crc32c() uses the SSE4.2 crc32 instruction when the CPU has
// it and the portable table-driven version otherwise; both are exposed so
// tests can check each against published vectors.

#include <cstddef>
#include <cstdint>
#include <span>

namespace runnel::protocol {

// Extends `crc` (the value returned for the bytes so far; 0 to start) over `data`.
uint32_t crc32c_extend(uint32_t crc, std::span<const std::byte> data);
inline uint32_t crc32c(std::span<const std::byte> data) { return crc32c_extend(0, data); }

uint32_t crc32c_extend_portable(uint32_t crc, std::span<const std::byte> data);
// Precondition: crc32c_hardware_available().
uint32_t crc32c_extend_sse42(uint32_t crc, std::span<const std::byte> data);
bool crc32c_hardware_available();

}  // namespace runnel::protocol
