#include "tools/replay_command.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <string>

#include "tools/kafka_client.h"
#include "tools/partition_offsets.h"
#include "tools/partitioner.h"
#include "tools/rdkafka_message.h"
#include "tools/record_sender.h"
#include "tools/timestamp.h"

namespace runnel::tools {
namespace {

struct ReplayOptions {
  std::string source;
  std::string from;
  std::string to = "latest";
  std::string target;
  std::optional<int32_t> partition;
  std::string compression = "none";
};

// A position given as --from / --to.
struct Position {
  enum class Kind { earliest, latest, offset, timestamp } kind = Kind::latest;
  int64_t value = 0;
};

std::optional<Position> parse_position(const std::string& text) {
  if (text == "earliest" || text == "beginning") return Position{Position::Kind::earliest};
  if (text == "latest" || text == "end") return Position{Position::Kind::latest};
  int64_t offset = 0;
  if (auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), offset);
      ec == std::errc{} && end == text.data() + text.size())
    return offset >= 0 ? std::optional(Position{Position::Kind::offset, offset}) : std::nullopt;
  const bool epoch = !text.empty() && text.front() == '@';
  if (epoch && (text.size() == 1 || !std::all_of(text.begin() + 1, text.end(), [](char c) { return c >= '0' && c <= '9'; })))
    return std::nullopt;
  if (auto ms = parse_timestamp(epoch ? text.substr(1) : text)) return Position{Position::Kind::timestamp, *ms};
  return std::nullopt;
}

Position parse_position_option(const std::string& text, const char* option) {
  if (auto p = parse_position(text)) return *p;
  throw ToolError(std::string(option) + " " + text +
                  ": expected an offset, ISO-8601 time, @<epoch ms>, earliest or latest");
}

struct Range {
  int32_t partition = 0;
  int64_t from = 0;
  int64_t to = 0;  // exclusive
  int64_t copied = 0;
  bool done = false;
};

// The offset a position stands for in each partition, within [log start, high watermark].
std::vector<int64_t> resolve(KafkaClient& client, const std::string& topic, const std::vector<int32_t>& partitions,
                             const std::vector<Watermarks>& marks, const Position& position) {
  std::vector<int64_t> by_time;
  if (position.kind == Position::Kind::timestamp)
    by_time = offsets_for_timestamp(client, topic, partitions, position.value);
  std::vector<int64_t> offsets;
  for (size_t i = 0; i < partitions.size(); ++i) {
    const Watermarks& w = marks[i];
    switch (position.kind) {
      case Position::Kind::earliest: offsets.push_back(w.log_start_offset); break;
      case Position::Kind::latest: offsets.push_back(w.high_watermark); break;
      case Position::Kind::offset:
        offsets.push_back(std::clamp(position.value, w.log_start_offset, w.high_watermark));
        break;
      case Position::Kind::timestamp: offsets.push_back(by_time[i] < 0 ? w.high_watermark : by_time[i]); break;
    }
  }
  return offsets;
}

void replay(const ClientOptions& options, const ReplayOptions& replay) {
  const Position from = parse_position_option(replay.from, "--from");
  const Position to = parse_position_option(replay.to, "--to");

  KafkaClient reader(options, ClientKind::consumer,
                     {{"group.id", "runnel-cli"},
                      {"enable.auto.commit", "false"},
                      {"enable.auto.offset.store", "false"},
                      {"enable.partition.eof", "true"}});
  const TopicMetadata source = reader.topic(replay.source);
  RecordSender sender(options, "all", replay.compression);
  const TopicMetadata target = sender.client().topic(replay.target);

  const std::vector<int32_t> partitions = select_partitions(source, replay.partition);
  std::vector<Watermarks> marks;
  for (int32_t p : partitions) marks.push_back(query_watermarks(reader, replay.source, p));
  const std::vector<int64_t> starts = resolve(reader, replay.source, partitions, marks, from);
  const std::vector<int64_t> ends = resolve(reader, replay.source, partitions, marks, to);

  std::map<int32_t, Range> ranges;
  PartitionListPtr assignment(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (size_t i = 0; i < partitions.size(); ++i) {
    Range range{partitions[i], starts[i], std::max(starts[i], ends[i])};
    range.done = range.from >= range.to;
    if (!range.done)
      rd_kafka_topic_partition_list_add(assignment.get(), replay.source.c_str(), range.partition)->offset = range.from;
    ranges.emplace(range.partition, range);
  }
  if (rd_kafka_resp_err_t err = rd_kafka_assign(reader.get(), assignment.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw ToolError(std::string("assign: ") + rd_kafka_err2str(err));

  const bool same_partitions = target.partitions.size() >= source.partitions.size();
  Partitioner partitioner(static_cast<int32_t>(target.partitions.size()), std::nullopt);
  const auto start = std::chrono::steady_clock::now();
  auto last_progress = start;
  const auto timeout = std::chrono::milliseconds(options.timeout_ms());
  auto pending = static_cast<size_t>(assignment->cnt);
  while (pending > 0) {
    MessagePtr m(rd_kafka_consumer_poll(reader.get(), 100));
    if (!m) {
      if (std::chrono::steady_clock::now() - last_progress > timeout)
        throw ToolError(reader.unreachable_message(("fetch from " + replay.source).c_str()));
      continue;
    }
    last_progress = std::chrono::steady_clock::now();
    auto it = ranges.find(m->partition);
    if (it == ranges.end() || it->second.done) continue;
    Range& range = it->second;
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
      throw ToolError("fetch from " + replay.source + "-" + std::to_string(m->partition) + ": " +
                      rd_kafka_message_errstr(m.get()));
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && m->offset < range.to) {
      const RecordHeaders headers = headers_of(m.get());
      OutgoingRecord record{.partition = 0,
                            .key = key_of(m.get()),
                            .value = value_of(m.get()),
                            .headers = &headers,
                            .timestamp_ms = rd_kafka_message_timestamp(m.get(), nullptr)};
      record.partition = same_partitions ? m->partition : partitioner.partition_for(record.key);
      sender.send(replay.target, record);
      ++range.copied;
    }
    // Done at the last offset of the range, past it, or at the end of the
    // partition (the range's last records may have been compacted away).
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF || m->offset + 1 >= range.to) {
      range.done = true;
      --pending;
    }
  }
  sender.finish(replay.target);

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto out = make_formatter(options.output, std::cout);
  int64_t copied = 0;
  for (const auto& [p, range] : ranges) {
    out->begin_line();
    out->number("partition", p);
    out->number("from", range.from);
    out->number("to", range.to);
    out->number("copied", range.copied);
    out->end_line();
    copied += range.copied;
  }
  char elapsed[32];
  std::snprintf(elapsed, sizeof elapsed, "%.3f", seconds);
  out->begin_line();
  out->string("source", replay.source);
  out->string("target", replay.target);
  out->number("records", copied);
  out->string("seconds", elapsed);
  out->end_line();
}

}  // namespace

void add_replay_command(CLI::App& app, std::shared_ptr<ClientOptions> client) {
  auto options = std::make_shared<ReplayOptions>();
  CLI::App* c = app.add_subcommand("replay", "Re-publish a range of a topic's history into another topic");
  c->add_option("SOURCE", options->source, "Topic to read")->required();
  c->add_option("--from", options->from, "First position: offset, ISO-8601 time, @epoch-ms, earliest, latest")
      ->required();
  c->add_option("--to", options->to, "End position, not included (same forms)")->capture_default_str();
  c->add_option("--into", options->target, "Topic to write")->required();
  c->add_option("--partition", options->partition, "Replay only this partition of SOURCE");
  c->add_option("--compression", options->compression, "none, gzip, snappy, lz4 or zstd")
      ->check(CLI::IsMember({"none", "gzip", "snappy", "lz4", "zstd"}))
      ->capture_default_str();
  c->footer(
      "Example:\n"
      "  runnel replay orders --from 2026-11-22T10:00:00Z --to 2026-11-22T11:00:00Z --into orders-reprocess\n"
      "  runnel replay orders --partition 2 --from 1000 --to 2000 --into orders-debug");
  c->callback([client, options] { replay(*client, *options); });
}

}  // namespace runnel::tools
