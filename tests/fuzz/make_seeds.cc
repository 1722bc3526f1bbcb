// fuzz_seeds OUT_DIR: writes valid inputs for every fuzz target, made by the
// project's own encoders, into OUT_DIR/<target>/ (emptied first):
//  - request: a request frame (header and body) for every API at every served
//    version, its fields filled with non-default values, and again with
//    nulls and empty arrays. Records fields carry a real batch.
//  - record_batch: batches from protocol/record_batch_builder.h in every
//    codec, with null keys, tombstones, headers, offset gaps, control and
//    transactional batches, LogAppendTime, and no records at all.
//  - log_append: the same batches at base offset 100, and runs of several
//    batches with increasing offsets, as a follower would append them.
// run.sh merges these into tests/fuzz/corpus/ when seeding a new target.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "protocol/codec.h"
#include "protocol/header.h"
#include "protocol/record_batch_builder.h"

namespace runnel::protocol::messages {

// Values for the generated fill() functions.
struct Filler {
  bool nulls = false;
  int64_t counter = 1000;
  int64_t next() { return ++counter; }
  std::string string() { return "s" + std::to_string(next()); }
  std::vector<std::byte> bytes() { return {std::byte{1}, static_cast<std::byte>(next()), std::byte{3}}; }
  Uuid uuid() {
    Uuid u{};
    u[0] = static_cast<std::byte>(next());
    u[15] = std::byte{0x5a};
    return u;
  }
  RecordsRef records();
};

}  // namespace runnel::protocol::messages

#include "fuzz/message_fills.h"

namespace runnel::fuzz {
namespace {

using protocol::BatchOptions;
using protocol::CompressionType;
using protocol::RecordInput;
using protocol::to_bytes;

constexpr int64_t kTimestamp = 1'700'000'000'000;

std::vector<std::byte> build(const std::vector<RecordInput>& records, const BatchOptions& options) {
  auto batch = protocol::build_record_batch(records, options);
  if (!batch) throw std::runtime_error("build_record_batch: " + batch.error().message());
  return *batch;
}

RecordInput record(std::optional<std::string> key, std::optional<std::string> value, int64_t timestamp) {
  RecordInput r;
  if (key) r.key = to_bytes(*key);
  if (value) r.value = to_bytes(*value);
  r.timestamp = timestamp;
  return r;
}

// Record shapes, each built in every codec.
std::vector<std::pair<std::string, std::vector<RecordInput>>> record_sets() {
  std::vector<RecordInput> plain;
  for (int i = 0; i < 5; ++i) plain.push_back(record("key-" + std::to_string(i), "value-" + std::to_string(i), kTimestamp + i));
  plain[1].headers = {{"trace", to_bytes("abc")}, {"empty", std::nullopt}};

  std::vector<RecordInput> nulls{record(std::nullopt, "no key", kTimestamp), record("deleted", std::nullopt, kTimestamp + 1),
                                 record("", "", kTimestamp - 5)};

  std::vector<RecordInput> large{record("big", std::string(300, 'x') + "tail", kTimestamp)};

  std::vector<RecordInput> gaps{record("a", "1", kTimestamp), record("b", "2", kTimestamp + 3), record("c", "3", kTimestamp + 9)};
  gaps[0].offset_delta = 0;
  gaps[1].offset_delta = 4;
  gaps[2].offset_delta = 11;
  return {{"records", plain}, {"nulls", nulls}, {"large", large}, {"gaps", gaps}};
}

std::string codec_name(CompressionType codec) {
  switch (codec) {
    case CompressionType::none: return "none";
    case CompressionType::gzip: return "gzip";
    case CompressionType::snappy: return "snappy";
    case CompressionType::lz4: return "lz4";
    case CompressionType::zstd: return "zstd";
  }
  return "unknown";
}

// Named batches, all at `base_offset`.
std::vector<std::pair<std::string, std::vector<std::byte>>> batches(int64_t base_offset) {
  std::vector<std::pair<std::string, std::vector<std::byte>>> out;
  for (auto codec : {CompressionType::none, CompressionType::gzip, CompressionType::snappy, CompressionType::lz4,
                     CompressionType::zstd}) {
    for (const auto& [name, records] : record_sets()) {
      BatchOptions options{.base_offset = base_offset, .partition_leader_epoch = 3, .compression = codec};
      out.emplace_back(name + "-" + codec_name(codec), build(records, options));
    }
  }
  const auto one = std::vector<RecordInput>{record("k", "v", kTimestamp)};
  out.emplace_back("idempotent", build(one, {.base_offset = base_offset, .producer_id = 4000, .producer_epoch = 2,
                                             .base_sequence = 17}));
  out.emplace_back("transactional", build(one, {.base_offset = base_offset, .producer_id = 4000, .producer_epoch = 2,
                                                .base_sequence = 0, .transactional = true}));
  // A COMMIT marker: key = version 0, type 1; value = version 0, coordinator epoch 5.
  RecordInput marker;
  marker.key = std::vector<std::byte>{std::byte{0}, std::byte{0}, std::byte{0}, std::byte{1}};
  marker.value = std::vector<std::byte>{std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0}, std::byte{5}};
  marker.timestamp = kTimestamp;
  out.emplace_back("control", build({marker}, {.base_offset = base_offset, .producer_id = 4000, .producer_epoch = 2,
                                               .transactional = true, .control = true}));
  out.emplace_back("log-append-time",
                   build(one, {.base_offset = base_offset, .timestamp_type = protocol::TimestampType::log_append_time}));
  out.emplace_back("empty", build({}, {.base_offset = base_offset}));
  return out;
}

void write(const std::filesystem::path& path, std::span<const std::byte> bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

template <class Request>
std::vector<std::byte> request_frame(const protocol::messages::ApiInfo& api, int16_t version, bool nulls) {
  protocol::Writer w;
  protocol::RequestHeader header{api.api_key, version, 1000 + version,
                                 nulls ? std::nullopt : std::optional<std::string>("rdkafka")};
  header.encode(w, protocol::request_header_version(version, api.first_flexible_version));
  Request message;
  protocol::messages::Filler filler{nulls};
  fill(message, version, filler);
  message.encode(w, version);
  auto encoded = std::move(w).finish();
  return encoded.buffer;
}

void write_requests(const std::filesystem::path& dir) {
  protocol::messages::for_each_api([&]<class Request, class>() {
    const auto* api = protocol::messages::find_api(Request::kApiKey);
    for (int16_t v = Request::kMinVersion; v <= Request::kMaxVersion; ++v) {
      const std::string name = std::string(api->name) + "-v" + std::to_string(v);
      write(dir / name, request_frame<Request>(*api, v, false));
      write(dir / (name + "-nulls"), request_frame<Request>(*api, v, true));
    }
  });
}

void write_record_batches(const std::filesystem::path& dir) {
  for (const auto& [name, batch] : batches(0)) write(dir / name, batch);
}

void write_log_appends(const std::filesystem::path& dir) {
  for (const auto& [name, batch] : batches(100)) write(dir / name, batch);
  // Runs of batches with increasing offsets, as a follower fetches them.
  std::vector<std::byte> run;
  int64_t offset = 100;
  for (const auto& [name, records] : record_sets()) {
    auto batch = build(records, {.base_offset = offset, .partition_leader_epoch = 3});
    offset = protocol::read_header(batch).last_offset() + 2;  // leave a gap, as compaction does
    run.insert(run.end(), batch.begin(), batch.end());
  }
  write(dir / "run-of-batches", run);
  auto big = build({record("big", std::string(2000, 'y'), kTimestamp)}, {.base_offset = 100});
  std::vector<std::byte> rolls(big);
  auto next = build({record("next", std::string(900, 'z'), kTimestamp)}, {.base_offset = 101});
  rolls.insert(rolls.end(), next.begin(), next.end());
  write(dir / "segment-rolls", rolls);
  write(dir / "too-large-for-leader", build({record("huge", std::string(4000, 'h'), kTimestamp)}, {.base_offset = 100}));
}

}  // namespace
}  // namespace runnel::fuzz

runnel::protocol::RecordsRef runnel::protocol::messages::Filler::records() {
  static const std::vector<std::byte> batch = fuzz::build(
      {fuzz::record("key", "value", fuzz::kTimestamp)}, {.compression = CompressionType::none});
  return RecordsRef{std::span<const std::byte>(batch)};
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  const std::filesystem::path out = argv[1];
  try {
    for (const char* target : {"request", "record_batch", "log_append"}) {
      std::filesystem::remove_all(out / target);
      std::filesystem::create_directories(out / target);
    }
    runnel::fuzz::write_requests(out / "request");
    runnel::fuzz::write_record_batches(out / "record_batch");
    runnel::fuzz::write_log_appends(out / "log_append");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", argv[0], e.what());
    return 1;
  }
  return 0;
}
