// zk_json: the JSON parser behind every reader of ZooKeeper documents, and those readers on the
// documents Kafka's brokers write.
#include "broker/coordination/zk_json.h"

#include <catch2/catch.hpp>

#include "broker/coordination/broker_registration.h"
#include "broker/coordination/cluster_id.h"
#include "broker/coordination/controller_election.h"
#include "broker/coordination/zk_topic_layout.h"

namespace runnel::broker {

TEST_CASE("parse_json reads nested objects, arrays, escapes and literals; refuses what is not JSON", "[zk_json]") {
  auto json = parse_json(R"( {"a":[1,-2,{"b":null}],"s":"q\"\\\/\n\u00e9\ud83d\ude00","t":true,"f":false} )");
  REQUIRE(json);
  CHECK(json->find("a")->array.size() == 3);
  CHECK(json->find("a")->array[1].number == -2);
  CHECK(json->find("a")->array[2].find("b")->kind == Json::Kind::null);
  CHECK(json->string_at("s") == "q\"\\/\n\xc3\xa9\xf0\x9f\x98\x80");
  CHECK(json->find("t")->boolean);
  CHECK(!json->find("f")->boolean);
  CHECK(!json->number_at("s"));
  CHECK(!json->string_at("missing"));
  for (const char* bad : {"", "{", "{\"a\":}", "[1,]", "{\"a\":1} x", "1.5", "\"\x01\"", "nul", "{'a':1}"})
    CHECK(!parse_json(bad));
  CHECK(parse_json(json_quote("a\"b\\c\n\x01"))->string == "a\"b\\c\n\x01");
}

TEST_CASE("the coordination readers take Kafka's documents", "[zk_json]") {
  auto endpoint = decode_endpoint(3, R"({"features":{},"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},)"
                                     R"("endpoints":["PLAINTEXT://h1:9092"],"jmx_port":-1,"port":9092,"host":"h1",)"
                                     R"("version":5,"rack":"r1","timestamp":"1700000000000"})");
  REQUIRE(endpoint);
  CHECK(*endpoint == BrokerEndpoint{3, "PLAINTEXT", "h1", 9092, "r1"});
  CHECK(decode_endpoint(3, encode_endpoint(BrokerEndpoint{3, "PLAINTEXT", "h", 1, std::nullopt}, 5)) ==
        BrokerEndpoint{3, "PLAINTEXT", "h", 1, std::nullopt});
  CHECK(!decode_endpoint(3, R"({"host":"h"})"));
  CHECK(decode_controller(R"({"version":1,"brokerid":7,"timestamp":"1"})") == 7);
  CHECK(!decode_controller("7"));
  CHECK(decode_cluster_id(encode_cluster_id("abc")) == "abc");
  CHECK(!decode_cluster_id(R"({"version":"1","id":""})"));

  auto state =
      decode_partition_state(R"({"controller_epoch":2,"leader":1,"version":1,"leader_epoch":5,"isr":[1,3]})", 9);
  CHECK(state == PartitionState{1, 5, {1, 3}, 2, 9});
  auto old = decode_topic_assignment("t", R"({"version":1,"partitions":{"1":[2],"0":[1]}})");
  REQUIRE(old);  // no topic_id: a zero id
  CHECK(old->id == TopicId{});
  CHECK(old->assignment == std::vector<std::vector<int32_t>>{{1}, {2}});
  CHECK(!decode_topic_assignment("t", R"({"version":3,"partitions":{"0":[1],"2":[1]}})"));
  CHECK(decode_producer_id_block(encode_producer_id_block({4, 1000, 1999}))->last == 1999);
}

}  // namespace runnel::broker
