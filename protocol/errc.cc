#include "protocol/errc.h"

#include <string>

namespace runnel::protocol {
namespace {
class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "protocol"; }
  std::string message(int ev) const override {
    switch (static_cast<Errc>(ev)) {
      case Errc::truncated: return "truncated input";
      case Errc::bad_length: return "bad length field";
      case Errc::crc_mismatch: return "CRC32C mismatch";
      case Errc::unsupported_magic: return "record batch magic is not 2";
      case Errc::invalid_record: return "invalid record";
      case Errc::unsupported_compression: return "unsupported compression codec";
      case Errc::compression_failed: return "compression failed";
      case Errc::decompression_failed: return "decompression failed";
      case Errc::too_large: return "decompressed data too large";
      case Errc::unexpected_null: return "null in a non-nullable field";
      case Errc::bad_varint: return "malformed unsigned varint";
    }
    return "unknown protocol error";
  }
};
}  // namespace

const std::error_category& protocol_category() {
  static const Category category;
  return category;
}

}  // namespace runnel::protocol
