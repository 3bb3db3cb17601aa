// The table of subcommands. Each returns the process exit code; only main()
// exits.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ongpu::cli {

// The exit-code contract (README, `ongpu help`).
inline constexpr int kExitOk = 0;
inline constexpr int kExitWarnings = 1;
inline constexpr int kExitNotUsable = 2;
inline constexpr int kExitUsage = 64;     // EX_USAGE (sysexits.h)
inline constexpr int kExitInternal = 70;  // EX_SOFTWARE

struct Command {
  std::string_view name;
  std::string_view summary;
  int (*run)(std::vector<std::string> args);  // args after the command name
  bool hidden = false;
};

// A file the user asked for (--save-facts) could not be written: the command
// still prints its report, and main() then exits kExitInternal.
void note_output_failure();
bool output_failed();

std::span<const Command> commands();
const Command* find_command(std::string_view name);
// The closest command name within a small edit distance, or "" (did you mean).
std::string suggest_command(std::string_view typed);

int run_doctor(std::vector<std::string> args);
int run_verify(std::vector<std::string> args);
int run_run(std::vector<std::string> args);
int run_report(std::vector<std::string> args);
int run_visible(std::vector<std::string> args);
int run_compat(std::vector<std::string> args);
int run_summarize(std::vector<std::string> args);
int run_help(std::vector<std::string> args);
int run_version(std::vector<std::string> args);
int run_probe(std::vector<std::string> args);

std::string usage_text();

}  // namespace ongpu::cli
