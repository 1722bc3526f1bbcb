#include "tools/record_sender.h"

namespace runnel::tools {

RecordSender::RecordSender(const ClientOptions& options, const std::string& acks, const std::string& compression,
                           int linger_ms)
    : client_(options, ClientKind::producer,
              {{"acks", acks},
               {"compression.codec", compression},
               {"linger.ms", std::to_string(linger_ms)},
               {"message.timeout.ms", std::to_string(options.timeout_ms())}},
              on_delivery) {}

void RecordSender::on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void*) {
  auto* sender = static_cast<RecordSender*>(message->_private);
  if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++sender->delivered_;
    return;
  }
  if (sender->failed_++ == 0)
    sender->first_error_ =
        std::string(rd_kafka_err2name(message->err)) + " (" + rd_kafka_err2str(message->err) + ")";
}

void RecordSender::throw_if_failed(const std::string& topic) const {
  if (failed_ > 0)
    throw ToolError(std::to_string(failed_) + " records not delivered to " + topic + ": " + first_error_);
}

void RecordSender::send(const std::string& topic, const OutgoingRecord& record) {
  const void* key_data = record.key ? record.key->data() : nullptr;
  const size_t key_size = record.key ? record.key->size() : 0;
  void* value_data = record.value ? const_cast<char*>(record.value->data()) : nullptr;
  const size_t value_size = record.value ? record.value->size() : 0;
  for (;;) {
    rd_kafka_headers_t* headers = nullptr;
    if (record.headers != nullptr && !record.headers->empty()) {
      headers = rd_kafka_headers_new(record.headers->size());
      for (const auto& [k, v] : *record.headers)
        rd_kafka_header_add(headers, k.data(), static_cast<ssize_t>(k.size()), v ? v->data() : nullptr,
                            v ? static_cast<ssize_t>(v->size()) : 0);
    }
    rd_kafka_resp_err_t err = rd_kafka_producev(
        client_.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(record.partition),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_VALUE(value_data, value_size),
        RD_KAFKA_V_KEY(key_data, key_size), RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_TIMESTAMP(record.timestamp_ms),
        RD_KAFKA_V_OPAQUE(this), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
    if (headers != nullptr) rd_kafka_headers_destroy(headers);
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) throw ToolError(std::string("produce: ") + rd_kafka_err2str(err));
    rd_kafka_poll(client_.get(), 100);
    throw_if_failed(topic);
  }
  ++sent_;
  rd_kafka_poll(client_.get(), 0);
  throw_if_failed(topic);
}

void RecordSender::finish(const std::string& topic) {
  rd_kafka_flush(client_.get(), client_.timeout_ms() + 1000);
  throw_if_failed(topic);
  if (int left = rd_kafka_outq_len(client_.get()); left > 0)
    throw ToolError(client_.unreachable_message((std::to_string(left) + " records not delivered").c_str()));
}

}  // namespace runnel::tools
