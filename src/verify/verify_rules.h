// Judges the live checks: per framework, did it compute on the GPU, and if
// not, why — and does that agree with the doctor's static verdict?
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "rules/finding.h"
#include "rules/report.h"
#include "verify/live.h"

namespace ongpu::verify {

// Where the live multiplication ran: gpu; cpu; gpu_broken (on the GPU, with
// a wrong or failed result); failed (it could not be checked to the end).
enum class LiveOutcome { gpu, cpu, gpu_broken, failed };

}  // namespace ongpu::verify

template <>
struct ongpu::EnumNames<ongpu::verify::LiveOutcome> {
  static constexpr auto last = verify::LiveOutcome::failed;
  static constexpr std::array<std::string_view, 4> names{"gpu", "cpu", "gpu_broken", "failed"};
};

namespace ongpu::verify {

struct LiveVerdict {
  LiveRun run;
  std::optional<FrameworkVerdict> predicted;  // the doctor's, when it found the framework
  LiveOutcome outcome = LiveOutcome::failed;
  std::string root_cause;  // a finding id, "" when it runs on the GPU
  // What names the root cause, for render/ to word: the doctor's prediction
  // for this framework, or one finding (the machine's error, a live finding,
  // the doctor's finding that explains it); neither when there is no cause.
  bool cause_is_prediction = false;
  std::optional<Finding> cause;
  std::string scope;  // "<framework> in <interpreter>", as the doctor's findings
  std::vector<Finding> findings;
};

struct VerifyReport {
  Report doctor;  // the static prediction, for the comparison and the machine's findings
  std::vector<LiveVerdict> frameworks;
  Verdict verdict;    // render/verify_words.cc words it (verify_summary), from the fields below
  size_t on_gpu = 0;  // frameworks that computed on the GPU
  // The interpreters the doctor found, when none had a framework to check.
  std::vector<std::string> interpreters;
};

// The live findings and verdict of one run.
LiveVerdict judge_live_run(LiveRun run, const Report& doctor);

VerifyReport build_verify_report(Report doctor, std::vector<LiveRun> runs);

}  // namespace ongpu::verify
