#include "tools/produce_command.h"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "tools/kafka_client.h"
#include "tools/murmur2.h"

namespace runnel::tools {
namespace {

struct ProduceOptions {
  std::string topic;
  std::string file;
  std::optional<std::string> key_separator;
  std::vector<std::string> headers;
  std::optional<int32_t> partition;
  std::string acks = "all";
  std::string compression = "none";
};

struct Delivery {
  int64_t delivered = 0;
  int64_t failed = 0;
  std::string first_error;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void*) {
  auto* delivery = static_cast<Delivery*>(message->_private);
  if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++delivery->delivered;
    return;
  }
  if (delivery->failed++ == 0)
    delivery->first_error = std::string(rd_kafka_err2name(message->err)) + " (" + rd_kafka_err2str(message->err) + ")";
}

void produce(const ClientOptions& options, const ProduceOptions& produce) {
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& h : produce.headers) headers.push_back(split_key_value(h, "--header"));
  if (produce.key_separator && produce.key_separator->empty()) throw ToolError("--key-separator must not be empty");

  std::ifstream file;
  if (!produce.file.empty()) {
    file.open(produce.file, std::ios::binary);
    if (!file) throw ToolError("cannot open " + produce.file);
  }
  std::istream& in = produce.file.empty() ? std::cin : file;

  std::string timeout = std::to_string(options.timeout_ms());
  KafkaClient client(options, ClientKind::producer,
                     {{"acks", produce.acks},
                      {"compression.codec", produce.compression},
                      {"linger.ms", "5"},
                      {"message.timeout.ms", timeout}},
                     on_delivery);
  Delivery delivery;
  const TopicMetadata topic = client.topic(produce.topic);
  const auto partition_count = static_cast<int32_t>(topic.partitions.size());
  if (partition_count == 0) throw ToolError("topic " + produce.topic + " has no partitions");
  if (produce.partition && (*produce.partition < 0 || *produce.partition >= partition_count))
    throw ToolError("--partition " + std::to_string(*produce.partition) + ": topic " + produce.topic + " has " +
                    std::to_string(partition_count) + " partitions");

  const auto start = std::chrono::steady_clock::now();
  int64_t records = 0;
  int64_t bytes = 0;
  int32_t next_keyless = 0;
  std::string line;
  while (std::getline(in, line)) {
    std::optional<std::string_view> key;
    std::string_view value = line;
    if (produce.key_separator) {
      if (auto at = line.find(*produce.key_separator); at != std::string::npos) {
        key = std::string_view(line).substr(0, at);
        value = std::string_view(line).substr(at + produce.key_separator->size());
      }
    }
    int32_t partition = 0;
    if (produce.partition) partition = *produce.partition;
    else if (key) partition = java_partition(*key, partition_count);
    else partition = next_keyless++ % partition_count;

    const void* key_data = key ? key->data() : nullptr;
    const size_t key_size = key ? key->size() : 0;
    void* value_data = const_cast<char*>(value.data());
    const size_t value_size = value.size();
    for (;;) {
      rd_kafka_headers_t* record_headers = nullptr;
      if (!headers.empty()) {
        record_headers = rd_kafka_headers_new(headers.size());
        for (const auto& [k, v] : headers)
          rd_kafka_header_add(record_headers, k.data(), static_cast<ssize_t>(k.size()), v.data(),
                              static_cast<ssize_t>(v.size()));
      }
      rd_kafka_resp_err_t err = rd_kafka_producev(
          client.get(), RD_KAFKA_V_TOPIC(produce.topic.c_str()), RD_KAFKA_V_PARTITION(partition),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_VALUE(value_data, value_size), RD_KAFKA_V_KEY(key_data, key_size),
          RD_KAFKA_V_HEADERS(record_headers),
          RD_KAFKA_V_OPAQUE(&delivery), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (record_headers != nullptr) rd_kafka_headers_destroy(record_headers);
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) throw ToolError(std::string("produce: ") + rd_kafka_err2str(err));
      rd_kafka_poll(client.get(), 100);
    }
    ++records;
    bytes += static_cast<int64_t>(value.size() + (key ? key->size() : 0));
    rd_kafka_poll(client.get(), 0);
    if (delivery.failed > 0) break;
  }
  if (in.bad()) throw ToolError("reading " + (produce.file.empty() ? std::string("stdin") : produce.file) + " failed");

  rd_kafka_flush(client.get(), options.timeout_ms() + 1000);
  if (delivery.failed > 0)
    throw ToolError(std::to_string(delivery.failed) + " records not delivered to " + produce.topic + ": " +
                    delivery.first_error);
  if (int left = rd_kafka_outq_len(client.get()); left > 0)
    throw ToolError(client.unreachable_message((std::to_string(left) + " records not delivered").c_str()));

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  char summary[256];
  std::snprintf(summary, sizeof summary, "produced %lld records (%lld bytes) to %s in %.3f s (%.0f records/s)",
                static_cast<long long>(records), static_cast<long long>(bytes), produce.topic.c_str(), seconds,
                seconds > 0 ? static_cast<double>(records) / seconds : 0.0);
  std::cerr << summary << std::endl;
}

}  // namespace

void add_produce_command(CLI::App& app, std::shared_ptr<ClientOptions> client) {
  auto options = std::make_shared<ProduceOptions>();
  CLI::App* c = app.add_subcommand("produce", "Send one record per input line");
  c->add_option("TOPIC", options->topic, "Topic name")->required();
  c->add_option("--file", options->file, "Read lines from this file instead of stdin");
  c->add_option("--key-separator", options->key_separator, "Split each line into key SEP value at the first SEP");
  c->add_option("--header", options->headers, "Header key=value on every record (repeatable)")
      ->allow_extra_args(false);
  c->add_option("--partition", options->partition, "Send every record to this partition");
  c->add_option("--acks", options->acks, "Acknowledgements: 0, 1 or all")
      ->check(CLI::IsMember({"0", "1", "-1", "all"}))
      ->capture_default_str();
  c->add_option("--compression", options->compression, "none, gzip, snappy, lz4 or zstd")
      ->check(CLI::IsMember({"none", "gzip", "snappy", "lz4", "zstd"}))
      ->capture_default_str();
  c->footer(
      "Example:\n"
      "  printf 'user-1:signed up\\nuser-2:paid\\n' | runnel produce events --key-separator : --header source=web");
  c->callback([client, options] { produce(*client, *options); });
}

}  // namespace runnel::tools
