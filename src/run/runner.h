// Runs the command and watches it (docs/run.md): the same environment,
// working directory and stdin/stdout; stderr passes through ongpu byte for
// byte (a pseudo-terminal when ongpu's stderr is a terminal, so that it stays
// one) while framework lines on it are recognised. Signals ongpu receives are
// forwarded, except those the terminal already sent to the command's process
// group. While it runs, the process tree is sampled from /proc and NVML is
// asked, in a child of ongpu's, which processes hold a CUDA context.
#pragma once

#include <string>
#include <vector>

#include "run/run_report.h"

namespace ongpu::run {

enum class RequireGpu { no, at_end, early };

struct RunOptions {
  std::vector<std::string> command;
  double interval_s = 1;
  RequireGpu require = RequireGpu::no;
  double grace_s = 120;      // early: how long the tree may run without a CUDA context
  double kill_after_s = 10;  // early: SIGTERM, then SIGKILL after this long
  std::string executable;    // ongpu's own, for the NVML watcher child
  bool watch_nvml = true;
};

// What was seen: every field of RunReport except the judgement (used_gpu's
// consequences, root_cause, exit_code), which run_rules.h adds.
RunReport run_and_watch(const RunOptions& o);

// The recognised lines that mean a framework fell back to the CPU (the
// moment --require-gpu=early stops the command).
bool is_fallback_message(std::string_view id);

}  // namespace ongpu::run
