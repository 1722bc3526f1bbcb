// runnel: the command-line tool. Each subcommand lives in its own file and
// registers itself here. The global options (tools/kafka_client.h) may come
// before or after the subcommand.

#include <CLI/CLI.hpp>

#include <iostream>
#include <string>

#include "tools/cluster_command.h"
#include "tools/consume_command.h"
#include "tools/dump_log.h"
#include "tools/group_command.h"
#include "tools/kafka_client.h"
#include "tools/produce_command.h"
#include "tools/replay_command.h"
#include "tools/topic_command.h"

namespace {

// "topic create" for `runnel topic create ...`: the subcommands that ran.
std::string command_path(const CLI::App& app) {
  std::string path;
  for (const CLI::App* sub = &app;;) {
    auto subs = sub->get_subcommands();
    if (subs.empty()) break;
    sub = subs.front();
    path += (path.empty() ? "" : " ") + sub->get_name();
  }
  return path;
}

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  CLI::App app{"runnel: tools for the Runnel log broker", "runnel"};
  app.require_subcommand(1);
  app.fallthrough();
  app.failure_message(CLI::FailureMessage::help);
  app.footer(
      "Example:\n"
      "  runnel --brokers 127.0.0.1:9092 topic create orders --partitions 3\n"
      "  runnel dump-log --print-data-log /var/lib/runnel/orders-0/00000000000000000000.log");
  auto client = runnel::tools::add_client_options(app);
  runnel::tools::add_dump_log_command(app);
  runnel::tools::add_topic_command(app, client);
  runnel::tools::add_produce_command(app, client);
  runnel::tools::add_consume_command(app, client);
  runnel::tools::add_replay_command(app, client);
  runnel::tools::add_cluster_command(app, client);
  runnel::tools::add_group_command(app, client);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const runnel::tools::ToolError& e) {
    std::cout.flush();
    std::cerr << "runnel " << command_path(app) << ": " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
