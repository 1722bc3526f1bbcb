#include "tools/delete_records_command.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>
#include <string>

#include "tools/admin.h"
#include "tools/kafka_client.h"

namespace runnel::tools {
namespace {

struct DeleteRecordsOptions {
  std::string topic;
  int32_t partition = 0;
  int64_t before = 0;
};

using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, void (*)(rd_kafka_topic_partition_list_t*)>;

void delete_records(const ClientOptions& options, const DeleteRecordsOptions& del) {
  KafkaClient client(options, ClientKind::producer, {{"allow.auto.create.topics", "false"}});
  select_partitions(client.topic(del.topic), del.partition);  // unknown topic or partition: one line

  PartitionListPtr offsets(rd_kafka_topic_partition_list_new(1), rd_kafka_topic_partition_list_destroy);
  rd_kafka_topic_partition_list_add(offsets.get(), del.topic.c_str(), del.partition)->offset = del.before;
  rd_kafka_DeleteRecords_t* request = rd_kafka_DeleteRecords_new(offsets.get());
  std::unique_ptr<rd_kafka_DeleteRecords_t, void (*)(rd_kafka_DeleteRecords_t*)> owned(
      request, rd_kafka_DeleteRecords_destroy);
  EventPtr event = admin_call(client, RD_KAFKA_ADMIN_OP_DELETERECORDS, "delete records",
                              [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                rd_kafka_DeleteRecords(client.get(), &request, 1, o, q);
                              });
  const rd_kafka_topic_partition_list_t* results =
      rd_kafka_DeleteRecords_result_offsets(rd_kafka_event_DeleteRecords_result(event.get()));
  const std::string what = "delete records of " + del.topic + " partition " + std::to_string(del.partition) +
                           " before offset " + std::to_string(del.before);
  if (results == nullptr || results->cnt != 1) throw ToolError(what + ": no result for the partition");
  const rd_kafka_topic_partition_t& result = results->elems[0];
  if (result.err != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw ToolError(describe_error(what, result.err, rd_kafka_err2str(result.err)));

  const bool json = options.output == OutputFormat::json;
  auto out = make_formatter(options.output, std::cout);
  out->begin_line();
  out->string("topic", del.topic);
  out->number("partition", del.partition);
  out->number(json ? "lowWatermark" : "low-watermark", result.offset);
  out->end_line();
}

}  // namespace

void add_delete_records_command(CLI::App& topic, std::shared_ptr<ClientOptions> client) {
  auto options = std::make_shared<DeleteRecordsOptions>();
  CLI::App* d = topic.add_subcommand("delete-records", "Delete a partition's records below an offset (DeleteRecords)");
  d->add_option("TOPIC", options->topic, "Topic name")->required();
  d->add_option("--partition", options->partition, "Partition")->required()->check(CLI::Range(int32_t{0}, INT32_MAX));
  d->add_option("--before", options->before, "Delete every record below this offset; -1: the high watermark")
      ->required()
      ->check(CLI::Range(int64_t{-1}, INT64_MAX));
  d->footer(
      "Prints the partition's new low watermark (log start offset).\n"
      "Example:\n  runnel topic delete-records orders --partition 0 --before 1200");
  d->callback([client, options] { delete_records(*client, *options); });
}

}  // namespace runnel::tools
