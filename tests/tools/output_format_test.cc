#include "tools/output_format.h"

#include <catch2/catch.hpp>
#include <sstream>
#include <string>

namespace {

using runnel::protocol::RecordHeader;
using runnel::protocol::TimestampType;
using runnel::tools::Formatter;
using runnel::tools::OutputFormat;

std::span<const std::byte> as_bytes(std::string_view s) { return std::as_bytes(std::span(s)); }

// One batch line with one record, as dump_log_segment describes it.
std::string describe_batch(OutputFormat format) {
  std::ostringstream out;
  auto f = runnel::tools::make_formatter(format, out);
  f->begin_line();
  f->number("baseOffset", 5);
  f->boolean("isControl", false);
  f->timestamp(TimestampType::log_append_time, "maxTimestamp", 1700000000000);
  f->string("compresscodec", "zstd");
  f->begin_records();
  f->begin_record();
  f->number("offset", 5);
  f->headers({RecordHeader{"h", as_bytes("x")}, RecordHeader{"n", std::nullopt}});
  f->bytes("key", std::nullopt);
  f->bytes("payload", as_bytes("v"));
  f->end_record();
  f->end_records();
  f->end_line();
  return out.str();
}

}  // namespace

TEST_CASE("text output is Kafka's name: value pairs with records on '| ' lines", "[dump_log]") {
  CHECK(describe_batch(OutputFormat::text) ==
        "baseOffset: 5 isControl: false LogAppendTime: 1700000000000 compresscodec: zstd\n"
        "| offset: 5 headers: [h=x,n=null] key: null payload: v\n");
}

TEST_CASE("JSON output is one object per batch with its records nested", "[dump_log]") {
  CHECK(describe_batch(OutputFormat::json) ==
        "{\"baseOffset\":5,\"isControl\":false,\"timestampType\":\"LogAppendTime\",\"maxTimestamp\":1700000000000,"
        "\"compresscodec\":\"zstd\",\"records\":[{\"offset\":5,\"headers\":[{\"key\":\"h\",\"value\":\"x\"},"
        "{\"key\":\"n\",\"value\":null}],\"key\":null,\"payload\":\"v\"}]}\n");
}

TEST_CASE("a torn tail is reported with its position and size in both formats", "[dump_log]") {
  std::ostringstream text;
  runnel::tools::make_formatter(OutputFormat::text, text)->validation_stopped(130, 37, "cut short");
  CHECK(text.str() == "Validation stopped at position 130: 37 bytes follow (cut short)\n");
  std::ostringstream json;
  runnel::tools::make_formatter(OutputFormat::json, json)->validation_stopped(130, 37, "cut short");
  CHECK(json.str() == "{\"validationStoppedAt\":130,\"bytesFollowing\":37,\"reason\":\"cut short\"}\n");
}

TEST_CASE("broker id lists are bracketed and comma-separated in both formats", "[dump_log]") {
  auto line = [](OutputFormat format) {
    std::ostringstream out;
    auto f = runnel::tools::make_formatter(format, out);
    f->begin_line();
    f->ids("replicas", {2, 3, 1});
    f->ids("isr", {});
    f->end_line();
    return out.str();
  };
  CHECK(line(OutputFormat::text) == "replicas: [2,3,1] isr: []\n");
  CHECK(line(OutputFormat::json) == "{\"replicas\":[2,3,1],\"isr\":[]}\n");
}
