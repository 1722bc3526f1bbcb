#include "tools/output_format.h"

#include <string>

#include "tools/text_encoding.h"

namespace runnel::tools {
namespace {

std::string_view timestamp_type_name(protocol::TimestampType type) {
  return type == protocol::TimestampType::log_append_time ? "LogAppendTime" : "CreateTime";
}

class TextFormatter final : public Formatter {
 public:
  explicit TextFormatter(std::ostream& out) : out_(out) {}

  void file_header(std::string_view path, std::optional<int64_t> log_starting_offset) override {
    out_ << "Dumping " << path << '\n';
    if (log_starting_offset) out_ << "Log starting offset: " << *log_starting_offset << '\n';
  }
  void validation_stopped(uint64_t position, uint64_t remaining, std::string_view reason) override {
    out_ << "Validation stopped at position " << position << ": " << remaining << " bytes follow (" << reason
         << ")\n";
  }

  void begin_line() override {
    line_.clear();
    first_field_ = true;
  }
  void number(std::string_view name, int64_t value) override { name_value(name, std::to_string(value)); }
  void boolean(std::string_view name, bool value) override { name_value(name, value ? "true" : "false"); }
  void string(std::string_view name, std::string_view value) override { name_value(name, value); }
  void ids(std::string_view name, const std::vector<int32_t>& values) override {
    name_value(name, format_ids(values));
  }
  void bytes(std::string_view name, std::optional<std::span<const std::byte>> value) override {
    name_value(name, "");
    if (value) append_text_bytes(line_, *value);
    else line_ += "null";
  }
  void timestamp(protocol::TimestampType type, std::string_view, int64_t value) override {
    number(timestamp_type_name(type), value);
  }
  void headers(const std::vector<protocol::RecordHeader>& headers) override {
    name_value("headers", "[");
    for (size_t i = 0; i < headers.size(); ++i) {
      if (i > 0) line_ += ',';
      append_text_bytes(line_, std::as_bytes(std::span(headers[i].key)));
      line_ += '=';
      if (headers[i].value) append_text_bytes(line_, *headers[i].value);
      else line_ += "null";
    }
    line_ += ']';
  }

  void begin_records() override {}
  void begin_record() override {
    line_ += "\n|";
    first_field_ = false;
  }
  void end_record() override {}
  void end_records() override {}

  void end_line() override {
    line_ += '\n';
    out_ << line_;
  }

 private:
  void name_value(std::string_view name, std::string_view value) {
    if (!first_field_) line_ += ' ';
    first_field_ = false;
    line_ += name;
    line_ += ": ";
    line_ += value;
  }

  std::ostream& out_;
  std::string line_;
  bool first_field_ = true;
};

class JsonFormatter final : public Formatter {
 public:
  explicit JsonFormatter(std::ostream& out) : out_(out) {}

  void file_header(std::string_view path, std::optional<int64_t> log_starting_offset) override {
    begin_line();
    string("file", path);
    if (log_starting_offset) number("logStartingOffset", *log_starting_offset);
    end_line();
  }
  void validation_stopped(uint64_t position, uint64_t remaining, std::string_view reason) override {
    begin_line();
    number("validationStoppedAt", static_cast<int64_t>(position));
    number("bytesFollowing", static_cast<int64_t>(remaining));
    string("reason", reason);
    end_line();
  }

  void begin_line() override {
    line_ = "{";
    first_field_ = true;
  }
  void number(std::string_view name, int64_t value) override {
    key(name);
    line_ += std::to_string(value);
  }
  void boolean(std::string_view name, bool value) override {
    key(name);
    line_ += value ? "true" : "false";
  }
  void string(std::string_view name, std::string_view value) override {
    key(name);
    append_json_string(line_, value);
  }
  void ids(std::string_view name, const std::vector<int32_t>& values) override {
    key(name);
    line_ += format_ids(values);
  }
  void bytes(std::string_view name, std::optional<std::span<const std::byte>> value) override {
    key(name);
    append_nullable_bytes(value);
  }
  void timestamp(protocol::TimestampType type, std::string_view json_name, int64_t value) override {
    string("timestampType", timestamp_type_name(type));
    number(json_name, value);
  }
  void headers(const std::vector<protocol::RecordHeader>& headers) override {
    key("headers");
    line_ += '[';
    for (size_t i = 0; i < headers.size(); ++i) {
      if (i > 0) line_ += ',';
      line_ += "{\"key\":";
      append_json_bytes(line_, std::as_bytes(std::span(headers[i].key)));
      line_ += ",\"value\":";
      append_nullable_bytes(headers[i].value);
      line_ += '}';
    }
    line_ += ']';
  }

  void begin_records() override {
    key("records");
    line_ += '[';
    first_record_ = true;
  }
  void begin_record() override {
    if (!first_record_) line_ += ',';
    first_record_ = false;
    line_ += '{';
    first_field_ = true;
  }
  void end_record() override { line_ += '}'; }
  void end_records() override {
    line_ += ']';
    first_field_ = false;
  }

  void end_line() override {
    line_ += "}\n";
    out_ << line_;
  }

 private:
  void key(std::string_view name) {
    if (!first_field_) line_ += ',';
    first_field_ = false;
    append_json_string(line_, name);
    line_ += ':';
  }
  void append_nullable_bytes(std::optional<std::span<const std::byte>> value) {
    if (value) append_json_bytes(line_, *value);
    else line_ += "null";
  }

  std::ostream& out_;
  std::string line_;
  bool first_field_ = true;
  bool first_record_ = true;
};

}  // namespace

std::string format_ids(const std::vector<int32_t>& ids) {
  std::string s = "[";
  for (size_t i = 0; i < ids.size(); ++i) s += (i ? "," : "") + std::to_string(ids[i]);
  return s + "]";
}

std::unique_ptr<Formatter> make_formatter(OutputFormat format, std::ostream& out) {
  if (format == OutputFormat::json) return std::make_unique<JsonFormatter>(out);
  return std::make_unique<TextFormatter>(out);
}

}  // namespace runnel::tools
