#include "tools/consume_command.h"

#include <CLI/CLI.hpp>

#include <chrono>
#include <csignal>
#include <iostream>
#include <set>
#include <span>
#include <string_view>

#include "tools/kafka_client.h"
#include "tools/partition_offsets.h"
#include "tools/rdkafka_message.h"
#include "tools/timestamp.h"
#include "tools/text_encoding.h"

namespace runnel::tools {
namespace {

struct ConsumeOptions {
  std::string topic;
  bool from_beginning = false;
  std::optional<int64_t> offset;
  std::string timestamp;
  std::optional<int32_t> partition;
  std::optional<int64_t> count;
  bool until_end = false;
  std::string format = "%s\\n";
  std::optional<std::string> group;
};

volatile std::sig_atomic_t interrupted = 0;

std::span<const std::byte> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

void format_text(std::string& out, std::string_view format, rd_kafka_message_t* m, const std::string& topic) {
  const std::string_view key = key_of(m).value_or("");
  const std::string_view value = value_of(m).value_or("");
  for (size_t i = 0; i < format.size(); ++i) {
    const char c = format[i];
    if ((c != '%' && c != '\\') || i + 1 == format.size()) {
      out += c;
      continue;
    }
    const char next = format[++i];
    if (c == '\\') {
      out += next == 'n' ? '\n' : next == 't' ? '\t' : next == 'r' ? '\r' : next;
      continue;
    }
    switch (next) {
      case 't': out += topic; break;
      case 'p': out += std::to_string(m->partition); break;
      case 'o': out += std::to_string(m->offset); break;
      case 'T': out += std::to_string(rd_kafka_message_timestamp(m, nullptr)); break;
      case 'k': out += key; break;
      case 's': out += value; break;
      case 'K': out += m->key == nullptr ? "-1" : std::to_string(m->key_len); break;
      case 'S': out += m->payload == nullptr ? "-1" : std::to_string(m->len); break;
      case 'h': {
        bool first = true;
        for (const auto& [k, v] : headers_of(m)) {
          if (!first) out += ',';
          first = false;
          out += k;
          out += '=';
          if (v) out += *v;
        }
        break;
      }
      case '%': out += '%'; break;
      default: out += '%'; out += next;
    }
  }
}

void append_nullable(std::string& out, std::optional<std::string_view> bytes) {
  if (!bytes) out += "null";
  else append_json_bytes(out, as_bytes(*bytes));
}

void format_json(std::string& out, rd_kafka_message_t* m, const std::string& topic) {
  out += "{\"topic\":";
  append_json_string(out, topic);
  out += ",\"partition\":" + std::to_string(m->partition) + ",\"offset\":" + std::to_string(m->offset) +
         ",\"timestamp\":" + std::to_string(rd_kafka_message_timestamp(m, nullptr)) + ",\"key\":";
  append_nullable(out, key_of(m));
  out += ",\"value\":";
  append_nullable(out, value_of(m));
  out += ",\"headers\":[";
  bool first = true;
  for (const auto& [k, v] : headers_of(m)) {
    out += first ? "{\"key\":" : ",{\"key\":";
    first = false;
    append_json_string(out, k);
    out += ",\"value\":";
    append_nullable(out, v);
    out += '}';
  }
  out += "]}\n";
}

void check_options(const ConsumeOptions& consume) {
  const int starts = (consume.from_beginning ? 1 : 0) + (consume.offset ? 1 : 0) + (!consume.timestamp.empty() ? 1 : 0);
  if (starts > 1) throw ToolError("give at most one of --from-beginning, --offset, --timestamp");
  if (consume.group && (consume.offset || !consume.timestamp.empty() || consume.partition))
    throw ToolError("--group starts at the group's committed offsets: --offset, --timestamp and --partition "
                    "cannot be combined with it");
  if (consume.group && consume.group->empty()) throw ToolError("--group must not be empty");
  if (consume.offset && *consume.offset < 0) throw ToolError("--offset must be >= 0");
  if (consume.count && *consume.count < 0) throw ToolError("--count must be >= 0");
}

// Assigns the partitions to read, each at its start position; returns how many.
int assign_partitions(KafkaClient& client, const ConsumeOptions& consume, const TopicMetadata& topic) {
  std::optional<int64_t> timestamp;
  if (!consume.timestamp.empty()) {
    timestamp = parse_timestamp(consume.timestamp);
    if (!timestamp) throw ToolError("--timestamp " + consume.timestamp + ": expected ISO-8601 or epoch milliseconds");
  }
  const std::vector<int32_t> partitions = select_partitions(topic, consume.partition);
  std::vector<int64_t> by_time;
  if (timestamp) by_time = offsets_for_timestamp(client, consume.topic, partitions, *timestamp);
  PartitionListPtr assignment(
      rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (size_t i = 0; i < partitions.size(); ++i) {
    int64_t start = RD_KAFKA_OFFSET_END;
    if (consume.from_beginning) start = RD_KAFKA_OFFSET_BEGINNING;
    else if (consume.offset) start = *consume.offset;
    else if (timestamp && by_time[i] >= 0) start = by_time[i];  // none at or after T: the end
    rd_kafka_topic_partition_list_add(assignment.get(), consume.topic.c_str(), partitions[i])->offset = start;
  }
  if (rd_kafka_resp_err_t err = rd_kafka_assign(client.get(), assignment.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw ToolError(std::string("assign: ") + rd_kafka_err2str(err));
  return static_cast<int>(partitions.size());
}

void subscribe(KafkaClient& client, const std::string& topic) {
  PartitionListPtr topics(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(topics.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  if (rd_kafka_resp_err_t err = rd_kafka_subscribe(client.get(), topics.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw ToolError(std::string("subscribe: ") + rd_kafka_err2str(err));
}

int assigned_count(KafkaClient& client) {
  rd_kafka_topic_partition_list_t* raw = nullptr;
  if (rd_kafka_assignment(client.get(), &raw) != RD_KAFKA_RESP_ERR_NO_ERROR) return 0;
  PartitionListPtr assignment(raw);
  return assignment->cnt;
}

// Commits the offsets of the records printed (stored as they were returned)
// and leaves the group.
void commit_and_leave(KafkaClient& client, const std::string& group) {
  rd_kafka_resp_err_t err = rd_kafka_commit(client.get(), nullptr, 0);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET)
    throw ToolError("commit offsets of group " + group + ": " + rd_kafka_err2str(err));
  rd_kafka_consumer_close(client.get());
}

void consume(const ClientOptions& options, const ConsumeOptions& consume) {
  check_options(consume);
  std::vector<std::pair<std::string, std::string>> settings = {{"enable.partition.eof", "true"}};
  if (consume.group) {
    settings.insert(settings.end(), {{"group.id", *consume.group},
                                     {"enable.auto.commit", "true"},
                                     {"auto.offset.reset", consume.from_beginning ? "earliest" : "latest"}});
  } else {
    settings.insert(settings.end(),
                    {{"group.id", "runnel-cli"}, {"enable.auto.commit", "false"}, {"enable.auto.offset.store", "false"}});
  }
  KafkaClient client(options, consume.group ? ClientKind::group_consumer : ClientKind::consumer, settings);
  const TopicMetadata topic = client.topic(consume.topic);
  int partitions_read = 0;
  if (consume.group) subscribe(client, consume.topic);
  else partitions_read = assign_partitions(client, consume, topic);

  std::signal(SIGINT, [](int) { interrupted = 1; });
  std::signal(SIGTERM, [](int) { interrupted = 1; });
  std::set<int32_t> caught_up;
  int64_t consumed = 0;
  std::string out;
  auto last_progress = std::chrono::steady_clock::now();
  const auto timeout = std::chrono::milliseconds(options.timeout_ms());
  while (!interrupted && !(consume.count && consumed >= *consume.count)) {
    MessagePtr m(rd_kafka_consumer_poll(client.get(), 100));
    if (consume.group) partitions_read = assigned_count(client);
    if (!m) {
      std::cout << out << std::flush;
      out.clear();
      const bool waited_too_long = std::chrono::steady_clock::now() - last_progress > timeout;
      if (consume.group && client.assignments_received() == 0 && waited_too_long)
        throw ToolError(client.unreachable_message(("join group " + *consume.group).c_str()));
      if (consume.until_end && waited_too_long) throw ToolError(client.unreachable_message("fetch"));
      continue;
    }
    last_progress = std::chrono::steady_clock::now();
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      caught_up.insert(m->partition);
      if (consume.until_end && static_cast<int>(caught_up.size()) >= partitions_read) break;
      continue;
    }
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (m->rkt == nullptr || m->partition < 0)  // a consumer-level error, e.g. of the group
        throw ToolError((consume.group ? "group " + *consume.group + ": " : std::string()) +
                        rd_kafka_message_errstr(m.get()));
      throw ToolError("fetch from partition " + std::to_string(m->partition) + ": " + rd_kafka_message_errstr(m.get()));
    }
    caught_up.erase(m->partition);
    if (options.output == OutputFormat::json) format_json(out, m.get(), consume.topic);
    else format_text(out, consume.format, m.get(), consume.topic);
    ++consumed;
    if (out.size() > 65536) {
      std::cout << out;
      out.clear();
    }
  }
  std::cout << out << std::flush;
  if (consume.group) commit_and_leave(client, *consume.group);
}

}  // namespace

void add_consume_command(CLI::App& app, std::shared_ptr<ClientOptions> client) {
  auto options = std::make_shared<ConsumeOptions>();
  CLI::App* c = app.add_subcommand("consume", "Print records from a topic's partitions, or as a consumer group member");
  c->add_option("TOPIC", options->topic, "Topic name")->required();
  c->add_flag("--from-beginning", options->from_beginning, "Start at the log start offset");
  c->add_option("--offset", options->offset, "Start at this offset in each partition");
  c->add_option("--timestamp", options->timestamp,
                "Start at the first record at or after T (ISO-8601 or epoch ms)");
  c->add_option("--partition", options->partition, "Read only this partition");
  c->add_option("--count", options->count, "Stop after N records");
  c->add_flag("--until-end", options->until_end, "Stop once every partition is caught up");
  c->add_option("--group", options->group,
                "Read as a member of consumer group G from its committed offsets, and commit");
  c->add_option("--format", options->format, "Text layout: %t %p %o %T %k %s %h %K %S, \\n \\t")
      ->capture_default_str();
  c->footer(
      "Example:\n"
      "  runnel consume events --from-beginning --until-end --format '%p:%o %k=%s [%h]\\n'\n"
      "  runnel consume events --timestamp 2026-11-22T10:00:00Z --count 10 --output json\n"
      "  runnel consume events --group billing --from-beginning");
  c->callback([client, options] { consume(*client, *options); });
}

}  // namespace runnel::tools
