#pragma once
// Broker: runneld assembled. The constructor opens the log dirs (checking
// meta.properties) and the metadata store; run() serves until SIGTERM or
// SIGINT, then shuts down cleanly: stop accepting, close connections, finish
// fsyncs, flush every log, write checkpoints and the clean-shutdown marker.

#include <memory>

#include "broker/config.h"

namespace runnel::broker {

class Broker {
 public:
  // Throws std::runtime_error (one-line message) when it cannot start.
  explicit Broker(BrokerConfig config);
  ~Broker();
  // Blocks until a stop signal; returns the process exit code.
  int run();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace runnel::broker
