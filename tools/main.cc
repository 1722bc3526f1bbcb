// runnel: the command-line tool. Each subcommand lives in its own file and
// registers itself here.

#include <CLI/CLI.hpp>

#include <iostream>

#include "tools/dump_log.h"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  CLI::App app{"runnel: tools for the Runnel log broker", "runnel"};
  app.require_subcommand(1);
  app.failure_message(CLI::FailureMessage::help);
  app.footer("Example:\n  runnel dump-log --print-data-log /var/lib/runnel/orders-0/00000000000000000000.log");
  runnel::tools::add_dump_log_command(app);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
