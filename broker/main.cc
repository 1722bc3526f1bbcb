// runneld CONFIG.properties [--override key=value]...

#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "broker/allocator_tuning.h"
#include "broker/broker.h"
#include "broker/config.h"
#include "broker/logging.h"

namespace {

constexpr const char* kUsage = "usage: runneld CONFIG.properties [--override key=value]...";

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "runneld: %s\n%s\n", message.c_str(), kUsage);
  std::exit(2);
}

// A peer that closes its connection while a Fetch answer is being written
// must cost that connection only: sendfile() cannot take MSG_NOSIGNAL, so
// SIGPIPE is ignored process-wide and the write fails with EPIPE instead.
void ignore_sigpipe() { std::signal(SIGPIPE, SIG_IGN); }

}  // namespace

int main(int argc, char** argv) {
  using namespace runnel::broker;
  tune_allocator();
  ignore_sigpipe();
  std::string config_path;
  Properties overrides;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::printf("%s\nStarts a Runnel broker. Config keys are Kafka's (see docs/configuration.md).\n"
                  "example: runneld config/server.properties --override log.dirs=/var/lib/runnel\n", kUsage);
      return 0;
    }
    if (arg == "--override") {
      if (i + 1 >= argc) usage_error("--override needs key=value");
      std::string kv = argv[++i];
      auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) usage_error("--override needs key=value, got '" + kv + "'");
      overrides[kv.substr(0, eq)] = kv.substr(eq + 1);
    } else if (!arg.empty() && arg[0] == '-') {
      usage_error("unknown option " + arg);
    } else if (config_path.empty()) {
      config_path = arg;
    } else {
      usage_error("only one config file, got '" + config_path + "' and '" + arg + "'");
    }
  }
  if (config_path.empty()) usage_error("a config file is required");

  try {
    std::string error;
    auto props = read_properties_file(config_path, &error);
    if (!props) {
      std::fprintf(stderr, "runneld: %s\n", error.c_str());
      return 1;
    }
    for (const auto& [key, value] : overrides) (*props)[key] = value;
    BrokerConfig config = make_broker_config(*props);
    if (!config.unknown_keys.empty()) {
      std::string keys;
      for (const auto& k : config.unknown_keys) keys += (keys.empty() ? "" : ", ") + k;
      log_warn("config", "ignoring unknown config keys: " + keys);
    }
    Broker broker(std::move(config));
    return broker.run();
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "runneld: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "runneld: cannot start: %s\n", e.what());
    return 1;
  }
}
