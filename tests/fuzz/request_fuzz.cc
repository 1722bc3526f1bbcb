// request_fuzz: one request frame as runneld reads it off a socket, after the
// 4-byte size prefix: request header, then the body.
//
// Like broker/connection.cc, it peeks at api_key and api_version, ignores
// APIs and versions that are not served (the broker closes the connection),
// and decodes the header at the API's header version, which must round-trip.
// The body is then decoded as that API's request at that version. Whatever
// decodes must round-trip too: re-encoded, it decodes to an equal message
// that consumes every byte, and encodes again to the same bytes. Any other
// outcome, and any sanitizer report, is a crash. (Responses, which the broker
// only encodes, are left to the generated round-trip test: fuzzing them too
// would double the corpus.)

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <tuple>

#include "fuzz/fuzz_util.h"
#include "protocol/codec.h"
#include "protocol/header.h"
#include "protocol/messages/messages.h"

namespace runnel::fuzz {
namespace {

using namespace protocol::messages;

// Every served request. Adding a schema without adding it here fails the
// static_assert below.
using AllRequests =
    std::tuple<ProduceRequest, FetchRequest, ListOffsetsRequest, MetadataRequest, OffsetCommitRequest,
               OffsetFetchRequest, FindCoordinatorRequest, JoinGroupRequest, HeartbeatRequest, LeaveGroupRequest,
               SyncGroupRequest, DescribeGroupsRequest, ListGroupsRequest, ApiVersionsRequest, CreateTopicsRequest,
               DeleteTopicsRequest, DeleteRecordsRequest, InitProducerIdRequest, DescribeConfigsRequest,
               AlterConfigsRequest, CreatePartitionsRequest, DeleteGroupsRequest, IncrementalAlterConfigsRequest,
               OffsetForLeaderEpochRequest>;

template <class... Request>
constexpr bool covers_every_served_api(std::tuple<Request...>*) {
  for (const ApiInfo& info : kApis)
    if (((Request::kApiKey != info.api_key) && ...)) return false;
  return sizeof...(Request) == kApis.size();
}
static_assert(covers_every_served_api(static_cast<AllRequests*>(nullptr)),
              "tests/fuzz/request_fuzz.cc: list every request of protocol::messages::kApis in AllRequests");

// Decodes `body` as a Message at `version`; if that succeeds, checks the round trip.
template <class Message>
void check_round_trip(std::span<const std::byte> body, int16_t version) {
  Message decoded;
  protocol::Reader reader(body);
  decoded.decode(reader, version);
  if (!reader.ok()) return;

  protocol::Writer writer;
  decoded.encode(writer, version);
  const protocol::Encoded encoded = std::move(writer).finish();
  FUZZ_CHECK(encoded.splices.empty());

  Message again;
  protocol::Reader again_reader(encoded.buffer);
  again.decode(again_reader, version);
  FUZZ_CHECK(again_reader.ok());
  FUZZ_CHECK(again_reader.remaining() == 0);
  FUZZ_CHECK(again == decoded);

  protocol::Writer again_writer;
  again.encode(again_writer, version);
  FUZZ_CHECK(std::ranges::equal(again_writer.bytes(), encoded.buffer));
}

void check_header_round_trip(const protocol::RequestHeader& header, int16_t header_version) {
  protocol::Writer writer;
  header.encode(writer, header_version);
  protocol::Reader reader(writer.bytes());
  protocol::RequestHeader again;
  again.decode(reader, header_version);
  FUZZ_CHECK(reader.ok());
  FUZZ_CHECK(reader.remaining() == 0);
  FUZZ_CHECK(again == header);
}

template <class... Request>
void check_body(std::tuple<Request...>*, int16_t api_key, std::span<const std::byte> body, int16_t version) {
  const bool found =
      ((Request::kApiKey == api_key ? (check_round_trip<Request>(body, version), true) : false) || ...);
  FUZZ_CHECK(found);
}

}  // namespace
}  // namespace runnel::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace runnel;
  const auto frame = fuzz::as_bytes(data, size);
  const auto prefix = protocol::peek_request_header(frame);
  if (!prefix) return 0;
  const protocol::messages::ApiInfo* api = protocol::messages::find_api(prefix->api_key);
  if (!api || prefix->api_version < api->min_version || prefix->api_version > api->max_version) return 0;

  const int16_t header_version = protocol::request_header_version(prefix->api_version, api->first_flexible_version);
  protocol::Reader reader(frame);
  protocol::RequestHeader header;
  header.decode(reader, header_version);
  if (!reader.ok()) return 0;
  FUZZ_CHECK(header.api_key == prefix->api_key && header.api_version == prefix->api_version &&
             header.correlation_id == prefix->correlation_id);
  fuzz::check_header_round_trip(header, header_version);

  fuzz::check_body(static_cast<fuzz::AllRequests*>(nullptr), api->api_key, frame.subspan(reader.position()),
                   prefix->api_version);
  return 0;
}
