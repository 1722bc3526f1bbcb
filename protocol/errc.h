#pragma once
// Failures of protocol-level decoding and validation, as std::error_code.
// They become Kafka wire codes in one place (storage/errors.h, later broker/).

#include <system_error>

namespace runnel::protocol {

enum class Errc {
  truncated = 1,           // fewer bytes than a length or header announces
  bad_length,              // a length field that is negative or inconsistent
  crc_mismatch,            // stored CRC32C differs from the computed one
  unsupported_magic,       // record batch magic other than 2
  invalid_record,          // a record inside a batch does not decode
  unsupported_compression, // codec id outside 0..4
  compression_failed,      // the codec library refused to compress
  decompression_failed,    // the codec library refused the input
  too_large,               // decompressed output over the caller's bound
  unexpected_null,         // null length in a field that is not nullable at this version
  bad_varint,              // unsigned varint longer than 5 bytes or beyond 32 bits
};

const std::error_category& protocol_category();
inline std::error_code make_error_code(Errc e) { return {static_cast<int>(e), protocol_category()}; }

}  // namespace runnel::protocol

template <>
struct std::is_error_code_enum<runnel::protocol::Errc> : std::true_type {};
