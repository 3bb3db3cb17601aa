// ongpu: dispatch to a subcommand from the table in cli/commands.cc.
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "sys/child_guard.h"

int main(int argc, char** argv) {
  using namespace ongpu::cli;
  // Nothing ongpu starts outlives it, on a signal either (child_guard.h).
  ongpu::sys::install_child_guard();
  std::vector<std::string> args(argv + 1, argv + argc);
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
    std::cerr << "ongpu: '" << name << "' is not a command.";
    if (!hint.empty()) std::cerr << " Did you mean '" << hint << "'?";
    std::cerr << "\nRun 'ongpu help' for the list of commands.\n";
    return kExitUsage;
  }
  try {
    return cmd->run(std::vector<std::string>(args.begin() + 1, args.end()));
  } catch (const std::exception& e) {
    std::cerr << "ongpu: internal error: " << e.what() << "\n";
    return kExitInternal;
  } catch (...) {
    std::cerr << "ongpu: internal error\n";
    return kExitInternal;
  }
}
