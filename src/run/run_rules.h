// Judges what `ongpu run` saw: whether the command used a GPU, and when it
// did not, why (the doctor's root cause for the command's interpreter, or the
// framework's own line); the CUDA libraries each process mapped against the
// doctor's prediction; ongpu's exit code.
#pragma once

#include <optional>
#include <string>

#include "rules/report.h"
#include "run/run_report.h"
#include "run/runner.h"

namespace ongpu::run {

// `ongpu run --require-gpu` when no process of the command used a GPU: not a
// code common programs exit with (0-2, 64-78 sysexits, 124-127 timeout and
// the shell, 128+N signals, 255).
inline constexpr int kExitNoGpu = 99;

// The interpreter to ask the doctor about: the first Python process of the
// tree that mapped a framework, else the first Python process; "" for none.
std::string command_interpreter(const RunReport& r);

// The framework a recognised line comes from, when its id says so.
std::optional<Framework> framework_of_message(std::string_view id);

// Fills root_cause, root_cause_scope, the library comparison and exit_code.
// `doctor`: the doctor's report for command_interpreter(r) (or the machine
// alone), when one was made.
void judge_run(RunReport& r, const Report* doctor, RequireGpu require);

}  // namespace ongpu::run
