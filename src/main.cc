// ongpu: dispatch to a subcommand from the table in cli/commands.cc.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <iostream>
#include <new>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "sys/child_guard.h"
#include "util/strings.h"

namespace {

// Out of memory anywhere (a destructor included, where a throw would end in
// std::terminate): say so, end the children, exit 70. Nothing here allocates.
void out_of_memory() {
  static const char msg[] = "ongpu: out of memory; stopping (exit 70)\n";
  const ssize_t w = ::write(2, msg, sizeof msg - 1);
  (void)w;
  ongpu::sys::end_all_descendants(300);
  ::_exit(ongpu::cli::kExitInternal);
}

// The report is the product: one that cannot be written (a full disk,
// /dev/full, a closed stdout) is a failure, not a silent success. (A pipe
// whose reader left, `| head`, ends ongpu by SIGPIPE, as it ends any tool.)
int finish_output(int code) {
  errno = 0;
  std::cout.flush();
  if (std::cout.fail()) {
    const int err = errno;
    std::cerr << "ongpu: cannot write the report to standard output"
              << (err ? std::string(": ") + std::strerror(err) : std::string()) << "\n";
    return ongpu::cli::kExitInternal;
  }
  return ongpu::cli::output_failed() ? ongpu::cli::kExitInternal : code;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ongpu::cli;
  std::set_new_handler(out_of_memory);
  std::vector<std::string> args(argv + 1, argv + argc);
  // Nothing ongpu starts outlives it, on a signal either (child_guard.h). Not
  // in its own probes: the deadline's SIGTERM must end them as it always did.
  if (args.empty() || args[0] != "__probe") ongpu::sys::install_child_guard();
  if (args.empty()) {
    std::cerr << usage_text();
    return kExitUsage;
  }
  std::string name = args[0];
  if (name == "--help" || name == "-h") name = "help";
  if (name == "--version" || name == "-V") name = "version";
  const Command* cmd = find_command(name);
  if (!cmd) {
    std::string hint = suggest_command(name);
    std::cerr << "ongpu: '" << ongpu::one_line(name) << "' is not a command.";
    if (!hint.empty()) std::cerr << " Did you mean '" << hint << "'?";
    std::cerr << "\nRun 'ongpu help' for the list of commands.\n";
    return kExitUsage;
  }
  try {
    return finish_output(cmd->run(std::vector<std::string>(args.begin() + 1, args.end())));
  } catch (const std::exception& e) {
    std::cerr << "ongpu: internal error: " << e.what() << "\n";
    return kExitInternal;
  } catch (...) {
    std::cerr << "ongpu: internal error\n";
    return kExitInternal;
  }
}
