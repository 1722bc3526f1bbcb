#include "broker/group/classic_group.h"

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <utility>
#include <vector>

// Drives one group's classic rebalance state machine through every state and
// rule of kafka-compat.md §4, with Kafka's group coordinator
// (GroupMetadataManager, ClassicGroup) as the reference. Time only moves
// through `now` and poll().

using namespace runnel::broker::group;
using runnel::protocol::ErrorCode;

namespace Catch {
template <>
struct StringMaker<ErrorCode> {
  static std::string convert(ErrorCode code) { return std::string(runnel::protocol::error_name(code)); }
};
template <>
struct StringMaker<GroupState> {
  static std::string convert(GroupState state) { return std::string(state_name(state)); }
};
}  // namespace Catch

namespace {

constexpr int32_t kSession = 10000;
constexpr int32_t kRebalance = 30000;
constexpr int32_t kInitialDelay = 3000;  // GroupConfig's default
constexpr int64_t kStart = 1'000'000;

using Bytes = std::vector<std::byte>;
using Assignments = std::vector<std::pair<std::string, Bytes>>;

Bytes bytes(std::string_view text) {
  Bytes out;
  for (char c : text) out.push_back(static_cast<std::byte>(c));
  return out;
}

// "range" then "roundrobin", as librdkafka, kafka-python, sarama and kafka-go
// send them; the metadata names the protocol and the client.
std::vector<MemberProtocol> eager_protocols(const std::string& client, const std::string& version = "") {
  return {{"range", bytes("range/" + client + version)}, {"roundrobin", bytes("roundrobin/" + client + version)}};
}

JoinRequest join_request(const std::string& client, std::vector<MemberProtocol> protocols) {
  JoinRequest request;
  request.client_id = client;
  request.client_host = "/10.0.0.1";
  request.session_timeout_ms = kSession;
  request.rebalance_timeout_ms = kRebalance;
  request.protocol_type = "consumer";
  request.protocols = std::move(protocols);
  return request;
}

JoinRequest join_request(const std::string& client) { return join_request(client, eager_protocols(client)); }

// JoinGroup v4+: an empty member id is answered with MEMBER_ID_REQUIRED.
JoinRequest v4_join_request(const std::string& client) {
  JoinRequest request = join_request(client);
  request.require_known_member_id = true;
  return request;
}

JoinRequest rejoin_request(const std::string& member_id, const std::string& client,
                           std::vector<MemberProtocol> protocols) {
  JoinRequest request = join_request(client, std::move(protocols));
  request.member_id = member_id;
  request.require_known_member_id = true;
  return request;
}

JoinRequest rejoin_request(const std::string& member_id, const std::string& client) {
  return rejoin_request(member_id, client, eager_protocols(client));
}

JoinRequest static_request(const std::string& instance, const std::string& client, const std::string& member_id = "") {
  JoinRequest request = join_request(client);
  request.group_instance_id = instance;
  request.member_id = member_id;
  request.require_known_member_id = true;
  return request;
}

// Every answer a request got; a parked request has none yet, and no request
// may be answered twice.
template <typename Result>
class Answer {
 public:
  std::function<void(Result)> callback() {
    return [state = state_](Result result) { state->results.push_back(std::move(result)); };
  }
  bool answered() const { return !state_->results.empty(); }
  size_t count() const { return state_->results.size(); }
  const Result& operator*() const {
    REQUIRE(state_->results.size() == 1);
    return state_->results.front();
  }
  const Result* operator->() const { return &**this; }

 private:
  struct State {
    std::vector<Result> results;
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};
using JoinAnswer = Answer<JoinResult>;
using SyncAnswer = Answer<SyncResult>;

struct ListedMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  Bytes metadata;
  bool operator==(const ListedMember&) const = default;
};

// The member list of a JoinGroup answer, comparable.
std::vector<ListedMember> listed(const JoinResult& result) {
  std::vector<ListedMember> out;
  for (const auto& m : result.members) out.push_back({m.member_id, m.group_instance_id, m.metadata});
  return out;
}

std::vector<std::string> member_ids(const ClassicGroup& group) {
  std::vector<std::string> out;
  for (const auto& m : group.members()) out.push_back(m.member_id);
  return out;
}

const Member& member(const ClassicGroup& group, const std::string& member_id) {
  for (const auto& m : group.members())
    if (m.member_id == member_id) return m;
  FAIL("no member " << member_id);
  throw;
}

struct Harness {
  explicit Harness(GroupConfig config = {}) : group("orders", config) {}

  JoinAnswer join(JoinRequest request) {
    JoinAnswer answer;
    group.join(std::move(request), now, answer.callback());
    return answer;
  }
  SyncAnswer sync(const std::string& member_id, int32_t generation, const Assignments& assignments = {},
                  const std::optional<std::string>& instance = std::nullopt) {
    SyncAnswer answer;
    group.sync(member_id, instance, generation, assignments, now, answer.callback());
    return answer;
  }
  ErrorCode heartbeat(const std::string& member_id, int32_t generation,
                      const std::optional<std::string>& instance = std::nullopt) {
    return group.heartbeat(member_id, instance, generation, now);
  }
  ErrorCode leave(const std::string& member_id, const std::optional<std::string>& instance = std::nullopt) {
    return group.leave(member_id, instance, now);
  }
  void advance(int64_t ms) {
    now += ms;
    group.poll(now);
  }
  // Polls at each deadline until the join phase ends.
  void finish_join_phase() {
    while (group.state() == GroupState::preparing_rebalance) {
      auto next = group.next_deadline_ms();
      REQUIRE(next);
      REQUIRE(*next > now);
      advance(*next - now);
    }
  }

  // Joins the requests (JoinGroup v0-3 style) into an Empty group and waits out
  // the initial delay: the group is CompletingRebalance, the first is leader.
  std::vector<std::string> form_with(std::vector<JoinRequest> requests) {
    REQUIRE(group.state() == GroupState::empty);
    std::vector<JoinAnswer> answers;
    for (auto& r : requests) answers.push_back(join(std::move(r)));
    finish_join_phase();
    REQUIRE(group.state() == GroupState::completing_rebalance);
    std::vector<std::string> ids;
    for (const auto& a : answers) {
      REQUIRE(a.count() == 1);
      REQUIRE(a->error == ErrorCode::none);
      ids.push_back(a->member_id);
    }
    REQUIRE(*group.leader() == ids.front());
    return ids;
  }
  std::vector<std::string> form(const std::vector<std::string>& clients) {
    std::vector<JoinRequest> requests;
    for (const auto& c : clients) requests.push_back(join_request(c));
    return form_with(std::move(requests));
  }
  // ...then the leader assigns "assignment/<i>" to member i and everyone syncs:
  // the group is Stable.
  std::vector<std::string> form_stable_with(std::vector<JoinRequest> requests) {
    auto ids = form_with(std::move(requests));
    stabilize(ids);
    return ids;
  }
  std::vector<std::string> form_stable(const std::vector<std::string>& clients) {
    auto ids = form(clients);
    stabilize(ids);
    return ids;
  }
  void stabilize(const std::vector<std::string>& ids) {
    Assignments assignments;
    for (size_t i = 0; i < ids.size(); ++i) assignments.emplace_back(ids[i], bytes("assignment/" + std::to_string(i)));
    auto leader = sync(ids[0], group.generation(), assignments);
    REQUIRE(leader.count() == 1);
    REQUIRE(leader->error == ErrorCode::none);
    for (size_t i = 1; i < ids.size(); ++i) {
      auto follower = sync(ids[i], group.generation());
      REQUIRE(follower.count() == 1);
      REQUIRE(follower->error == ErrorCode::none);
    }
    REQUIRE(group.state() == GroupState::stable);
    group.take_metadata_change();
  }

  ClassicGroup group;
  int64_t now = kStart;
};

}  // namespace

// --- JoinGroup: new members ---------------------------------------------------

TEST_CASE("a v4+ member without an id gets MEMBER_ID_REQUIRED with a fresh id, then joins with it", "[group]") {
  Harness h;
  auto first = h.join(v4_join_request("rdkafka"));
  REQUIRE(first.count() == 1);
  CHECK(first->error == ErrorCode::member_id_required);
  const std::string id = first->member_id;
  CHECK(id.starts_with("rdkafka-"));
  CHECK(id.size() == std::string("rdkafka-").size() + 36);  // client id, '-', a UUID
  CHECK(first->generation == -1);
  CHECK(first->leader.empty());
  CHECK(first->members.empty());
  CHECK(h.group.state() == GroupState::empty);
  CHECK(h.group.pending_member_count() == 1);
  CHECK(h.group.members().empty());
  CHECK(h.group.next_deadline_ms() == h.now + kSession);

  // Another member gets another id.
  auto other = h.join(v4_join_request("rdkafka"));
  CHECK(other->error == ErrorCode::member_id_required);
  CHECK(other->member_id != id);
  CHECK(h.group.pending_member_count() == 2);
  CHECK(h.leave(other->member_id) == ErrorCode::none);
  CHECK(h.group.pending_member_count() == 1);

  h.now += 500;
  auto second = h.join(rejoin_request(id, "rdkafka"));
  CHECK_FALSE(second.answered());
  CHECK(h.group.state() == GroupState::preparing_rebalance);
  CHECK(h.group.pending_member_count() == 0);
  CHECK(member_ids(h.group) == std::vector<std::string>{id});
  CHECK(h.group.protocol_type() == "consumer");
  CHECK(h.group.next_deadline_ms() == h.now + kInitialDelay);

  h.advance(kInitialDelay - 1);
  CHECK_FALSE(second.answered());
  h.advance(1);
  REQUIRE(second.count() == 1);
  CHECK(second->error == ErrorCode::none);
  CHECK(second->generation == 1);
  CHECK(second->protocol_name == "range");
  CHECK(second->leader == id);
  CHECK(second->member_id == id);
  CHECK(listed(*second) == std::vector<ListedMember>{{id, std::nullopt, bytes("range/rdkafka")}});
  CHECK(h.group.state() == GroupState::completing_rebalance);
  CHECK(h.group.generation() == 1);
  CHECK(h.group.protocol_name() == "range");
  CHECK(h.group.leader() == id);
  CHECK(h.group.state_changed_ms() == h.now);
}

TEST_CASE("a v0-3 member without an id joins directly", "[group]") {
  Harness h;
  auto joined = h.join(join_request("kafka-python"));
  CHECK_FALSE(joined.answered());
  CHECK(h.group.pending_member_count() == 0);
  REQUIRE(h.group.members().size() == 1);
  const Member& m = h.group.members()[0];
  CHECK(m.member_id.starts_with("kafka-python-"));
  CHECK(m.client_id == "kafka-python");
  CHECK(m.client_host == "/10.0.0.1");
  CHECK(m.session_timeout_ms == kSession);
  CHECK(m.rebalance_timeout_ms == kRebalance);
  CHECK(m.protocols == eager_protocols("kafka-python"));
  CHECK(h.group.state() == GroupState::preparing_rebalance);

  h.advance(kInitialDelay);
  REQUIRE(joined.count() == 1);
  CHECK(joined->error == ErrorCode::none);
  CHECK(joined->generation == 1);
  CHECK(joined->member_id == m.member_id);
  CHECK(joined->leader == m.member_id);
}

TEST_CASE("a pending member that never rejoins is dropped after its session timeout", "[group]") {
  Harness h;
  auto first = h.join(v4_join_request("rdkafka"));
  const std::string id = first->member_id;
  h.advance(kSession - 1);
  CHECK(h.group.pending_member_count() == 1);
  h.advance(1);
  CHECK(h.group.pending_member_count() == 0);
  CHECK(h.group.next_deadline_ms() == std::nullopt);

  auto late = h.join(rejoin_request(id, "rdkafka"));
  REQUIRE(late.count() == 1);
  CHECK(late->error == ErrorCode::unknown_member_id);
  CHECK(late->member_id == id);
  CHECK(h.group.state() == GroupState::empty);
}

TEST_CASE("a join phase waits for members that were told MEMBER_ID_REQUIRED", "[group]") {
  Harness h;
  auto ids = h.form_stable({"a", "b"});
  auto pending = h.join(v4_join_request("c"));
  REQUIRE(pending->error == ErrorCode::member_id_required);
  CHECK(h.group.state() == GroupState::stable);  // a pending member alone starts no rebalance

  auto a = h.join(rejoin_request(ids[0], "a"));  // the leader rejoins: rebalance
  auto b = h.join(rejoin_request(ids[1], "b"));
  CHECK(h.group.state() == GroupState::preparing_rebalance);
  CHECK_FALSE(a.answered());
  CHECK_FALSE(b.answered());

  auto c = h.join(rejoin_request(pending->member_id, "c"));
  REQUIRE(a.count() == 1);
  REQUIRE(b.count() == 1);
  REQUIRE(c.count() == 1);
  CHECK(c->error == ErrorCode::none);
  CHECK(c->generation == 2);
  CHECK(c->member_id == pending->member_id);
  CHECK(member_ids(h.group) == std::vector<std::string>{ids[0], ids[1], pending->member_id});
}

TEST_CASE("group.max.size bounds new members", "[group]") {
  GroupConfig config;
  config.max_size = 2;
  Harness h(config);
  auto ids = h.form_stable({"a", "b"});
  auto third = h.join(join_request("c"));
  REQUIRE(third.count() == 1);
  CHECK(third->error == ErrorCode::group_max_size_reached);
  CHECK(third->member_id.empty());
  CHECK(h.group.state() == GroupState::stable);
  CHECK(h.group.members().size() == 2);
  // Existing members still rejoin.
  auto b = h.join(rejoin_request(ids[1], "b"));
  CHECK(b->error == ErrorCode::none);
}

// --- The initial rebalance delay ------------------------------------------------

TEST_CASE("the first join phase of an Empty group waits group.initial.rebalance.delay.ms even when all have joined",
          "[group][delay]") {
  Harness h;
  auto a = h.join(join_request("a"));
  CHECK(h.group.next_deadline_ms() == kStart + kInitialDelay);
  h.now += 1000;
  auto b = h.join(join_request("b"));
  // b arrived during the delay: the delay is extended once more.
  h.advance(kInitialDelay - 1000);
  CHECK_FALSE(a.answered());
  CHECK(h.group.state() == GroupState::preparing_rebalance);
  CHECK(h.group.next_deadline_ms() == kStart + 2 * kInitialDelay);
  h.advance(kInitialDelay - 1);
  CHECK_FALSE(a.answered());
  h.advance(1);  // nobody new during the extension: done
  REQUIRE(a.count() == 1);
  REQUIRE(b.count() == 1);
  CHECK(a->generation == 1);
  CHECK(b->generation == 1);
  CHECK(a->leader == a->member_id);
  CHECK(b->leader == a->member_id);
  CHECK(h.group.state() == GroupState::completing_rebalance);
}

TEST_CASE("new members keep extending the initial delay, but never past the rebalance timeout", "[group][delay]") {
  Harness h;
  std::vector<JoinAnswer> answers;
  auto join_at = [&](int64_t offset, const std::string& client) {
    h.now = kStart + offset;
    JoinRequest request = join_request(client);
    request.rebalance_timeout_ms = 10000;
    answers.push_back(h.join(std::move(request)));
  };
  auto poll_at = [&](int64_t offset) {
    h.now = kStart + offset;
    h.group.poll(h.now);
  };
  join_at(0, "a");
  CHECK(h.group.next_deadline_ms() == kStart + 3000);
  join_at(1000, "b");
  poll_at(3000);
  CHECK(h.group.next_deadline_ms() == kStart + 6000);
  join_at(4000, "c");
  poll_at(6000);
  CHECK(h.group.next_deadline_ms() == kStart + 9000);
  join_at(7000, "d");
  poll_at(9000);
  CHECK(h.group.next_deadline_ms() == kStart + 10000);  // the rebalance timeout caps the last extension
  join_at(9500, "e");
  poll_at(9999);
  CHECK(h.group.state() == GroupState::preparing_rebalance);
  poll_at(10000);  // a member arrived during the last extension, but the time is up
  CHECK(h.group.state() == GroupState::completing_rebalance);
  CHECK(h.group.generation() == 1);
  for (const auto& answer : answers) {
    REQUIRE(answer.count() == 1);
    CHECK(answer->error == ErrorCode::none);
    CHECK(answer->generation == 1);
    CHECK(answer->leader == answers[0]->member_id);
  }
  CHECK(answers[0]->members.size() == 5);
  for (size_t i = 1; i < answers.size(); ++i) CHECK(answers[i]->members.empty());
}

TEST_CASE("a rebalance timeout below the initial delay does not shorten the delay", "[group][delay]") {
  // Kafka schedules the initial delay in full; the rebalance timeout only
  // bounds the extensions (GroupMetadataManager.prepareRebalance).
  Harness h;
  JoinRequest request = join_request("a");
  request.rebalance_timeout_ms = 1000;
  auto a = h.join(std::move(request));
  CHECK(h.group.next_deadline_ms() == kStart + kInitialDelay);
  h.advance(1000);
  CHECK_FALSE(a.answered());
  h.now += 500;
  auto b = h.join(join_request("b"));  // no extension: no time remains after the delay
  h.advance(kInitialDelay - 1500);
  REQUIRE(a.count() == 1);
  REQUIRE(b.count() == 1);
  CHECK(a->generation == 1);
  CHECK(h.group.state() == GroupState::completing_rebalance);
}

TEST_CASE("without an initial delay the first join phase ends as soon as everyone has joined", "[group][delay]") {
  GroupConfig config;
  config.initial_rebalance_delay_ms = 0;
  Harness h(config);
  auto a = h.join(join_request("a"));
  REQUIRE(a.count() == 1);
  CHECK(a->error == ErrorCode::none);
  CHECK(a->generation == 1);
  CHECK(h.group.state() == GroupState::completing_rebalance);
}

// --- Rebalances of a running group ------------------------------------------------

TEST_CASE("a rebalance ends as soon as every member has rejoined, with the next generation", "[group]") {
  Harness h;
  auto ids = h.form_stable({"a", "b"});
  REQUIRE(h.group.generation() == 1);
  auto c = h.join(join_request("c"));
  CHECK(h.group.state() == GroupState::preparing_rebalance);
  CHECK(h.group.generation() == 1);
  CHECK(h.group.next_deadline_ms() == h.now + kSession);  // a's and b's sessions; c is parked
  CHECK(h.heartbeat(ids[0], 1) == ErrorCode::rebalance_in_progress);

  auto a = h.join(rejoin_request(ids[0], "a"));
  CHECK_FALSE(a.answered());
  auto b = h.join(rejoin_request(ids[1], "b"));
  REQUIRE(a.count() == 1);
  REQUIRE(b.count() == 1);
  REQUIRE(c.count() == 1);
  const std::string c_id = c->member_id;
  for (const auto* answer : {&a, &b, &c}) {
    CHECK((*answer)->error == ErrorCode::none);
    CHECK((*answer)->generation == 2);
    CHECK((*answer)->protocol_name == "range");
    CHECK((*answer)->leader == ids[0]);
  }
  CHECK(a->member_id == ids[0]);
  CHECK(b->member_id == ids[1]);
  CHECK(listed(*a) == std::vector<ListedMember>{{ids[0], std::nullopt, bytes("range/a")},
                                                 {ids[1], std::nullopt, bytes("range/b")},
                                                 {c_id, std::nullopt, bytes("range/c")}});
  CHECK(b->members.empty());
  CHECK(c->members.empty());
  CHECK(h.group.state() == GroupState::completing_rebalance);
  CHECK(h.group.generation() == 2);
}

TEST_CASE("dynamic members that do not rejoin before the rebalance timeout are removed", "[group]") {
  Harness h;
  auto ids = h.form_stable({"a", "b", "c"});
  const int64_t started = h.now;
  auto c = h.join(rejoin_request(ids[2], "c", eager_protocols("c", "-v2")));  // new subscription: rebalance
  CHECK(h.group.state() == GroupState::preparing_rebalance);
  auto a = h.join(rejoin_request(ids[0], "a"));
  // b stays alive by heartbeating but never rejoins.
  while (h.now + 5000 < started + kRebalance) {
    h.advance(5000);
    CHECK(h.heartbeat(ids[1], 1) == ErrorCode::rebalance_in_progress);
  }
  CHECK_FALSE(a.answered());
  CHECK(h.group.next_deadline_ms() == started + kRebalance);
  h.advance(started + kRebalance - h.now);
  REQUIRE(a.count() == 1);
  REQUIRE(c.count() == 1);
  CHECK(a->generation == 2);
  CHECK(listed(*a) == std::vector<ListedMember>{{ids[0], std::nullopt, bytes("range/a")},
                                                 {ids[2], std::nullopt, bytes("range/c-v2")}});
  CHECK(member_ids(h.group) == std::vector<std::string>{ids[0], ids[2]});
  CHECK(h.heartbeat(ids[1], 1) == ErrorCode::unknown_member_id);
  CHECK(h.heartbeat(ids[1], 2) == ErrorCode::unknown_member_id);
}

TEST_CASE("when the leader does not rejoin, a member that did becomes the leader", "[group]") {
  Harness h;
  auto ids = h.form_stable({"a", "b"});
  const int64_t started = h.now;
  auto b = h.join(rejoin_request(ids[1], "b", eager_protocols("b", "-v2")));
  while (h.now + 5000 < started + kRebalance) {  // a stays alive but does not rejoin
    h.advance(5000);
    CHECK(h.heartbeat(ids[0], 1) == ErrorCode::rebalance_in_progress);
  }
  h.finish_join_phase();
  CHECK(h.now == started + kRebalance);
  REQUIRE(b.count() == 1);
  CHECK(b->generation == 2);
  CHECK(b->leader == ids[1]);
  CHECK(listed(*b) == std::vector<ListedMember>{{ids[1], std::nullopt, bytes("range/b-v2")}});
  CHECK(h.group.leader() == ids[1]);
}

TEST_CASE("when nobody rejoins, the group becomes Empty with the next generation", "[group]") {
  Harness h;
  auto ids = h.form_stable({"a", "b"});
  const int64_t started = h.now;
  CHECK(h.leave(ids[0]) == ErrorCode::none);
  CHECK(h.group.state() == GroupState::preparing_rebalance);
  CHECK(h.group.leader() == ids[1]);
  while (h.now + 5000 < started + kRebalance) {  // b stays alive but does not rejoin
    h.advance(5000);
    CHECK(h.heartbeat(ids[1], 1) == ErrorCode::rebalance_in_progress);
  }
  h.finish_join_phase();
  CHECK(h.now == started + kRebalance);
  CHECK(h.group.state() == GroupState::empty);
  CHECK(h.group.generation() == 2);
  CHECK(h.group.members().empty());
  CHECK(h.group.leader() == std::nullopt);
  CHECK(h.group.protocol_name() == std::nullopt);
  CHECK(h.group.take_metadata_change());
  CHECK(h.group.next_deadline_ms() == std::nullopt);
}

// --- Protocol selection ---------------------------------------------------------

TEST_CASE("the protocol is chosen by vote among those every member supports", "[group][protocol]") {
  SECTION("most votes win") {
    Harness h;
    auto ids = h.form_with({join_request("a"),
                       join_request("b", {{"roundrobin", bytes("roundrobin/b")}, {"range", bytes("range/b")}}),
                       join_request("c", {{"roundrobin", bytes("roundrobin/c")}, {"range", bytes("range/c")}})});
    CHECK(h.group.protocol_name() == "roundrobin");
    // The leader sees each member's metadata for the chosen protocol.
    auto again = h.join(rejoin_request(ids[0], "a"));
    CHECK(again->protocol_name == "roundrobin");
    CHECK(listed(*again) == std::vector<ListedMember>{{ids[0], std::nullopt, bytes("roundrobin/a")},
                                                       {ids[1], std::nullopt, bytes("roundrobin/b")},
                                                       {ids[2], std::nullopt, bytes("roundrobin/c")}});
  }
  SECTION("only protocols every member supports are candidates") {
    Harness h;
    h.form_with({join_request("a"), join_request("b", {{"roundrobin", bytes("roundrobin/b")}})});
    CHECK(h.group.protocol_name() == "roundrobin");
  }
  SECTION("a tie goes to the first member's preference") {
    Harness h;
    h.form_with({join_request("a"),
            join_request("b", {{"roundrobin", bytes("roundrobin/b")}, {"range", bytes("range/b")}})});
    CHECK(h.group.protocol_name() == "range");
  }
}

TEST_CASE("a member sharing no protocol or protocol type with the group gets INCONSISTENT_GROUP_PROTOCOL",
          "[group][protocol]") {
  Harness h;
  auto ids = h.form_stable({"rdkafka", "kafka-python"});
  // kafkajs names its round-robin assignor "RoundRobinAssigner".
  JoinRequest kafkajs = join_request("kafkajs", {{"RoundRobinAssigner", bytes("kjs")}});
  kafkajs.require_known_member_id = true;
  auto rejected = h.join(kafkajs);
  REQUIRE(rejected.count() == 1);
  CHECK(rejected->error == ErrorCode::inconsistent_group_protocol);
  CHECK(rejected->member_id.empty());
  CHECK(h.group.pending_member_count() == 0);

  JoinRequest connect = join_request("worker");
  connect.protocol_type = "connect";
  CHECK(h.join(connect)->error == ErrorCode::inconsistent_group_protocol);

  // A member switching to an assignor the others lack is rejected too.
  auto switched = h.join(rejoin_request(ids[1], "kafka-python", {{"RoundRobinAssigner", bytes("kjs")}}));
  CHECK(switched->error == ErrorCode::inconsistent_group_protocol);
  CHECK(switched->member_id == ids[1]);

  CHECK(h.group.state() == GroupState::stable);
  CHECK(h.group.generation() == 1);
  CHECK(member_ids(h.group) == ids);

  // Also while the first member waits out the initial delay.
  Harness fresh;
  fresh.join(join_request("rdkafka"));
  CHECK(fresh.join(join_request("kafkajs", {{"RoundRobinAssigner", {}}}))->error ==
        ErrorCode::inconsistent_group_protocol);
  CHECK(fresh.group.members().size() == 1);
}

TEST_CASE("the first member of an Empty group needs a protocol type and a protocol", "[group][protocol]") {
  Harness h;
  JoinRequest no_type = join_request("a");
  no_type.protocol_type = "";
  CHECK(h.join(no_type)->error == ErrorCode::inconsistent_group_protocol);
  CHECK(h.join(join_request("a", {}))->error == ErrorCode::inconsistent_group_protocol);
  CHECK(h.group.state() == GroupState::empty);
  CHECK(h.group.members().empty());
}

TEST_CASE("session timeouts outside the broker's bounds get INVALID_SESSION_TIMEOUT", "[group]") {
  Harness h;
  auto with_session = [&](int32_t ms, const std::string& member_id = "") {
    JoinRequest request = join_request("a");
    request.session_timeout_ms = ms;
    request.member_id = member_id;
    return h.join(request);
  };
  CHECK(with_session(5999)->error == ErrorCode::invalid_session_timeout);
  CHECK(with_session(1800001)->error == ErrorCode::invalid_session_timeout);
  CHECK(h.group.members().empty());
  CHECK(h.group.state() == GroupState::empty);
  with_session(6000);
  with_session(1800000);
  CHECK(h.group.members().size() == 2);
  auto known = with_session(1, h.group.members()[0].member_id);
  CHECK(known->error == ErrorCode::invalid_session_timeout);
  CHECK(known->member_id == h.group.members()[0].member_id);
}

// --- SyncGroup --------------------------------------------------------------------

TEST_CASE("the leader's SyncGroup distributes its assignment; followers wait for it", "[group][sync]") {
  Harness h;
  auto ids = h.form({"a", "b", "c"});
  auto b = h.sync(ids[1], 1);
  CHECK_FALSE(b.answered());
  CHECK(h.group.state() == GroupState::completing_rebalance);
  CHECK_FALSE(h.group.take_metadata_change());

  // c is missing from the leader's assignment; an unknown id is ignored.
  auto a = h.sync(ids[0], 1, {{ids[0], bytes("p0")}, {ids[1], bytes("p1")}, {"stranger", bytes("p9")}});
  REQUIRE(a.count() == 1);
  REQUIRE(b.count() == 1);
  CHECK(a->error == ErrorCode::none);
  CHECK(a->assignment == bytes("p0"));
  CHECK(b->error == ErrorCode::none);
  CHECK(b->assignment == bytes("p1"));
  CHECK(h.group.state() == GroupState::stable);
  CHECK(h.group.take_metadata_change());
  CHECK_FALSE(h.group.take_metadata_change());

  auto c = h.sync(ids[2], 1);
  REQUIRE(c.count() == 1);
  CHECK(c->error == ErrorCode::none);
  CHECK(c->assignment.empty());
  CHECK(member(h.group, ids[0]).assignment == bytes("p0"));
  CHECK(member(h.group, ids[1]).assignment == bytes("p1"));
  CHECK(member(h.group, ids[2]).assignment.empty());
}

TEST_CASE("a Stable group answers SyncGroup with the stored assignment", "[group][sync]") {
  Harness h;
  auto ids = h.form_stable({"a", "b"});
  auto again = h.sync(ids[0], 1, {{ids[0], bytes("other")}, {ids[1], bytes("other")}});
  CHECK(again->error == ErrorCode::none);
  CHECK(again->assignment == bytes("assignment/0"));
  CHECK(h.sync(ids[1], 1)->assignment == bytes("assignment/1"));
  CHECK_FALSE(h.group.take_metadata_change());
}

TEST_CASE("SyncGroup checks the member and the generation", "[group][sync]") {
  Harness h;
  CHECK(h.sync("nobody", 0)->error == ErrorCode::unknown_member_id);  // Empty
  auto ids = h.form({"a", "b"});
  CHECK(h.sync("nobody", 1)->error == ErrorCode::unknown_member_id);
  CHECK(h.sync(ids[1], 0)->error == ErrorCode::illegal_generation);
  CHECK(h.sync(ids[1], 2)->error == ErrorCode::illegal_generation);
  CHECK(h.sync(ids[0], 2, {{ids[0], bytes("x")}})->error == ErrorCode::illegal_generation);
  CHECK(h.group.state() == GroupState::completing_rebalance);
}

TEST_CASE("SyncGroup during PreparingRebalance gets REBALANCE_IN_PROGRESS", "[group][sync]") {
  Harness h;
  auto ids = h.form_stable({"a", "b"});
  h.join(join_request("c"));
  REQUIRE(h.group.state() == GroupState::preparing_rebalance);
  auto b = h.sync(ids[1], 1);
  REQUIRE(b.count() == 1);
  CHECK(b->error == ErrorCode::rebalance_in_progress);
  CHECK(b->assignment.empty());
  CHECK(h.sync(ids[0], 1, {{ids[0], bytes("x")}})->error == ErrorCode::rebalance_in_progress);
}

TEST_CASE("a repeated SyncGroup from a waiting follower replaces the first", "[group][sync]") {
  Harness h;
  auto ids = h.form({"a", "b"});
  auto first = h.sync(ids[1], 1);
  auto second = h.sync(ids[1], 1);
  REQUIRE(first.count() == 1);
  CHECK(first->error == ErrorCode::rebalance_in_progress);
  CHECK_FALSE(second.answered());
  h.sync(ids[0], 1, {{ids[1], bytes("p1")}});
  REQUIRE(second.count() == 1);
  CHECK(second->assignment == bytes("p1"));
  CHECK(first.count() == 1);
}

// --- Rejoining a running group ------------------------------------------------------

TEST_CASE("a follower rejoining a Stable group with the same metadata gets the current generation without a rebalance",
          "[group][rejoin]") {
  Harness h;
  auto ids = h.form_stable({"a", "b"});
  auto b = h.join(rejoin_request(ids[1], "b"));
  REQUIRE(b.count() == 1);
  CHECK(b->error == ErrorCode::none);
  CHECK(b->generation == 1);
  CHECK(b->protocol_name == "range");
  CHECK(b->leader == ids[0]);
  CHECK(b->member_id == ids[1]);
  CHECK(b->members.empty());
  CHECK(h.group.state() == GroupState::stable);
  CHECK(h.sync(ids[1], 1)->assignment == bytes("assignment/1"));
  CHECK(h.heartbeat(ids[0], 1) == ErrorCode::none);
}

TEST_CASE("the leader rejoining a Stable group starts a rebalance", "[group][rejoin]") {
  Harness h;
  auto ids = h.form_stable({"a", "b"});
  auto a = h.join(rejoin_request(ids[0], "a"));
  CHECK_FALSE(a.answered());
  CHECK(h.group.state() == GroupState::preparing_rebalance);
  CHECK(h.heartbeat(ids[1], 1) == ErrorCode::rebalance_in_progress);
  CHECK(h.sync(ids[1], 1)->error == ErrorCode::rebalance_in_progress);
  auto b = h.join(rejoin_request(ids[1], "b"));
  REQUIRE(a.count() == 1);
  CHECK(a->generation == 2);
  CHECK(a->leader == ids[0]);
  CHECK(a->members.size() == 2);
  CHECK(b->generation == 2);
  CHECK(b->members.empty());
}

TEST_CASE("a follower rejoining with changed metadata starts a rebalance", "[group][rejoin]") {
  Harness h;
  auto ids = h.form_stable({"a", "b"});
  auto b = h.join(rejoin_request(ids[1], "b", eager_protocols("b", "-v2")));
  CHECK_FALSE(b.answered());
  CHECK(h.group.state() == GroupState::preparing_rebalance);
  CHECK(member(h.group, ids[1]).protocols == eager_protocols("b", "-v2"));
  auto a = h.join(rejoin_request(ids[0], "a"));
  CHECK(a->generation == 2);
  CHECK(listed(*a) == std::vector<ListedMember>{{ids[0], std::nullopt, bytes("range/a")},
                                                 {ids[1], std::nullopt, bytes("range/b-v2")}});
}

TEST_CASE("rejoining during CompletingRebalance with the same metadata returns the current generation again",
          "[group][rejoin]") {
  Harness h;
  auto ids = h.form({"a", "b"});
  auto b = h.join(rejoin_request(ids[1], "b"));
  REQUIRE(b.count() == 1);
  CHECK(b->error == ErrorCode::none);
  CHECK(b->generation == 1);
  CHECK(b->leader == ids[0]);
  CHECK(b->members.empty());
  auto a = h.join(rejoin_request(ids[0], "a"));  // the leader lost its answer: gets the list again
  REQUIRE(a.count() == 1);
  CHECK(a->generation == 1);
  CHECK(a->members.size() == 2);
  CHECK(h.group.state() == GroupState::completing_rebalance);
}

TEST_CASE("rejoining during CompletingRebalance with changed metadata restarts the join; parked syncs are failed",
          "[group][rejoin]") {
  Harness h;
  auto ids = h.form({"a", "b", "c"});
  auto c_sync = h.sync(ids[2], 1);
  auto b = h.join(rejoin_request(ids[1], "b", eager_protocols("b", "-v2")));
  REQUIRE(c_sync.count() == 1);
  CHECK(c_sync->error == ErrorCode::rebalance_in_progress);
  CHECK(h.group.state() == GroupState::preparing_rebalance);
  CHECK(h.group.generation() == 1);
  auto a = h.join(rejoin_request(ids[0], "a"));
  auto c = h.join(rejoin_request(ids[2], "c"));
  REQUIRE(b.count() == 1);
  CHECK(b->generation == 2);
  CHECK(c->generation == 2);
  CHECK(a->leader == ids[0]);
}

TEST_CASE("a new member joining during CompletingRebalance restarts the join", "[group][rejoin]") {
  Harness h;
  auto ids = h.form({"a", "b"});
  auto b_sync = h.sync(ids[1], 1);
  auto c = h.join(join_request("c"));
  CHECK(b_sync->error == ErrorCode::rebalance_in_progress);
  CHECK(h.group.state() == GroupState::preparing_rebalance);
  h.join(rejoin_request(ids[0], "a"));
  h.join(rejoin_request(ids[1], "b"));
  REQUIRE(c.count() == 1);
  CHECK(c->generation == 2);
  CHECK(h.group.members().size() == 3);
}

TEST_CASE("a repeated JoinGroup from a parked member replaces the parked one", "[group][rejoin]") {
  Harness h;
  auto ids = h.form_stable({"a", "b"});
  auto first = h.join(rejoin_request(ids[0], "a"));
  auto second = h.join(rejoin_request(ids[0], "a"));
  REQUIRE(first.count() == 1);
  CHECK(first->error == ErrorCode::rebalance_in_progress);
  CHECK(first->member_id == ids[0]);
  CHECK_FALSE(second.answered());
  h.join(rejoin_request(ids[1], "b"));
  REQUIRE(second.count() == 1);
  CHECK(second->generation == 2);
  CHECK(first.count() == 1);
}

TEST_CASE("rejoining an Empty group with an old member id gets UNKNOWN_MEMBER_ID", "[group][rejoin]") {
  Harness h;
  auto ids = h.form_stable({"a"});
  REQUIRE(h.leave(ids[0]) == ErrorCode::none);
  REQUIRE(h.group.state() == GroupState::empty);
  auto again = h.join(rejoin_request(ids[0], "a"));
  CHECK(again->error == ErrorCode::unknown_member_id);
  CHECK(again->member_id == ids[0]);
  CHECK(h.group.state() == GroupState::empty);
  CHECK(h.join(rejoin_request("never-seen", "a"))->error == ErrorCode::unknown_member_id);
}

// --- Heartbeats and sessions ---------------------------------------------------------

TEST_CASE("heartbeats are answered by state", "[group][heartbeat]") {
  Harness h;
  CHECK(h.heartbeat("nobody", 0) == ErrorCode::unknown_member_id);  // Empty
  auto ids = h.form({"a", "b"});
  // CompletingRebalance: members may heartbeat after their JoinGroup answer.
  CHECK(h.heartbeat(ids[1], 1) == ErrorCode::none);
  CHECK(h.heartbeat(ids[1], 0) == ErrorCode::illegal_generation);
  CHECK(h.heartbeat("nobody", 1) == ErrorCode::unknown_member_id);
  h.stabilize(ids);
  CHECK(h.heartbeat(ids[0], 1) == ErrorCode::none);
  CHECK(h.heartbeat(ids[0], 2) == ErrorCode::illegal_generation);
  CHECK(h.heartbeat("nobody", 1) == ErrorCode::unknown_member_id);
  h.join(join_request("c"));
  REQUIRE(h.group.state() == GroupState::preparing_rebalance);
  CHECK(h.heartbeat(ids[0], 1) == ErrorCode::rebalance_in_progress);
  CHECK(h.heartbeat(ids[0], 0) == ErrorCode::illegal_generation);
  CHECK(h.heartbeat("nobody", 1) == ErrorCode::unknown_member_id);
  CHECK(h.group.state() == GroupState::preparing_rebalance);
}

TEST_CASE("a member without heartbeats expires after its session timeout and the group rebalances",
          "[group][heartbeat]") {
  Harness h;
  auto ids = h.form_stable({"a", "b"});
  h.now += 1000;
  REQUIRE(h.heartbeat(ids[0], 1) == ErrorCode::none);
  REQUIRE(h.heartbeat(ids[1], 1) == ErrorCode::none);
  const int64_t b_deadline = h.now + kSession;
  CHECK(h.group.next_deadline_ms() == b_deadline);
  h.now += 6000;
  REQUIRE(h.heartbeat(ids[0], 1) == ErrorCode::none);  // a stays alive, b goes quiet
  CHECK(h.group.next_deadline_ms() == b_deadline);
  h.advance(b_deadline - 1 - h.now);
  CHECK(h.group.members().size() == 2);
  h.advance(1);
  CHECK(member_ids(h.group) == std::vector<std::string>{ids[0]});
  CHECK(h.group.state() == GroupState::preparing_rebalance);
  CHECK(h.heartbeat(ids[1], 1) == ErrorCode::unknown_member_id);
  CHECK(h.heartbeat(ids[0], 1) == ErrorCode::rebalance_in_progress);
  auto a = h.join(rejoin_request(ids[0], "a"));
  REQUIRE(a.count() == 1);  // everyone left has rejoined
  CHECK(a->generation == 2);
  CHECK(a->leader == ids[0]);
  CHECK(a->members.size() == 1);
}

TEST_CASE("a member parked in JoinGroup is not expired by its session", "[group][heartbeat]") {
  Harness h;
  auto ids = h.form_stable({"a", "b"});
  const int64_t started = h.now;
  auto b = h.join(rejoin_request(ids[1], "b", eager_protocols("b", "-v2")));
  for (int i = 0; i < 4; ++i) {  // 20 s, twice b's session timeout
    h.advance(5000);
    CHECK(h.heartbeat(ids[0], 1) == ErrorCode::rebalance_in_progress);
    CHECK(h.group.next_deadline_ms() == std::min<int64_t>(h.now + kSession, started + kRebalance));
  }
  CHECK(h.group.members().size() == 2);
  CHECK_FALSE(b.answered());
  auto a = h.join(rejoin_request(ids[0], "a"));
  REQUIRE(b.count() == 1);
  CHECK(b->error == ErrorCode::none);
  CHECK(b->generation == 2);
}

TEST_CASE("a member parked in SyncGroup is not expired by its session", "[group][heartbeat]") {
  // Kafka: ClassicGroupMember.hasSatisfiedHeartbeat() holds while awaiting sync.
  Harness h;
  auto ids = h.form({"a", "b"});
  auto b = h.sync(ids[1], 1);
  for (int i = 0; i < 3; ++i) {  // 15 s, past b's session timeout
    h.advance(5000);
    CHECK(h.heartbeat(ids[0], 1) == ErrorCode::none);
  }
  CHECK(h.group.members().size() == 2);
  CHECK_FALSE(b.answered());
  h.sync(ids[0], 1, {{ids[1], bytes("p1")}});
  REQUIRE(b.count() == 1);
  CHECK(b->error == ErrorCode::none);
  CHECK(b->assignment == bytes("p1"));
  // Once answered, b needs heartbeats again.
  CHECK(h.group.next_deadline_ms() == h.now + kSession);
}

TEST_CASE("members that never send SyncGroup are removed after the rebalance timeout", "[group][heartbeat]") {
  // Kafka: GroupMetadataManager.expirePendingSync.
  Harness h;
  auto ids = h.form({"a", "b", "c"});
  const int64_t joined = h.now;
  h.sync(ids[0], 1, {{ids[0], bytes("p0")}});
  h.sync(ids[2], 1);
  REQUIRE(h.group.state() == GroupState::stable);
  while (h.now + 5000 < joined + kRebalance) {
    h.advance(5000);
    for (const auto& id : ids) CHECK(h.heartbeat(id, 1) == ErrorCode::none);
  }
  CHECK(h.group.next_deadline_ms() == joined + kRebalance);
  h.advance(joined + kRebalance - h.now);
  CHECK(member_ids(h.group) == std::vector<std::string>{ids[0], ids[2]});
  CHECK(h.group.state() == GroupState::preparing_rebalance);
  CHECK(h.heartbeat(ids[1], 1) == ErrorCode::unknown_member_id);
}

// --- LeaveGroup ---------------------------------------------------------------------

TEST_CASE("LeaveGroup by member id removes the member and starts a rebalance", "[group][leave]") {
  Harness h;
  auto ids = h.form_stable({"a", "b", "c"});
  CHECK(h.leave(ids[0]) == ErrorCode::none);  // the leader
  CHECK(member_ids(h.group) == std::vector<std::string>{ids[1], ids[2]});
  CHECK(h.group.state() == GroupState::preparing_rebalance);
  CHECK(h.leave(ids[0]) == ErrorCode::unknown_member_id);
  CHECK(h.leave("") == ErrorCode::unknown_member_id);
  auto b = h.join(rejoin_request(ids[1], "b"));
  auto c = h.join(rejoin_request(ids[2], "c"));
  REQUIRE(b.count() == 1);
  CHECK(b->generation == 2);
  CHECK(b->leader == ids[1]);
  CHECK(b->members.size() == 2);
}

TEST_CASE("a member leaving during PreparingRebalance lets the join phase end when the others have rejoined",
          "[group][leave]") {
  Harness h;
  auto ids = h.form_stable({"a", "b", "c"});
  auto c = h.join(rejoin_request(ids[2], "c", eager_protocols("c", "-v2")));
  auto a = h.join(rejoin_request(ids[0], "a"));
  CHECK_FALSE(a.answered());
  CHECK(h.leave(ids[1]) == ErrorCode::none);
  REQUIRE(a.count() == 1);
  CHECK(a->generation == 2);
  CHECK(member_ids(h.group) == std::vector<std::string>{ids[0], ids[2]});
}

TEST_CASE("a member that leaves while parked in JoinGroup is answered UNKNOWN_MEMBER_ID", "[group][leave]") {
  Harness h;
  auto a = h.join(join_request("a"));
  const std::string id = h.group.members().at(0).member_id;
  CHECK(h.leave(id) == ErrorCode::none);
  REQUIRE(a.count() == 1);
  CHECK(a->error == ErrorCode::unknown_member_id);
  CHECK(a->member_id.empty());  // Kafka answers with UNKNOWN_MEMBER_ID ("")
  CHECK(h.group.members().empty());
}

TEST_CASE("the last member leaving makes the group Empty with the next generation", "[group][leave]") {
  Harness h;
  auto ids = h.form_stable({"a"});
  REQUIRE(h.group.generation() == 1);
  CHECK(h.leave(ids[0]) == ErrorCode::none);
  CHECK(h.group.state() == GroupState::empty);
  CHECK(h.group.generation() == 2);
  CHECK(h.group.leader() == std::nullopt);
  CHECK(h.group.protocol_name() == std::nullopt);
  CHECK(h.group.take_metadata_change());
  CHECK_FALSE(h.group.take_metadata_change());
  CHECK(h.group.state_changed_ms() == h.now);
  CHECK(h.leave(ids[0]) == ErrorCode::unknown_member_id);
}

TEST_CASE("LeaveGroup by instance id removes the static member it names", "[group][leave][static]") {
  Harness h;
  auto ids = h.form_stable_with({static_request("consumer-1", "a"), static_request("consumer-2", "b")});
  CHECK(h.leave("", std::string("unknown")) == ErrorCode::unknown_member_id);
  CHECK(h.leave(ids[1], std::string("consumer-1")) == ErrorCode::fenced_instance_id);
  CHECK(h.leave("wrong", std::string("consumer-1")) == ErrorCode::fenced_instance_id);
  CHECK(h.group.state() == GroupState::stable);
  CHECK(h.leave("", std::string("consumer-2")) == ErrorCode::none);
  CHECK(member_ids(h.group) == std::vector<std::string>{ids[0]});
  CHECK(h.group.state() == GroupState::preparing_rebalance);
  CHECK(h.leave(ids[0], std::string("consumer-1")) == ErrorCode::none);
  CHECK(h.group.state() == GroupState::empty);
}

TEST_CASE("a pending member may leave", "[group][leave]") {
  Harness h;
  auto pending = h.join(v4_join_request("a"));
  REQUIRE(h.group.pending_member_count() == 1);
  CHECK(h.leave(pending->member_id) == ErrorCode::none);
  CHECK(h.group.pending_member_count() == 0);
  CHECK(h.group.state() == GroupState::empty);
}

// --- Static membership -----------------------------------------------------------------

TEST_CASE("a static member joins without MEMBER_ID_REQUIRED and gets an id made from its instance id",
          "[group][static]") {
  Harness h;
  auto joined = h.join(static_request("consumer-1", "rdkafka"));
  CHECK_FALSE(joined.answered());
  CHECK(h.group.pending_member_count() == 0);
  REQUIRE(h.group.members().size() == 1);
  CHECK(h.group.members()[0].group_instance_id == "consumer-1");
  CHECK(h.group.members()[0].member_id.starts_with("consumer-1-"));
  h.finish_join_phase();
  REQUIRE(joined.count() == 1);
  CHECK(listed(*joined) ==
        std::vector<ListedMember>{{h.group.members()[0].member_id, "consumer-1", bytes("range/rdkafka")}});
}

TEST_CASE("a static member restarting in a Stable group keeps its assignment without a rebalance", "[group][static]") {
  Harness h;
  auto ids = h.form_stable_with({join_request("a"), static_request("consumer-1", "b")});
  const std::string old_id = ids[1];
  const std::optional<std::string> instance = "consumer-1";
  h.now += 2000;
  auto restarted = h.join(static_request("consumer-1", "b"));
  REQUIRE(restarted.count() == 1);
  CHECK(restarted->error == ErrorCode::none);
  const std::string new_id = restarted->member_id;
  CHECK(new_id != old_id);
  CHECK(new_id.starts_with("consumer-1-"));
  CHECK(restarted->generation == 1);
  CHECK(restarted->protocol_name == "range");
  CHECK(restarted->leader == ids[0]);
  CHECK(restarted->members.empty());
  CHECK(h.group.state() == GroupState::stable);
  CHECK(h.group.generation() == 1);
  CHECK(member_ids(h.group) == std::vector<std::string>{ids[0], new_id});
  CHECK(member(h.group, new_id).assignment == bytes("assignment/1"));
  CHECK(h.group.take_metadata_change());  // the new member id is persisted

  // The old id is fenced everywhere.
  CHECK(h.heartbeat(old_id, 1, instance) == ErrorCode::fenced_instance_id);
  CHECK(h.sync(old_id, 1, {}, instance)->error == ErrorCode::fenced_instance_id);
  CHECK(h.join(static_request("consumer-1", "b", old_id))->error == ErrorCode::fenced_instance_id);
  CHECK(h.group.validate_offset_commit(old_id, instance, 1) == ErrorCode::fenced_instance_id);
  CHECK(h.heartbeat(old_id, 1) == ErrorCode::unknown_member_id);
  // The new id works and gets the stored assignment.
  CHECK(h.heartbeat(new_id, 1, instance) == ErrorCode::none);
  CHECK(h.sync(new_id, 1, {}, instance)->assignment == bytes("assignment/1"));
  CHECK(h.group.state() == GroupState::stable);
  CHECK(h.group.next_deadline_ms() == h.now + kSession - 2000);  // a's session, from its sync
}

TEST_CASE("a static leader restarting in a Stable group is not told to assign (JoinGroup v0-8)", "[group][static]") {
  // Kafka answers v0-8 with the leader id from before the restart and no
  // member list, so the restarted leader acts as a follower.
  Harness h;
  auto ids = h.form_stable_with({static_request("consumer-1", "a"), join_request("b")});
  auto restarted = h.join(static_request("consumer-1", "a"));
  REQUIRE(restarted.count() == 1);
  CHECK(restarted->error == ErrorCode::none);
  CHECK(restarted->generation == 1);
  CHECK(restarted->leader == ids[0]);
  CHECK(restarted->members.empty());
  CHECK(h.group.leader() == restarted->member_id);  // the group's leader is the new id
  CHECK(h.group.state() == GroupState::stable);
  CHECK(h.sync(restarted->member_id, 1, {}, std::string("consumer-1"))->assignment == bytes("assignment/0"));
}

TEST_CASE("a static member restarting with new metadata for the same protocol does not rebalance", "[group][static]") {
  // Kafka rebalances only when the group's selected protocol would change.
  Harness h;
  auto ids = h.form_stable_with({join_request("a"), static_request("consumer-1", "b")});
  JoinRequest request = static_request("consumer-1", "b");
  request.protocols = eager_protocols("b", "-v2");
  auto restarted = h.join(request);
  REQUIRE(restarted.count() == 1);
  CHECK(restarted->generation == 1);
  CHECK(h.group.state() == GroupState::stable);
  CHECK(member(h.group, restarted->member_id).protocols == eager_protocols("b", "-v2"));
  CHECK(member(h.group, restarted->member_id).assignment == bytes("assignment/1"));
}

TEST_CASE("a static member restarting with protocols that change the group's choice starts a rebalance",
          "[group][static]") {
  Harness h;
  auto ids = h.form_stable_with({join_request("a"), static_request("consumer-1", "b")});
  JoinRequest request = static_request("consumer-1", "b");
  request.protocols = {{"roundrobin", bytes("roundrobin/b")}};
  auto restarted = h.join(request);
  CHECK_FALSE(restarted.answered());
  CHECK(h.group.state() == GroupState::preparing_rebalance);
  CHECK(h.heartbeat(ids[1], 1, std::string("consumer-1")) == ErrorCode::fenced_instance_id);
  auto a = h.join(rejoin_request(ids[0], "a"));
  REQUIRE(restarted.count() == 1);
  CHECK(restarted->generation == 2);
  CHECK(restarted->protocol_name == "roundrobin");
  CHECK(restarted->member_id != ids[1]);
}

TEST_CASE("a static member restarting during CompletingRebalance restarts the join; its old SyncGroup is fenced",
          "[group][static]") {
  Harness h;
  auto ids = h.form_with({join_request("a"), static_request("consumer-1", "b"), join_request("c")});
  auto old_sync = h.sync(ids[1], 1, {}, std::string("consumer-1"));
  auto c_sync = h.sync(ids[2], 1);
  auto restarted = h.join(static_request("consumer-1", "b"));
  REQUIRE(old_sync.count() == 1);
  CHECK(old_sync->error == ErrorCode::fenced_instance_id);
  REQUIRE(c_sync.count() == 1);
  CHECK(c_sync->error == ErrorCode::rebalance_in_progress);
  CHECK_FALSE(restarted.answered());
  CHECK(h.group.state() == GroupState::preparing_rebalance);
  h.join(rejoin_request(ids[0], "a"));
  h.join(rejoin_request(ids[2], "c"));
  REQUIRE(restarted.count() == 1);
  CHECK(restarted->generation == 2);
  CHECK(restarted->leader == ids[0]);
}

TEST_CASE("a static member restarting during PreparingRebalance fences its parked JoinGroup", "[group][static]") {
  Harness h;
  auto ids = h.form_stable_with({join_request("a"), static_request("consumer-1", "b"), join_request("c")});
  h.join(rejoin_request(ids[0], "a"));  // the leader rejoins: rebalance
  REQUIRE(h.group.state() == GroupState::preparing_rebalance);
  auto parked = h.join(static_request("consumer-1", "b", ids[1]));
  CHECK_FALSE(parked.answered());
  auto restarted = h.join(static_request("consumer-1", "b"));
  REQUIRE(parked.count() == 1);
  CHECK(parked->error == ErrorCode::fenced_instance_id);
  CHECK(parked->member_id == ids[1]);
  CHECK_FALSE(restarted.answered());
  CHECK(h.group.members().size() == 3);
  h.join(rejoin_request(ids[2], "c"));
  REQUIRE(restarted.count() == 1);
  CHECK(restarted->error == ErrorCode::none);
  CHECK(restarted->generation == 2);
  CHECK(restarted->member_id != ids[1]);
  CHECK(restarted->member_id.starts_with("consumer-1-"));
  CHECK(parked.count() == 1);
}

TEST_CASE("static members that do not rejoin stay in the group until their session expires", "[group][static]") {
  // Kafka's completeClassicGroupJoin removes only dynamic members that did not rejoin.
  Harness h;
  JoinRequest s = static_request("consumer-1", "s");
  s.session_timeout_ms = 60000;
  auto ids = h.form_stable_with({join_request("a"), s});
  auto c = h.join(join_request("c"));
  auto a = h.join(rejoin_request(ids[0], "a"));
  h.advance(kRebalance);
  REQUIRE(a.count() == 1);
  CHECK(a->generation == 2);
  const std::string c_id = c->member_id;
  CHECK(listed(*a) == std::vector<ListedMember>{{ids[0], std::nullopt, bytes("range/a")},
                                                 {ids[1], "consumer-1", bytes("range/s")},
                                                 {c_id, std::nullopt, bytes("range/c")}});
  CHECK(member_ids(h.group) == std::vector<std::string>{ids[0], ids[1], c_id});
  CHECK(h.group.state() == GroupState::completing_rebalance);
  h.sync(ids[0], 2, {{ids[0], bytes("p0")}, {ids[1], bytes("p1")}, {c_id, bytes("p2")}});
  h.sync(c_id, 2);
  REQUIRE(h.group.state() == GroupState::stable);
  // s comes back in time and learns the new generation.
  auto back = h.join(static_request("consumer-1", "s", ids[1]));
  CHECK(back->generation == 2);
  CHECK(h.sync(ids[1], 2, {}, std::string("consumer-1"))->assignment == bytes("p1"));
}

TEST_CASE("a static member that neither rejoins nor syncs is removed at the new generation's sync deadline",
          "[group][static]") {
  // Kafka counts every member of the new generation as a pending sync member.
  Harness h;
  JoinRequest s = static_request("consumer-1", "s");
  s.session_timeout_ms = 60000;
  auto ids = h.form_stable_with({join_request("a"), s});
  auto c = h.join(join_request("c"));
  h.join(rejoin_request(ids[0], "a"));
  h.advance(kRebalance);  // generation 2 without s rejoining
  REQUIRE(h.group.generation() == 2);
  const int64_t joined = h.now;
  h.sync(ids[0], 2, {});
  h.sync(c->member_id, 2);
  while (h.now + 5000 < joined + kRebalance) {
    h.advance(5000);
    CHECK(h.heartbeat(ids[0], 2) == ErrorCode::none);
    CHECK(h.heartbeat(c->member_id, 2) == ErrorCode::none);
    CHECK(h.group.members().size() == 3);
  }
  h.advance(joined + kRebalance - h.now);
  CHECK(member_ids(h.group) == std::vector<std::string>{ids[0], c->member_id});
  CHECK(h.group.state() == GroupState::preparing_rebalance);
}

TEST_CASE("when only static members that did not rejoin remain, the join phase waits for them", "[group][static]") {
  // Kafka postpones the join phase by the rebalance timeout rather than
  // completing a generation without a joined member.
  Harness h;
  JoinRequest s = static_request("consumer-1", "s");
  s.session_timeout_ms = 90000;
  auto ids = h.form_stable_with({join_request("a"), s});
  REQUIRE(h.leave(ids[0]) == ErrorCode::none);
  const int64_t started = h.now;
  const int64_t s_deadline = started + 90000;  // s synced at `started`
  h.advance(kRebalance);
  CHECK(h.group.state() == GroupState::preparing_rebalance);
  CHECK(h.group.generation() == 1);
  CHECK(member_ids(h.group) == std::vector<std::string>{ids[1]});
  CHECK(h.group.next_deadline_ms() == started + 2 * kRebalance);
  SECTION("it rejoins") {
    auto back = h.join(static_request("consumer-1", "s", ids[1]));
    REQUIRE(back.count() == 1);
    CHECK(back->generation == 2);
    CHECK(back->leader == ids[1]);
  }
  SECTION("it never comes back") {
    h.advance(kRebalance);  // the postponed deadline: still nobody
    CHECK(h.group.state() == GroupState::preparing_rebalance);
    CHECK(h.group.generation() == 1);
    h.advance(s_deadline - h.now);
    CHECK(h.group.state() == GroupState::empty);
    CHECK(h.group.generation() == 2);
    CHECK(h.group.members().empty());
  }
}

TEST_CASE("a known static member with another member id is fenced", "[group][static]") {
  Harness h;
  auto ids = h.form_stable_with({static_request("consumer-1", "a")});
  const std::optional<std::string> instance = "consumer-1";
  CHECK(h.join(static_request("consumer-1", "a", "impostor"))->error == ErrorCode::fenced_instance_id);
  CHECK(h.sync("impostor", 1, {}, instance)->error == ErrorCode::fenced_instance_id);
  CHECK(h.heartbeat("impostor", 1, instance) == ErrorCode::fenced_instance_id);
  CHECK(h.group.validate_offset_commit("impostor", instance, 1) == ErrorCode::fenced_instance_id);
  CHECK(h.heartbeat(ids[0], 1, instance) == ErrorCode::none);
  CHECK(h.group.state() == GroupState::stable);
}

// --- OffsetCommit ---------------------------------------------------------------------

TEST_CASE("OffsetCommit validation follows the group's state", "[group][commit]") {
  Harness h;
  // Empty: generation -1 is a simple (assign()) consumer or an admin tool.
  CHECK(h.group.validate_offset_commit("", std::nullopt, -1) == ErrorCode::none);
  CHECK(h.group.validate_offset_commit("x", std::nullopt, -1) == ErrorCode::none);
  // A generation means a member, and an Empty group has none.
  CHECK(h.group.validate_offset_commit("x", std::nullopt, 0) == ErrorCode::unknown_member_id);
  CHECK(h.group.validate_offset_commit("", std::nullopt, 3) == ErrorCode::unknown_member_id);

  auto ids = h.form({"a", "b"});
  CHECK(h.group.validate_offset_commit(ids[0], std::nullopt, 1) == ErrorCode::rebalance_in_progress);
  CHECK(h.group.validate_offset_commit(ids[0], std::nullopt, 0) == ErrorCode::illegal_generation);
  CHECK(h.group.validate_offset_commit("x", std::nullopt, 1) == ErrorCode::unknown_member_id);
  h.stabilize(ids);
  CHECK(h.group.validate_offset_commit(ids[1], std::nullopt, 1) == ErrorCode::none);
  CHECK(h.group.validate_offset_commit(ids[1], std::nullopt, 2) == ErrorCode::illegal_generation);
  CHECK(h.group.validate_offset_commit(ids[1], std::nullopt, -1) == ErrorCode::illegal_generation);
  CHECK(h.group.validate_offset_commit("", std::nullopt, -1) == ErrorCode::unknown_member_id);
  CHECK(h.group.validate_offset_commit("x", std::nullopt, 1) == ErrorCode::unknown_member_id);
  // PreparingRebalance: the generation being replaced may still commit.
  h.join(join_request("c"));
  REQUIRE(h.group.state() == GroupState::preparing_rebalance);
  CHECK(h.group.validate_offset_commit(ids[1], std::nullopt, 1) == ErrorCode::none);
  CHECK(h.group.validate_offset_commit(ids[1], std::nullopt, 2) == ErrorCode::illegal_generation);
  h.group.mark_dead();
  CHECK(h.group.validate_offset_commit(ids[1], std::nullopt, 1) == ErrorCode::coordinator_not_available);
  CHECK(h.group.validate_offset_commit("", std::nullopt, -1) == ErrorCode::coordinator_not_available);
}

// --- Metadata changes, deadlines, Dead, restore -------------------------------------------

TEST_CASE("take_metadata_change reports each change the coordinator persists once", "[group]") {
  Harness h;
  CHECK_FALSE(h.group.take_metadata_change());
  auto ids = h.form({"a", "b"});
  CHECK_FALSE(h.group.take_metadata_change());  // CompletingRebalance stores nothing
  h.sync(ids[1], 1);
  CHECK_FALSE(h.group.take_metadata_change());
  h.sync(ids[0], 1, {{ids[0], bytes("p0")}});
  CHECK(h.group.take_metadata_change());
  CHECK_FALSE(h.group.take_metadata_change());
  h.join(rejoin_request(ids[1], "b"));  // a follower's unchanged rejoin
  CHECK_FALSE(h.group.take_metadata_change());
  h.leave(ids[1]);
  CHECK_FALSE(h.group.take_metadata_change());  // PreparingRebalance
  h.leave(ids[0]);
  CHECK(h.group.state() == GroupState::empty);
  CHECK(h.group.take_metadata_change());
  CHECK_FALSE(h.group.take_metadata_change());
}

TEST_CASE("next_deadline_ms names the earliest time poll() has work", "[group]") {
  Harness h;
  CHECK(h.group.next_deadline_ms() == std::nullopt);
  auto pending = h.join(v4_join_request("a"));
  CHECK(h.group.next_deadline_ms() == h.now + kSession);
  h.now += 100;
  h.join(rejoin_request(pending->member_id, "a"));
  CHECK(h.group.next_deadline_ms() == h.now + kInitialDelay);  // the joiner's own session does not count
  h.advance(kInitialDelay);
  // CompletingRebalance: the session (from the join's end) before the sync deadline.
  CHECK(h.group.next_deadline_ms() == h.now + kSession);
  h.now += 1000;
  REQUIRE(h.heartbeat(pending->member_id, 1) == ErrorCode::none);
  CHECK(h.group.next_deadline_ms() == h.now + kSession);
  // Polling early does nothing.
  h.advance(kSession - 1);
  CHECK(h.group.members().size() == 1);
  h.group.mark_dead();
  CHECK(h.group.next_deadline_ms() == std::nullopt);
}

TEST_CASE("a Dead group answers everything with COORDINATOR_NOT_AVAILABLE", "[group]") {
  Harness h;
  auto ids = h.form({"a", "b"});
  auto parked_sync = h.sync(ids[1], 1);
  auto parked_join = h.join(join_request("c"));  // restarts the join: b's sync fails first
  REQUIRE(parked_sync->error == ErrorCode::rebalance_in_progress);
  const std::string c_id = h.group.members().back().member_id;
  h.group.mark_dead();
  REQUIRE(parked_join.count() == 1);
  CHECK(parked_join->error == ErrorCode::coordinator_not_available);
  CHECK(parked_join->member_id == c_id);
  CHECK(h.group.state() == GroupState::dead);
  CHECK(h.group.members().empty());
  CHECK(h.group.pending_member_count() == 0);
  CHECK(h.join(join_request("d"))->error == ErrorCode::coordinator_not_available);
  CHECK(h.join(rejoin_request(ids[0], "a"))->error == ErrorCode::coordinator_not_available);
  CHECK(h.sync(ids[0], 1)->error == ErrorCode::coordinator_not_available);
  CHECK(h.heartbeat(ids[0], 1) == ErrorCode::coordinator_not_available);
  CHECK(h.leave(ids[0]) == ErrorCode::coordinator_not_available);
  h.advance(kRebalance);
  CHECK(h.group.state() == GroupState::dead);
}

TEST_CASE("mark_dead answers parked SyncGroups", "[group]") {
  Harness h;
  auto ids = h.form({"a", "b"});
  auto parked = h.sync(ids[1], 1);
  h.group.mark_dead();
  REQUIRE(parked.count() == 1);
  CHECK(parked->error == ErrorCode::coordinator_not_available);
}

TEST_CASE("a restored group with members is Stable, with sessions starting at the restore", "[group][restore]") {
  std::vector<Member> members(2);
  members[0].member_id = "a-1";
  members[0].client_id = "a";
  members[0].session_timeout_ms = kSession;
  members[0].rebalance_timeout_ms = kRebalance;
  members[0].protocols = eager_protocols("a");
  members[0].assignment = bytes("p0");
  members[1].member_id = "b-1";
  members[1].group_instance_id = "consumer-b";
  members[1].client_id = "b";
  members[1].session_timeout_ms = 2 * kSession;
  members[1].rebalance_timeout_ms = kRebalance;
  members[1].protocols = eager_protocols("b");
  members[1].assignment = bytes("p1");
  Harness h;
  h.group = ClassicGroup::restore("orders", {}, "consumer", 7, "range", "a-1", members, h.now);
  CHECK(h.group.group_id() == "orders");
  CHECK(h.group.state() == GroupState::stable);
  CHECK(h.group.generation() == 7);
  CHECK(h.group.protocol_type() == "consumer");
  CHECK(h.group.protocol_name() == "range");
  CHECK(h.group.leader() == "a-1");
  CHECK(h.group.state_changed_ms() == h.now);
  CHECK_FALSE(h.group.take_metadata_change());
  CHECK(h.group.next_deadline_ms() == h.now + kSession);
  CHECK(h.heartbeat("a-1", 7) == ErrorCode::none);
  CHECK(h.sync("b-1", 7, {}, std::string("consumer-b"))->assignment == bytes("p1"));
  auto b = h.join(rejoin_request("b-1", "b"));  // unchanged follower: no rebalance
  CHECK(b->generation == 7);
  CHECK(b->leader == "a-1");
  CHECK(h.group.state() == GroupState::stable);
  CHECK(h.group.validate_offset_commit("a-1", std::nullopt, 7) == ErrorCode::none);
  h.advance(kSession);  // a heartbeat at the restore time only
  CHECK(member_ids(h.group) == std::vector<std::string>{"b-1"});
  CHECK(h.group.state() == GroupState::preparing_rebalance);
}

TEST_CASE("a restored group without members is Empty and keeps its generation", "[group][restore]") {
  Harness h;
  h.group = ClassicGroup::restore("orders", {}, "consumer", 4, "range", "a-1", {}, h.now);
  CHECK(h.group.state() == GroupState::empty);
  CHECK(h.group.generation() == 4);
  CHECK(h.group.protocol_name() == std::nullopt);
  CHECK(h.group.leader() == std::nullopt);
  CHECK(h.group.next_deadline_ms() == std::nullopt);
  CHECK(h.group.validate_offset_commit("", std::nullopt, -1) == ErrorCode::none);
  auto a = h.join(join_request("a"));
  CHECK(h.group.next_deadline_ms() == h.now + kInitialDelay);
  h.finish_join_phase();
  REQUIRE(a.count() == 1);
  CHECK(a->generation == 5);
}

TEST_CASE("states have Kafka's names", "[group]") {
  CHECK(state_name(GroupState::empty) == "Empty");
  CHECK(state_name(GroupState::preparing_rebalance) == "PreparingRebalance");
  CHECK(state_name(GroupState::completing_rebalance) == "CompletingRebalance");
  CHECK(state_name(GroupState::stable) == "Stable");
  CHECK(state_name(GroupState::dead) == "Dead");
}
