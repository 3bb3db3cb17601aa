#include "rules/rules.h"

#include <algorithm>

#include "rules/explains.h"
#include "vendor/cuda_abi.h"

namespace ongpu {

std::vector<Finding> evaluate(const FactSet& facts) {
  std::vector<Finding> out;
  driver_stack_rules(facts, out);
  probe_rules(facts, out);
  gpu_state_rules(facts, out);
  environment_rules(facts, out);
  std::stable_sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
    return static_cast<int>(a.link) < static_cast<int>(b.link);
  });
  // A warning that explains an error is what blocks: an error itself
  // (NVIDIA_VISIBLE_DEVICES=void explains the missing device nodes).
  for (const auto& e : explanations()) {
    auto cause =
        std::find_if(out.begin(), out.end(), [&](const Finding& x) { return x.id == e.explainer; });
    if (cause == out.end() || cause->severity == Severity::error || (e.holds && !e.holds(facts)))
      continue;
    if (std::any_of(out.begin(), out.end(), [&](const Finding& x) {
          return x.id == e.explained && x.severity == Severity::error;
        })) {
      cause->severity = Severity::error;
    }
  }
  return out;
}

Verdict decide(const FactSet& facts, const std::vector<Finding>& findings) {
  Verdict v;
  int usable_devices = 0;
  if (facts.cuda.probe.status == ProbeStatus::ok && facts.cuda.init &&
      facts.cuda.init->code == cuda::kSuccess) {
    for (const auto& d : facts.cuda.devices) {
      if (d.context && d.context->code == cuda::kSuccess) ++usable_devices;
    }
  }
  v.gpu_usable = usable_devices > 0;
  bool any_problem = false;
  for (const auto& f : findings) {
    if (f.severity != Severity::info) any_problem = true;
  }
  // Only what blocks has a root cause: the finding that explains the others,
  // else the first error in chain order.
  if (!v.gpu_usable) {
    if (const auto* root = root_cause_of(facts, findings)) v.root_cause = root->id;
  }
  v.usable_gpus = usable_devices;
  const bool unchecked = v.root_cause.size() > 18 && v.root_cause.ends_with(".probe_not_started");
  if (!v.gpu_usable && unchecked) {
    // ongpu's own failure: nothing is known about the GPU, and it says so.
    v.status = VerdictStatus::unchecked;
    v.exit_code = 70;
  } else if (!v.gpu_usable) {
    v.status = VerdictStatus::not_usable;
    v.exit_code = 2;
  } else if (any_problem) {
    v.status = VerdictStatus::warnings;
    v.exit_code = 1;
  } else {
    v.status = VerdictStatus::ok;
    v.exit_code = 0;
  }
  return v;
}

}  // namespace ongpu
