#include "cli/commands.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <iostream>

namespace ongpu::cli {
namespace {

constexpr std::array kCommands = std::to_array<Command>({
    {"doctor", "walk the chain from PCI device to CUDA context and say what is broken", run_doctor},
    {"verify", "prove it: run each framework on the GPU and the CPU, in your own interpreter",
     run_verify},
    {"run", "run a command and prove it used the GPU, or stop it early when it does not", run_run},
    {"report", "one markdown document for a GitHub issue or a support ticket", run_report},
    {"visible",
     "which GPUs a CUDA process will see under CUDA_VISIBLE_DEVICES, in nvidia-smi's numbering",
     run_visible},
    {"compat",
     "what a framework version needs (CUDA, cuDNN, driver, Python), or what a driver allows",
     run_compat},
    {"summarize", "many nodes' doctor --json documents as one table: nodes grouped by root cause",
     run_summarize},
    {"help", "show this help", run_help},
    {"version", "print ongpu's version", run_version},
    {"__probe", "internal: run one vendor probe in this process", run_probe, true},
});

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] =
          std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::span<const Command> commands() { return kCommands; }

namespace {
bool g_output_failed = false;
}  // namespace

void note_output_failure() { g_output_failed = true; }
bool output_failed() { return g_output_failed; }

const Command* find_command(std::string_view name) {
  for (const auto& c : kCommands) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::string suggest_command(std::string_view typed) {
  std::string best;
  size_t best_d = 3;  // at most two edits away
  for (const auto& c : kCommands) {
    if (c.hidden) continue;
    size_t d = edit_distance(typed, c.name);
    if (d < best_d ||
        (typed.size() >= 3 && c.name.substr(0, typed.size()) == typed && best.empty())) {
      best_d = std::min(d, best_d);
      best = std::string(c.name);
    }
  }
  return best;
}

std::string usage_text() {
  std::string out =
      "ongpu — make sure your machine-learning code runs on the GPU.\n\n"
      "Usage: ongpu <command> [options]\n\nCommands:\n";
  for (const auto& c : kCommands) {
    if (!c.hidden) out += fmt::format("  {:<9} {}\n", c.name, c.summary);
  }
  out +=
      "\nRun 'ongpu <command> --help' for a command's options.\n\n"
      "Exit codes:\n"
      "  0   a GPU is usable by CUDA and by every framework found, no warnings\n"
      "  1   a GPU is usable, with warnings, or some framework found cannot use it\n"
      "  2   no GPU is usable, or no framework found can use it\n"
      "  64  usage error\n"
      "  70  internal error\n";
  return out;
}

int run_help(std::vector<std::string> args) {
  if (!args.empty()) {
    if (const Command* c = find_command(args[0]); c && !c->hidden) return c->run({"--help"});
  }
  std::cout << usage_text();
  return kExitOk;
}

int run_version(std::vector<std::string>) {
  std::cout << "ongpu " << ONGPU_VERSION << "\n";
  return kExitOk;
}

}  // namespace ongpu::cli
