#include "tools/group_command.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tools/admin.h"
#include "tools/kafka_client.h"
#include "tools/partition_offsets.h"
#include "tools/rdkafka_message.h"
#include "tools/timestamp.h"

namespace runnel::tools {
namespace {

struct MemberInfo {
  std::string member_id;
  std::string client_id;
  std::string host;
  std::optional<std::string> group_instance_id;
  std::vector<std::pair<std::string, int32_t>> assignment;
};

struct GroupInfo {
  std::string id;
  std::string state;
  std::string assignor;
  std::vector<MemberInfo> members;
};

std::string error_text(const rd_kafka_error_t* error) {
  return std::string(rd_kafka_err2name(rd_kafka_error_code(error))) + " (" + rd_kafka_error_string(error) + ")";
}

std::vector<std::string> list_group_ids(KafkaClient& client) {
  EventPtr event = admin_call(client, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, "list groups",
                              [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                rd_kafka_ListConsumerGroups(client.get(), o, q);
                              });
  const auto* result = rd_kafka_event_ListConsumerGroups_result(event.get());
  size_t count = 0;
  const rd_kafka_error_t** errors = rd_kafka_ListConsumerGroups_result_errors(result, &count);
  if (count > 0) throw ToolError("list groups: " + error_text(errors[0]));
  const rd_kafka_ConsumerGroupListing_t** groups = rd_kafka_ListConsumerGroups_result_valid(result, &count);
  std::vector<std::string> ids;
  for (size_t i = 0; i < count; ++i) ids.emplace_back(rd_kafka_ConsumerGroupListing_group_id(groups[i]));
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<GroupInfo> describe_groups(KafkaClient& client, const std::vector<std::string>& ids) {
  if (ids.empty()) return {};
  std::vector<const char*> names;
  for (const auto& id : ids) names.push_back(id.c_str());
  EventPtr event = admin_call(client, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, "describe groups",
                              [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                rd_kafka_DescribeConsumerGroups(client.get(), names.data(), names.size(), o, q);
                              });
  size_t count = 0;
  const rd_kafka_ConsumerGroupDescription_t** groups =
      rd_kafka_DescribeConsumerGroups_result_groups(rd_kafka_event_DescribeConsumerGroups_result(event.get()), &count);
  std::vector<GroupInfo> result;
  for (size_t i = 0; i < count; ++i) {
    const auto* g = groups[i];
    if (const rd_kafka_error_t* error = rd_kafka_ConsumerGroupDescription_error(g))
      throw ToolError(std::string("describe group ") + rd_kafka_ConsumerGroupDescription_group_id(g) + ": " +
                      error_text(error));
    GroupInfo info{rd_kafka_ConsumerGroupDescription_group_id(g),
                   rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(g)),
                   rd_kafka_ConsumerGroupDescription_partition_assignor(g) ? rd_kafka_ConsumerGroupDescription_partition_assignor(g) : "",
                   {}};
    for (size_t m = 0; m < rd_kafka_ConsumerGroupDescription_member_count(g); ++m) {
      const auto* member = rd_kafka_ConsumerGroupDescription_member(g, m);
      MemberInfo mi{rd_kafka_MemberDescription_consumer_id(member), rd_kafka_MemberDescription_client_id(member),
                    rd_kafka_MemberDescription_host(member), std::nullopt, {}};
      if (const char* instance = rd_kafka_MemberDescription_group_instance_id(member)) mi.group_instance_id = instance;
      const auto* partitions = rd_kafka_MemberAssignment_partitions(rd_kafka_MemberDescription_assignment(member));
      for (int p = 0; partitions != nullptr && p < partitions->cnt; ++p)
        mi.assignment.emplace_back(partitions->elems[p].topic, partitions->elems[p].partition);
      info.members.push_back(std::move(mi));
    }
    result.push_back(std::move(info));
  }
  return result;
}

// The group's committed offsets, by (topic, partition).
std::map<std::pair<std::string, int32_t>, int64_t> committed_offsets(KafkaClient& client, const std::string& group) {
  rd_kafka_ListConsumerGroupOffsets_t* request = rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), nullptr);
  std::unique_ptr<rd_kafka_ListConsumerGroupOffsets_t, void (*)(rd_kafka_ListConsumerGroupOffsets_t*)> owned(
      request, rd_kafka_ListConsumerGroupOffsets_destroy);
  EventPtr event = admin_call(client, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, "list group offsets",
                              [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                rd_kafka_ListConsumerGroupOffsets(client.get(), &request, 1, o, q);
                              });
  size_t count = 0;
  const rd_kafka_group_result_t** groups = rd_kafka_ListConsumerGroupOffsets_result_groups(
      rd_kafka_event_ListConsumerGroupOffsets_result(event.get()), &count);
  std::map<std::pair<std::string, int32_t>, int64_t> offsets;
  for (size_t i = 0; i < count; ++i) {
    if (const rd_kafka_error_t* error = rd_kafka_group_result_error(groups[i]))
      throw ToolError("list offsets of group " + group + ": " + error_text(error));
    const auto* partitions = rd_kafka_group_result_partitions(groups[i]);
    for (int p = 0; partitions != nullptr && p < partitions->cnt; ++p) {
      const auto& e = partitions->elems[p];
      if (e.offset >= 0) offsets[{e.topic, e.partition}] = e.offset;
    }
  }
  return offsets;
}

GroupInfo describe_one(KafkaClient& client, const std::string& group) {
  std::vector<GroupInfo> groups = describe_groups(client, {group});
  if (groups.empty()) throw ToolError("describe group " + group + ": no answer");
  return std::move(groups.front());
}

void list(const ClientOptions& options) {
  KafkaClient client(options, ClientKind::producer);
  auto out = make_formatter(options.output, std::cout);
  for (const auto& g : describe_groups(client, list_group_ids(client))) {
    out->begin_line();
    out->string("group", g.id);
    out->string("state", g.state);
    out->number("members", static_cast<int64_t>(g.members.size()));
    out->end_line();
  }
}

void describe(const ClientOptions& options, const std::string& group) {
  KafkaClient client(options, ClientKind::producer);
  const GroupInfo info = describe_one(client, group);
  const auto committed = committed_offsets(client, group);
  if (info.state == "Dead" && committed.empty()) throw ToolError("unknown group " + group);

  std::map<std::pair<std::string, int32_t>, const MemberInfo*> owner;
  for (const auto& m : info.members)
    for (const auto& tp : m.assignment) owner[tp] = &m;
  std::set<std::pair<std::string, int32_t>> partitions;
  for (const auto& [tp, offset] : committed) partitions.insert(tp);
  for (const auto& [tp, member] : owner) partitions.insert(tp);

  auto out = make_formatter(options.output, std::cout);
  const bool json = options.output == OutputFormat::json;
  out->begin_line();
  out->string("group", group);
  out->string("state", info.state);
  out->string("assignor", info.assignor);
  out->number("members", static_cast<int64_t>(info.members.size()));
  out->end_line();
  for (const auto& m : info.members) {
    out->begin_line();
    out->string("member", m.member_id);
    out->string(json ? "clientId" : "client-id", m.client_id);
    out->string("host", m.host);
    if (m.group_instance_id) out->string(json ? "groupInstanceId" : "group-instance-id", *m.group_instance_id);
    std::string assignment;
    for (const auto& [topic, p] : m.assignment) assignment += (assignment.empty() ? "" : ",") + topic + "-" + std::to_string(p);
    out->string("assignment", assignment);
    out->end_line();
  }
  for (const auto& tp : partitions) {
    const Watermarks w = query_watermarks(client, tp.first, tp.second);
    auto it = committed.find(tp);
    out->begin_line();
    out->string("topic", tp.first);
    out->number("partition", tp.second);
    if (it != committed.end()) out->number(json ? "committedOffset" : "committed-offset", it->second);
    else out->string(json ? "committedOffset" : "committed-offset", "-");
    out->number(json ? "logEndOffset" : "log-end-offset", w.high_watermark);
    if (it != committed.end()) out->number("lag", std::max<int64_t>(0, w.high_watermark - it->second));
    else out->string("lag", "-");
    auto o = owner.find(tp);
    out->string("member", o == owner.end() ? "-" : o->second->member_id);
    out->end_line();
  }
}

struct ResetOptions {
  std::string group;
  std::string topic;
  bool to_earliest = false;
  bool to_latest = false;
  std::optional<int64_t> to_offset;
  std::string to_datetime;
  std::optional<int64_t> shift_by;
  bool dry_run = false;
};

void reset_offsets(const ClientOptions& options, const ResetOptions& reset) {
  const int choices = (reset.to_earliest ? 1 : 0) + (reset.to_latest ? 1 : 0) + (reset.to_offset ? 1 : 0) +
                      (!reset.to_datetime.empty() ? 1 : 0) + (reset.shift_by ? 1 : 0);
  if (choices != 1)
    throw ToolError("give exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime, --shift-by");
  std::optional<int64_t> datetime;
  if (!reset.to_datetime.empty()) {
    datetime = parse_timestamp(reset.to_datetime);
    if (!datetime) throw ToolError("--to-datetime " + reset.to_datetime + ": expected ISO-8601 or epoch milliseconds");
  }
  KafkaClient client(options, ClientKind::producer);
  const GroupInfo info = describe_one(client, reset.group);
  if (!info.members.empty())
    throw ToolError("group " + reset.group + " has " + std::to_string(info.members.size()) +
                    " active members (state " + info.state + "); stop its consumers first");
  const TopicMetadata topic = client.topic(reset.topic);
  const std::vector<int32_t> partitions = select_partitions(topic, std::nullopt);
  const auto committed = committed_offsets(client, reset.group);
  std::vector<int64_t> by_time;
  if (datetime) by_time = offsets_for_timestamp(client, reset.topic, partitions, *datetime);

  PartitionListPtr target(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (size_t i = 0; i < partitions.size(); ++i) {
    const int32_t p = partitions[i];
    const Watermarks w = query_watermarks(client, reset.topic, p);
    int64_t offset = 0;
    if (reset.to_earliest) offset = w.log_start_offset;
    else if (reset.to_latest) offset = w.high_watermark;
    else if (reset.to_offset) offset = *reset.to_offset;
    else if (datetime) offset = by_time[i] < 0 ? w.high_watermark : by_time[i];
    else {
      auto it = committed.find({reset.topic, p});
      if (it == committed.end())
        throw ToolError("--shift-by: partition " + std::to_string(p) + " of " + reset.topic +
                        " has no committed offset to shift");
      offset = it->second + *reset.shift_by;
    }
    offset = std::clamp(offset, w.log_start_offset, w.high_watermark);
    rd_kafka_topic_partition_list_add(target.get(), reset.topic.c_str(), p)->offset = offset;
  }

  if (!reset.dry_run) {
    rd_kafka_AlterConsumerGroupOffsets_t* request =
        rd_kafka_AlterConsumerGroupOffsets_new(reset.group.c_str(), target.get());
    std::unique_ptr<rd_kafka_AlterConsumerGroupOffsets_t, void (*)(rd_kafka_AlterConsumerGroupOffsets_t*)> owned(
        request, rd_kafka_AlterConsumerGroupOffsets_destroy);
    EventPtr event = admin_call(client, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, "commit offsets",
                                [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                  rd_kafka_AlterConsumerGroupOffsets(client.get(), &request, 1, o, q);
                                });
    size_t count = 0;
    const rd_kafka_group_result_t** groups = rd_kafka_AlterConsumerGroupOffsets_result_groups(
        rd_kafka_event_AlterConsumerGroupOffsets_result(event.get()), &count);
    for (size_t i = 0; i < count; ++i) {
      if (const rd_kafka_error_t* error = rd_kafka_group_result_error(groups[i]))
        throw ToolError("commit offsets of group " + reset.group + ": " + error_text(error));
      const auto* result = rd_kafka_group_result_partitions(groups[i]);
      for (int p = 0; result != nullptr && p < result->cnt; ++p)
        if (result->elems[p].err != RD_KAFKA_RESP_ERR_NO_ERROR)
          throw ToolError("commit offset of " + reset.topic + "-" + std::to_string(result->elems[p].partition) +
                          ": " + rd_kafka_err2name(result->elems[p].err));
    }
  }
  auto out = make_formatter(options.output, std::cout);
  const bool json = options.output == OutputFormat::json;
  for (int i = 0; i < target->cnt; ++i) {
    const auto& e = target->elems[i];
    auto it = committed.find({reset.topic, e.partition});
    out->begin_line();
    out->string("topic", reset.topic);
    out->number("partition", e.partition);
    if (it != committed.end()) out->number(json ? "previousOffset" : "previous-offset", it->second);
    else out->string(json ? "previousOffset" : "previous-offset", "-");
    out->number(json ? "newOffset" : "new-offset", e.offset);
    if (reset.dry_run) out->boolean(json ? "dryRun" : "dry-run", true);
    out->end_line();
  }
}

void delete_group(const ClientOptions& options, const std::string& group) {
  KafkaClient client(options, ClientKind::producer);
  rd_kafka_DeleteGroup_t* request = rd_kafka_DeleteGroup_new(group.c_str());
  std::unique_ptr<rd_kafka_DeleteGroup_t, void (*)(rd_kafka_DeleteGroup_t*)> owned(request, rd_kafka_DeleteGroup_destroy);
  EventPtr event = admin_call(client, RD_KAFKA_ADMIN_OP_DELETEGROUPS, "delete group",
                              [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                                rd_kafka_DeleteGroups(client.get(), &request, 1, o, q);
                              });
  size_t count = 0;
  const rd_kafka_group_result_t** groups =
      rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(event.get()), &count);
  for (size_t i = 0; i < count; ++i) {
    const rd_kafka_error_t* error = rd_kafka_group_result_error(groups[i]);
    if (error == nullptr) continue;
    if (rd_kafka_error_code(error) == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND) throw ToolError("unknown group " + group);
    throw ToolError("delete group " + group + ": " + error_text(error));
  }
  auto out = make_formatter(options.output, std::cout);
  out->begin_line();
  out->string("deleted", group);
  out->end_line();
}

}  // namespace

void add_group_command(CLI::App& app, std::shared_ptr<ClientOptions> client) {
  CLI::App* group = app.add_subcommand("group", "List, describe, reset and delete consumer groups");
  group->require_subcommand(1);
  group->footer("Example:\n  runnel group describe billing");

  CLI::App* l = group->add_subcommand("list", "Every consumer group with its state and member count");
  l->footer("Example:\n  runnel group list --output json");
  l->callback([client] { list(*client); });

  auto name = std::make_shared<std::string>();
  CLI::App* d = group->add_subcommand("describe", "State, members, and per partition: committed offset, end, lag");
  d->add_option("GROUP", *name, "Group id")->required();
  d->footer("Example:\n  runnel group describe billing");
  d->callback([client, name] { describe(*client, *name); });

  auto reset = std::make_shared<ResetOptions>();
  CLI::App* r = group->add_subcommand("reset-offsets", "Move a group's committed offsets (no active members)");
  r->add_option("GROUP", reset->group, "Group id")->required();
  r->add_option("--topic", reset->topic, "Topic whose partitions move")->required();
  r->add_flag("--to-earliest", reset->to_earliest, "To each partition's log start offset");
  r->add_flag("--to-latest", reset->to_latest, "To each partition's end");
  r->add_option("--to-offset", reset->to_offset, "To this offset (clamped to what the partition holds)");
  r->add_option("--to-datetime", reset->to_datetime, "To the first record at or after T (ISO-8601 or epoch ms)");
  r->add_option("--shift-by", reset->shift_by, "By N from the committed offset (negative: back)");
  r->add_flag("--dry-run", reset->dry_run, "Show the new offsets without committing them");
  r->footer(
      "Example:\n"
      "  runnel group reset-offsets billing --topic orders --to-datetime 2026-11-22T10:00:00Z --dry-run\n"
      "  runnel group reset-offsets billing --topic orders --shift-by -100");
  r->callback([client, reset] { reset_offsets(*client, *reset); });

  auto del_name = std::make_shared<std::string>();
  CLI::App* del = group->add_subcommand("delete", "Delete a group without members and its committed offsets");
  del->add_option("GROUP", *del_name, "Group id")->required();
  del->footer("Example:\n  runnel group delete billing");
  del->callback([client, del_name] { delete_group(*client, *del_name); });
}

}  // namespace runnel::tools
