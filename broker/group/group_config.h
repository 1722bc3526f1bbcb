#pragma once
// Broker settings that shape group membership (Kafka's keys in comments).

#include <cstdint>

namespace runnel::broker::group {

struct GroupConfig {
  int32_t min_session_timeout_ms = 6000;      // group.min.session.timeout.ms
  int32_t max_session_timeout_ms = 1800000;   // group.max.session.timeout.ms
  int32_t initial_rebalance_delay_ms = 3000;  // group.initial.rebalance.delay.ms
  int32_t max_size = 0x7fffffff;              // group.max.size
};

}  // namespace runnel::broker::group
