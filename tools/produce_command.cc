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
#include "tools/partitioner.h"
#include "tools/progress_bar.h"
#include "tools/rate_limiter.h"
#include "tools/record_sender.h"

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
  std::optional<double> rate;
};

void produce(const ClientOptions& options, const ProduceOptions& produce) {
  std::vector<std::pair<std::string, std::string>> header_values;
  for (const auto& h : produce.headers) header_values.push_back(split_key_value(h, "--header"));
  const RecordHeaders headers(header_values.begin(), header_values.end());
  if (produce.key_separator && produce.key_separator->empty()) throw ToolError("--key-separator must not be empty");
  if (produce.rate && !(*produce.rate > 0)) throw ToolError("--rate must be > 0");

  std::ifstream file;
  int64_t file_size = 0;
  if (!produce.file.empty()) {
    file.open(produce.file, std::ios::binary | std::ios::ate);
    if (!file) throw ToolError("cannot open " + produce.file);
    file_size = static_cast<int64_t>(file.tellg());
    file.seekg(0);
  }
  std::istream& in = produce.file.empty() ? std::cin : file;

  RecordSender sender(options, produce.acks, produce.compression);
  const TopicMetadata topic = sender.client().topic(produce.topic);
  const auto partition_count = static_cast<int32_t>(topic.partitions.size());
  if (partition_count == 0) throw ToolError("topic " + produce.topic + " has no partitions");
  select_partitions(topic, produce.partition);
  Partitioner partitioner(partition_count, produce.partition);
  std::optional<RateLimiter> rate;
  if (produce.rate) rate.emplace(*produce.rate);
  std::optional<ProgressBar> progress;
  if (!produce.file.empty() && ProgressBar::is_terminal(stderr)) progress.emplace(stderr, file_size);

  const auto start = std::chrono::steady_clock::now();
  int64_t records = 0;
  int64_t bytes = 0;
  int64_t bytes_read = 0;
  std::string line;
  while (std::getline(in, line)) {
    bytes_read += static_cast<int64_t>(line.size()) + 1;
    OutgoingRecord record;
    record.value = line;
    if (produce.key_separator) {
      if (auto at = line.find(*produce.key_separator); at != std::string::npos) {
        record.key = std::string_view(line).substr(0, at);
        record.value = std::string_view(line).substr(at + produce.key_separator->size());
      }
    }
    record.partition = partitioner.partition_for(record.key);
    record.headers = &headers;
    if (rate) rate->acquire();
    sender.send(produce.topic, record);
    ++records;
    bytes += static_cast<int64_t>(record.value->size() + (record.key ? record.key->size() : 0));
    if (progress) progress->update(bytes_read, records);
  }
  if (progress) progress->finish();
  if (in.bad()) throw ToolError("reading " + (produce.file.empty() ? std::string("stdin") : produce.file) + " failed");
  sender.finish(produce.topic);

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
  c->add_option("--rate", options->rate, "Send at most N records per second (a fixed rate)");
  c->footer(
      "Example:\n"
      "  printf 'user-1:signed up\\nuser-2:paid\\n' | runnel produce events --key-separator : --header source=web\n"
      "  runnel produce events --file events.txt --rate 1000 --compression zstd");
  c->callback([client, options] { produce(*client, *options); });
}

}  // namespace runnel::tools
