#include "tools/consume_command.h"

#include <CLI/CLI.hpp>

#include <charconv>
#include <chrono>
#include <csignal>
#include <iostream>
#include <set>
#include <span>
#include <string_view>

#include "tools/kafka_client.h"
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
};

volatile std::sig_atomic_t interrupted = 0;

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct Reader {
  std::string_view s;
  bool ok = true;
  int64_t digits(size_t n) {
    int64_t v = 0;
    if (s.size() < n) ok = false;
    for (size_t i = 0; ok && i < n; ++i) {
      if (s[i] < '0' || s[i] > '9') ok = false;
      else v = v * 10 + (s[i] - '0');
    }
    if (ok) s.remove_prefix(n);
    return v;
  }
  bool eat(char c) {
    if (!s.empty() && s.front() == c) {
      s.remove_prefix(1);
      return true;
    }
    return false;
  }
  void expect(char c) { ok = ok && eat(c); }
};

std::string_view bytes_of(const void* data, size_t size) {
  return data == nullptr ? std::string_view() : std::string_view(static_cast<const char*>(data), size);
}

std::span<const std::byte> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

std::vector<std::pair<std::string_view, std::optional<std::string_view>>> headers_of(rd_kafka_message_t* m) {
  std::vector<std::pair<std::string_view, std::optional<std::string_view>>> result;
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(m, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) return result;
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i)
    result.emplace_back(name, value == nullptr ? std::nullopt : std::optional(bytes_of(value, size)));
  return result;
}

void format_text(std::string& out, std::string_view format, rd_kafka_message_t* m, const std::string& topic) {
  const std::string_view key = bytes_of(m->key, m->key_len);
  const std::string_view value = bytes_of(m->payload, m->len);
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

void append_nullable(std::string& out, const void* data, size_t size) {
  if (data == nullptr) out += "null";
  else append_json_bytes(out, as_bytes(bytes_of(data, size)));
}

void format_json(std::string& out, rd_kafka_message_t* m, const std::string& topic) {
  out += "{\"topic\":";
  append_json_string(out, topic);
  out += ",\"partition\":" + std::to_string(m->partition) + ",\"offset\":" + std::to_string(m->offset) +
         ",\"timestamp\":" + std::to_string(rd_kafka_message_timestamp(m, nullptr)) + ",\"key\":";
  append_nullable(out, m->key, m->key_len);
  out += ",\"value\":";
  append_nullable(out, m->payload, m->len);
  out += ",\"headers\":[";
  bool first = true;
  for (const auto& [k, v] : headers_of(m)) {
    out += first ? "{\"key\":" : ",{\"key\":";
    first = false;
    append_json_string(out, k);
    out += ",\"value\":";
    if (v) append_json_bytes(out, as_bytes(*v));
    else out += "null";
    out += '}';
  }
  out += "]}\n";
}

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
struct MessageDeleter {
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};

void consume(const ClientOptions& options, const ConsumeOptions& consume) {
  const int starts = (consume.from_beginning ? 1 : 0) + (consume.offset ? 1 : 0) + (!consume.timestamp.empty() ? 1 : 0);
  if (starts > 1) throw ToolError("give at most one of --from-beginning, --offset, --timestamp");
  std::optional<int64_t> timestamp;
  if (!consume.timestamp.empty()) {
    timestamp = parse_timestamp(consume.timestamp);
    if (!timestamp) throw ToolError("--timestamp " + consume.timestamp + ": expected ISO-8601 or epoch milliseconds");
  }
  if (consume.offset && *consume.offset < 0) throw ToolError("--offset must be >= 0");
  if (consume.count && *consume.count < 0) throw ToolError("--count must be >= 0");

  KafkaClient client(options, ClientKind::consumer,
                     {{"group.id", "runnel-cli"},
                      {"enable.auto.commit", "false"},
                      {"enable.auto.offset.store", "false"},
                      {"enable.partition.eof", "true"}});
  const TopicMetadata topic = client.topic(consume.topic);
  std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter> assignment(
      rd_kafka_topic_partition_list_new(static_cast<int>(topic.partitions.size())));
  for (const auto& p : topic.partitions) {
    if (consume.partition && p.id != *consume.partition) continue;
    int64_t start = RD_KAFKA_OFFSET_END;
    if (consume.from_beginning) start = RD_KAFKA_OFFSET_BEGINNING;
    else if (consume.offset) start = *consume.offset;
    else if (timestamp) start = *timestamp;
    rd_kafka_topic_partition_list_add(assignment.get(), consume.topic.c_str(), p.id)->offset = start;
  }
  if (assignment->cnt == 0)
    throw ToolError("--partition " + std::to_string(*consume.partition) + ": topic " + consume.topic + " has " +
                    std::to_string(topic.partitions.size()) + " partitions");
  if (timestamp) {
    rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(client.get(), assignment.get(), client.timeout_ms());
    if (err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__TRANSPORT)
      throw ToolError(client.unreachable_message("list offsets by timestamp"));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) throw ToolError(std::string("list offsets by timestamp: ") + rd_kafka_err2str(err));
    for (int i = 0; i < assignment->cnt; ++i) {
      auto& e = assignment->elems[i];
      if (e.err != RD_KAFKA_RESP_ERR_NO_ERROR)
        throw ToolError("list offsets by timestamp of partition " + std::to_string(e.partition) + ": " +
                        rd_kafka_err2str(e.err));
      if (e.offset < 0) e.offset = RD_KAFKA_OFFSET_END;  // no record at or after T
    }
  }
  if (rd_kafka_resp_err_t err = rd_kafka_assign(client.get(), assignment.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw ToolError(std::string("assign: ") + rd_kafka_err2str(err));

  std::signal(SIGINT, [](int) { interrupted = 1; });
  std::signal(SIGTERM, [](int) { interrupted = 1; });
  std::set<int32_t> caught_up;
  int64_t consumed = 0;
  std::string out;
  auto last_progress = std::chrono::steady_clock::now();
  const auto timeout = std::chrono::milliseconds(options.timeout_ms());
  while (!interrupted && !(consume.count && consumed >= *consume.count)) {
    std::unique_ptr<rd_kafka_message_t, MessageDeleter> m(rd_kafka_consumer_poll(client.get(), 100));
    if (!m) {
      std::cout << out << std::flush;
      out.clear();
      if (consume.until_end && std::chrono::steady_clock::now() - last_progress > timeout)
        throw ToolError(client.unreachable_message("fetch"));
      continue;
    }
    last_progress = std::chrono::steady_clock::now();
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      caught_up.insert(m->partition);
      if (consume.until_end && static_cast<int>(caught_up.size()) == assignment->cnt) break;
      continue;
    }
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR)
      throw ToolError("fetch from partition " + std::to_string(m->partition) + ": " + rd_kafka_message_errstr(m.get()));
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
}

}  // namespace

std::optional<int64_t> parse_timestamp(const std::string& text) {
  int64_t ms = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
  if (ec == std::errc{} && end == text.data() + text.size()) return ms;

  Reader r{text};
  const int64_t year = r.digits(4);
  r.expect('-');
  const int64_t month = r.digits(2);
  r.expect('-');
  const int64_t day = r.digits(2);
  if (!r.eat('T')) r.expect(' ');
  const int64_t hour = r.digits(2);
  r.expect(':');
  const int64_t minute = r.digits(2);
  int64_t second = 0, millis = 0;
  if (r.eat(':')) {
    second = r.digits(2);
    if (r.eat('.')) {
      int64_t scale = 100;
      size_t n = 0;
      while (!r.s.empty() && r.s.front() >= '0' && r.s.front() <= '9') {
        millis += (r.s.front() - '0') * scale;
        scale /= 10;
        r.s.remove_prefix(1);
        ++n;
      }
      if (n == 0) return std::nullopt;
    }
  }
  int64_t offset_minutes = 0;
  if (!r.eat('Z') && !r.s.empty()) {
    const int sign = r.eat('+') ? 1 : (r.eat('-') ? -1 : 0);
    if (sign == 0) return std::nullopt;
    const int64_t oh = r.digits(2);
    r.eat(':');
    const int64_t om = r.digits(2);
    offset_minutes = sign * (oh * 60 + om);
  }
  if (!r.ok || !r.s.empty() || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 ||
      second > 60)
    return std::nullopt;
  const int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return ((days * 24 + hour) * 60 + minute - offset_minutes) * 60000 + second * 1000 + millis;
}

void add_consume_command(CLI::App& app, std::shared_ptr<ClientOptions> client) {
  auto options = std::make_shared<ConsumeOptions>();
  CLI::App* c = app.add_subcommand("consume", "Print records from assigned partitions (no consumer group)");
  c->add_option("TOPIC", options->topic, "Topic name")->required();
  c->add_flag("--from-beginning", options->from_beginning, "Start at the log start offset");
  c->add_option("--offset", options->offset, "Start at this offset in each partition");
  c->add_option("--timestamp", options->timestamp,
                "Start at the first record at or after T (ISO-8601 or epoch ms)");
  c->add_option("--partition", options->partition, "Read only this partition");
  c->add_option("--count", options->count, "Stop after N records");
  c->add_flag("--until-end", options->until_end, "Stop once every partition is caught up");
  c->add_option("--format", options->format, "Text layout: %t %p %o %T %k %s %h %K %S, \\n \\t")
      ->capture_default_str();
  c->footer(
      "Example:\n"
      "  runnel consume events --from-beginning --until-end --format '%p:%o %k=%s [%h]\\n'\n"
      "  runnel consume events --timestamp 2026-11-22T10:00:00Z --count 10 --output json");
  c->callback([client, options] { consume(*client, *options); });
}

}  // namespace runnel::tools
