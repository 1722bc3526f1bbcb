#pragma once
// Formatter: the line-oriented output of the dump commands. A command
// describes each line once; the two implementations choose the layout:
//  - text, as Kafka's kafka-dump-log.sh prints it: `name: value` pairs
//    separated by spaces, a batch's records on the following lines, each
//    starting with "| ";
//  - JSON Lines: one JSON object per line, field names as in text, a batch's
//    records nested in its "records" array.
// Record bytes are shown as tools/text_encoding.h describes.

#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/record.h"
#include "protocol/record_batch.h"

namespace runnel::tools {

enum class OutputFormat { text, json };

class Formatter {
 public:
  virtual ~Formatter() = default;

  // Names the file about to be dumped; for a .log its base offset ("Log
  // starting offset", from the file name) when known.
  // text: "Dumping <path>" [+ "Log starting offset: <n>"];
  // JSON: {"file": <path>[, "logStartingOffset": <n>]}.
  virtual void file_header(std::string_view path, std::optional<int64_t> log_starting_offset) = 0;

  // Bytes from `position` on (`remaining` of them) were not dumped because
  // they are not a valid batch or index entry; `reason` says why.
  // text: "Validation stopped at position <p>: <n> bytes follow (<reason>)";
  // JSON: {"validationStoppedAt": <p>, "bytesFollowing": <n>, "reason": <reason>}.
  virtual void validation_stopped(uint64_t position, uint64_t remaining, std::string_view reason) = 0;

  // One line (JSON: one object) of fields, finished by end_line().
  virtual void begin_line() = 0;
  virtual void number(std::string_view name, int64_t value) = 0;
  virtual void boolean(std::string_view name, bool value) = 0;
  virtual void string(std::string_view name, std::string_view value) = 0;
  // A list of broker ids (replicas, ISR); text: "[1,2,3]"; JSON: [1,2,3].
  virtual void ids(std::string_view name, const std::vector<int32_t>& values) = 0;
  // Record bytes; nullopt is Kafka's null.
  virtual void bytes(std::string_view name, std::optional<std::span<const std::byte>> value) = 0;
  // text: "CreateTime: <value>" or "LogAppendTime: <value>", as Kafka;
  // JSON: "timestampType": "CreateTime", "<json_name>": <value>.
  virtual void timestamp(protocol::TimestampType type, std::string_view json_name, int64_t value) = 0;
  // text: "headers: [k1=v1,k2=v2]"; JSON: "headers": [{"key": k1, "value": v1}, ...].
  virtual void headers(const std::vector<protocol::RecordHeader>& headers) = 0;

  // The records of the current (batch) line: begin_records(), then for each
  // record begin_record(), fields, end_record(); then end_records().
  virtual void begin_records() = 0;
  virtual void begin_record() = 0;
  virtual void end_record() = 0;
  virtual void end_records() = 0;

  // Finishes the line and writes it.
  virtual void end_line() = 0;
};

// Broker ids as both formats show them: "[1,2,3]", "[]" when empty.
std::string format_ids(const std::vector<int32_t>& ids);

std::unique_ptr<Formatter> make_formatter(OutputFormat format, std::ostream& out);

}  // namespace runnel::tools
