#include "tools/dump_log.h"

#include <CLI/CLI.hpp>

#include <charconv>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "storage/file.h"
#include "tools/dump_log_files.h"

namespace runnel::tools {
namespace {

enum class FileKind { log, offset_index, time_index };

struct SegmentFile {
  FileKind kind;
  std::optional<int64_t> base_offset;  // from the 20-digit file name, if it is one
};

std::optional<SegmentFile> classify(const std::string& path) {
  const std::filesystem::path p(path);
  const std::string extension = p.extension().string();
  SegmentFile file;
  if (extension == ".log") file.kind = FileKind::log;
  else if (extension == ".index") file.kind = FileKind::offset_index;
  else if (extension == ".timeindex") file.kind = FileKind::time_index;
  else return std::nullopt;
  const std::string stem = p.stem().string();
  int64_t base = 0;
  auto [end, ec] = std::from_chars(stem.data(), stem.data() + stem.size(), base);
  if (stem.size() == 20 && ec == std::errc{} && end == stem.data() + stem.size() && base >= 0)
    file.base_offset = base;
  return file;
}

// Dumps one file; on failure returns the one-line message for stderr.
std::optional<std::string> dump_file(const std::string& path, bool print_data_log, Formatter& out) {
  auto file = classify(path);
  if (!file) return "not a segment file (expected a .log, .index or .timeindex name)";
  if (file->kind != FileKind::log && !file->base_offset)
    return "the name must be the segment's 20-digit base offset, as 00000000000000000000.index";
  auto opened = storage::FileSystem::posix().open(path, storage::OpenMode::read_only);
  if (!opened) return opened.error().message();
  const storage::File& handle = **opened;

  out.file_header(path, file->kind == FileKind::log ? file->base_offset : std::nullopt);
  Result<void> dumped;
  switch (file->kind) {
    case FileKind::log: dumped = dump_log_segment(handle, print_data_log, out); break;
    case FileKind::offset_index: dumped = dump_offset_index(handle, *file->base_offset, out); break;
    case FileKind::time_index: dumped = dump_time_index(handle, *file->base_offset, out); break;
  }
  if (!dumped) return dumped.error().message();
  return std::nullopt;
}

}  // namespace

int dump_log(const DumpLogOptions& options, std::ostream& out, std::ostream& err) {
  auto formatter = make_formatter(options.output, out);
  int status = 0;
  for (const auto& path : options.files) {
    if (auto error = dump_file(path, options.print_data_log, *formatter)) {
      out.flush();
      err << "runnel dump-log: " << path << ": " << *error << std::endl;
      status = 1;
    }
  }
  out.flush();
  return status;
}

void add_dump_log_command(CLI::App& app) {
  auto options = std::make_shared<DumpLogOptions>();
  CLI::App* command = app.add_subcommand("dump-log", "Print the batches of .log segments and the entries of indexes");
  command->add_option("FILE", options->files, "Segment files: <base>.log, <base>.index, <base>.timeindex")
      ->required();
  command->add_flag("--print-data-log", options->print_data_log, "Also print each record: key, payload, headers");
  command
      ->add_option_function<std::string>(
          "--output",
          [options](const std::string& v) { options->output = v == "json" ? OutputFormat::json : OutputFormat::text; },
          "text (as kafka-dump-log.sh prints) or json (one object per line)")
      ->check(CLI::IsMember({"text", "json"}))
      ->default_str("text");
  command->footer(
      "Example:\n"
      "  runnel dump-log --print-data-log /var/lib/runnel/orders-0/00000000000000000000.log\n"
      "  runnel dump-log --output json /var/lib/runnel/orders-0/00000000000000000000.timeindex");
  command->callback([options] {
    if (int status = dump_log(*options, std::cout, std::cerr); status != 0) throw CLI::RuntimeError(status);
  });
}

}  // namespace runnel::tools
