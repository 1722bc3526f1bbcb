#include "bench/runnel_bench/topic_setup.h"

#include <thread>

namespace runnel::bench {

namespace {

int to_ms(std::chrono::milliseconds d) { return static_cast<int>(d.count()); }

}  // namespace

void create_topic(rd_kafka_t* client, const std::string& topic, int32_t partitions,
                  int16_t replication_factor, const std::vector<std::string>& configs,
                  std::chrono::milliseconds timeout) {
  char error[512];
  KafkaNewTopic new_topic(rd_kafka_NewTopic_new(topic.c_str(), partitions, replication_factor, error, sizeof error));
  if (!new_topic) throw BenchError("topic " + topic + ": " + error);
  for (const auto& config : configs) {
    const auto eq = config.find('=');
    if (eq == std::string::npos || eq == 0) throw BenchError("--topic-config wants key=value, got '" + config + "'");
    if (rd_kafka_NewTopic_set_config(new_topic.get(), config.substr(0, eq).c_str(), config.substr(eq + 1).c_str()))
      throw BenchError("topic config " + config + " refused by librdkafka");
  }
  KafkaAdminOptions options(rd_kafka_AdminOptions_new(client, RD_KAFKA_ADMIN_OP_CREATETOPICS));
  if (rd_kafka_AdminOptions_set_operation_timeout(options.get(), to_ms(timeout), error, sizeof error) ||
      rd_kafka_AdminOptions_set_request_timeout(options.get(), to_ms(timeout), error, sizeof error)) {
    throw BenchError(std::string("admin options: ") + error);
  }
  KafkaQueue queue(rd_kafka_queue_new(client));
  rd_kafka_NewTopic_t* topics[] = {new_topic.get()};
  rd_kafka_CreateTopics(client, topics, 1, options.get(), queue.get());

  KafkaEvent event(rd_kafka_queue_poll(queue.get(), to_ms(timeout) + 1000));
  if (!event) throw BenchError("CreateTopics " + topic + ": no answer in time");
  if (rd_kafka_event_error(event.get())) {
    throw BenchError("CreateTopics " + topic + ": " + rd_kafka_event_error_string(event.get()));
  }
  size_t count = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event.get()), &count);
  for (size_t i = 0; i < count; ++i) {
    auto code = rd_kafka_topic_result_error(results[i]);
    if (code != RD_KAFKA_RESP_ERR_NO_ERROR && code != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      const char* message = rd_kafka_topic_result_error_string(results[i]);
      throw BenchError("CreateTopics " + topic + ": " + rd_kafka_err2name(code) + (message ? std::string(": ") + message : ""));
    }
  }
}

int32_t wait_for_topic(rd_kafka_t* client, rd_kafka_topic_t* topic, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last_error = "no answer";
  for (;;) {
    const rd_kafka_metadata_t* raw = nullptr;
    auto code = rd_kafka_metadata(client, 0, topic, &raw, 5000);
    if (code != RD_KAFKA_RESP_ERR_NO_ERROR) {
      last_error = rd_kafka_err2str(code);
    } else {
      KafkaMetadata metadata(raw);
      last_error = "topic missing from the Metadata response";
      for (int t = 0; t < metadata->topic_cnt; ++t) {
        const auto& found = metadata->topics[t];
        if (found.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
          last_error = rd_kafka_err2name(found.err);
          continue;
        }
        bool led = found.partition_cnt > 0;
        for (int p = 0; p < found.partition_cnt; ++p) {
          led = led && found.partitions[p].err == RD_KAFKA_RESP_ERR_NO_ERROR && found.partitions[p].leader >= 0;
        }
        if (led) return found.partition_cnt;
        last_error = "a partition has no leader";
      }
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      throw BenchError(std::string("topic ") + rd_kafka_topic_name(topic) + " not ready: " + last_error);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

std::vector<int64_t> watermark_offsets(rd_kafka_t* client, const std::string& topic, int32_t partitions,
                                       Watermark which) {
  constexpr int kTimeoutMs = 10'000;
  std::vector<int64_t> offsets;
  for (int32_t p = 0; p < partitions; ++p) {
    int64_t low = 0, high = 0;
    if (auto err = rd_kafka_query_watermark_offsets(client, topic.c_str(), p, &low, &high, kTimeoutMs)) {
      throw BenchError("watermarks of " + topic + "/" + std::to_string(p) + ": " + rd_kafka_err2str(err));
    }
    offsets.push_back(which == Watermark::log_start ? low : high);
  }
  return offsets;
}

}  // namespace runnel::bench
