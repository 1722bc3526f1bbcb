#include "protocol/header.h"

#include "protocol/byte_order.h"

namespace runnel::protocol {

void RequestHeader::decode(Reader& r, int16_t header_version) {
  api_key = r.read_int16();
  api_version = r.read_int16();
  correlation_id = r.read_int32();
  if (header_version >= 1) client_id = r.read_nullable_string();
  if (header_version >= 2) r.skip_tagged_fields();
}

void RequestHeader::encode(Writer& w, int16_t header_version) const {
  w.write_int16(api_key);
  w.write_int16(api_version);
  w.write_int32(correlation_id);
  if (header_version >= 1) w.write_nullable_string(client_id);
  if (header_version >= 2) w.write_empty_tagged_fields();
}

std::optional<RequestHeaderPrefix> peek_request_header(std::span<const std::byte> frame) {
  if (frame.size() < 8) return std::nullopt;
  return RequestHeaderPrefix{read_be<int16_t>(frame.data()), read_be<int16_t>(frame.data() + 2),
                             read_be<int32_t>(frame.data() + 4)};
}

void ResponseHeader::decode(Reader& r, int16_t header_version) {
  correlation_id = r.read_int32();
  if (header_version >= 1) r.skip_tagged_fields();
}

void ResponseHeader::encode(Writer& w, int16_t header_version) const {
  w.write_int32(correlation_id);
  if (header_version >= 1) w.write_empty_tagged_fields();
}

}  // namespace runnel::protocol
