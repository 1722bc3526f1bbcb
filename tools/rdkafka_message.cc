#include "tools/rdkafka_message.h"

namespace runnel::tools {
namespace {

std::optional<std::string_view> bytes_of(const void* data, size_t size) {
  if (data == nullptr) return std::nullopt;
  return std::string_view(static_cast<const char*>(data), size);
}

}  // namespace

std::optional<std::string_view> key_of(const rd_kafka_message_t* m) { return bytes_of(m->key, m->key_len); }

std::optional<std::string_view> value_of(const rd_kafka_message_t* m) { return bytes_of(m->payload, m->len); }

RecordHeaders headers_of(rd_kafka_message_t* m) {
  RecordHeaders result;
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(m, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) return result;
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i)
    result.emplace_back(name, bytes_of(value, size));
  return result;
}

}  // namespace runnel::tools
