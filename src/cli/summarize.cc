// `ongpu summarize`: many nodes' `ongpu doctor --json` documents, from files
// or standard input (srun's output, labelled or not), as one table of nodes
// grouped by cause (docs/fleet-summarize.md).
#include "render/summarize.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "cli/commands.h"
#include "cli/options.h"
#include "render/render.h"
#include "summarize/fleet.h"
#include "sys/stream.h"
#include "util/strings.h"

namespace ongpu::cli {
namespace {

// EX_NOINPUT (sysexits.h): there was nothing to summarize.
constexpr int kExitNoInput = 66;

// The table's width: $COLUMNS, else the terminal's, else 80.
int output_width() {
  if (const char* c = std::getenv("COLUMNS")) {
    if (auto n = parse_number<int>(c); n && *n >= 40) return std::min(*n, 1000);
  }
  if (const int cols = sys::terminal_columns(1); cols >= 40) return cols;
  return 80;
}

void read_input(const std::string& path, summarize::FleetCollector& fleet) {
  const bool is_stdin = path == "-";
  const std::string name = is_stdin ? "stdin" : path;
  int fd = 0;
  if (!is_stdin) {
    auto opened = sys::open_for_reading(path);
    if (!opened) {
      fleet.add_unreadable(
          {summarize::UnreadableKind::cannot_read, "", name, 0, false, opened.error()});
      return;
    }
    fd = *opened;
  }
  summarize::InputReader reader;
  std::vector<summarize::InputPiece> pieces;
  const auto take = [&] {
    for (auto& p : pieces) fleet.add_piece(name, reader.labelled().value_or(false), std::move(p));
    pieces.clear();
  };
  auto read = sys::read_chunks(fd, [&](std::string_view chunk) {
    reader.feed(chunk, pieces);
    take();
  });
  reader.finish(pieces);
  take();
  if (!read) {
    fleet.add_unreadable({summarize::UnreadableKind::cannot_read, "", name, reader.bytes(), false,
                          fmt::format("{} (after {} bytes)", read.error(), reader.bytes())});
  }
  if (!is_stdin) sys::close_stream(fd);
}

}  // namespace

int run_summarize(std::vector<std::string> args) {
  CLI::App app{
      "Summarize many nodes' `ongpu doctor --json` documents: one table of the nodes grouped by "
      "root cause, with the fix.",
      "ongpu summarize"};
  std::vector<std::string> files;
  bool as_json = false;
  bool verbose = false;
  app.add_option("files", files,
                 "files of doctor documents (one or several each, pretty or JSON lines, or srun -l "
                 "output); - or none: standard input")
      ->type_name("FILE");
  app.add_flag("--json", as_json, "print one JSON document (docs/schema/summarize-1.schema.json)");
  app.add_flag("-v,--verbose", verbose, "list every node, wording and unreadable input");
  app.footer(
      "Example: srun -l -N 64 ongpu doctor --json --no-python | ongpu summarize\n"
      "         (-l, --label: without it srun mixes the nodes' documents; "
      "docs/fleet-summarize.md)\n"
      "Exit codes: 0 every node's GPU usable, 1 some with warnings or an input unreadable, 2 a "
      "node's\n"
      "GPU not usable (or no node readable), 64 usage error, 66 no input at all, 70 internal "
      "error.");
  if (auto rc = parse_arguments(app, std::move(args))) return *rc;
  if (files.empty()) files.emplace_back("-");
  if (std::find(files.begin(), files.end(), "-") != files.end() && sys::is_terminal(0)) {
    std::cerr << "ongpu summarize: reads `ongpu doctor --json` documents from files or standard "
                 "input, and standard input is a terminal.\n"
                 "Example: srun -l -N 64 ongpu doctor --json --no-python | ongpu summarize\n";
    return kExitUsage;
  }
  summarize::FleetCollector fleet;
  for (const auto& f : files) read_input(f, fleet);
  if (fleet.empty()) {
    std::cerr << "ongpu summarize: no documents: "
              << (files.size() == 1 ? (files[0] == "-" ? std::string("standard input was empty")
                                                       : one_line(files[0]) + " is empty")
                                    : std::string("every input was empty"))
              << ". Give it the output of `ongpu doctor --json` from each node.\n";
    return kExitNoInput;
  }
  const auto summary = fleet.finish();
  if (as_json) {
    std::cout << render_summary_json(summary).dump(2, ' ', false, json::error_handler_t::replace)
              << "\n";
  } else {
    std::cout << render_summary_text(summary, {want_color(1), verbose, output_width()});
  }
  return summary.exit_code;
}

}  // namespace ongpu::cli
