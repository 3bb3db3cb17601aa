// Rules for each framework in each Python environment: its build, the CUDA
// wheels it pins, and whether the driver and GPU can run what it was built
// for. The driver stack's verdict (rules.cc) is carried into every framework.
#include "rules/framework_rules.h"

#include <fmt/format.h>

#include <algorithm>

#include "knowledge/version.h"
#include "python/metadata.h"
#include "python/wheel.h"
#include "rules/catalog.h"
#include "rules/framework_checker.h"
#include "rules/visible.h"
#include "util/strings.h"

namespace ongpu {

using framework_check::Checker;
using framework_check::pretty;

// An interpreter whose query did not answer: its frameworks are unknown,
// which is never the same as "none installed".
void environment_unchecked(const PythonEnv& env, std::vector<Finding>& out) {
  const auto& p = env.probe;
  Finding x = make_finding("framework.environment_unchecked");
  x.scope = "python in " + env.interpreter;
  x.args.set("interpreter", env.interpreter).set("status", enum_string(p.status));
  // What the probe left to say why: the first line it wrote, and by status
  // its deadline, signal or exit status.
  std::string first_line = p.stderr_tail.substr(0, p.stderr_tail.find('\n'));
  if (!first_line.empty()) x.args.set("stderr", first_line);
  if (p.status == ProbeStatus::timed_out) x.args.set("deadline_ms", p.deadline_ms);
  if (p.status == ProbeStatus::crashed) x.args.set("signal", p.signal);
  if (p.status == ProbeStatus::exited) x.args.set("exit_code", p.exit_code);
  x.evidence.push_back({"python.environments[].probe.status", enum_string(p.status)});
  out.push_back(std::move(x));
}

std::vector<FrameworkVerdict> framework_rules(const FactSet& f, const Verdict& machine,
                                              const knowledge::Knowledge& k,
                                              std::vector<Finding>& out) {
  std::vector<FrameworkVerdict> verdicts;
  for (const auto& env : f.python.environments) {
    if (env.probe.status != ProbeStatus::ok) environment_unchecked(env, out);
    for (const auto& fw : env.frameworks) {
      const size_t first = out.size();
      Checker(f, env, fw, k, out).run();
      FrameworkVerdict v;
      v.interpreter = env.interpreter;
      v.python_version = env.version.value_or("");
      v.framework = fw.framework;
      v.distribution = fw.distribution;
      v.version = fw.version;
      v.scope = fmt::format("{} in {}", fw.framework, env.interpreter);
      // The framework's own links come after the machine's in the chain.
      std::stable_sort(out.begin() + static_cast<long>(first), out.end(),
                       [](const Finding& a, const Finding& b) {
                         return static_cast<int>(a.link) < static_cast<int>(b.link);
                       });
      std::string own_error;
      for (size_t i = first; i < out.size(); ++i) {
        if (out[i].severity == Severity::error) {
          own_error = out[i].id;
          if (v.summary.empty()) v.summary = out[i].summary;
          break;
        }
      }
      if (!machine.gpu_usable) {
        v.root_cause = machine.root_cause;
        v.summary = machine.summary;
      } else if (!own_error.empty()) {
        v.root_cause = own_error;
      }
      v.gpu = machine.gpu_usable && own_error.empty() && fw.flavor != BuildFlavor::unknown;
      if (machine.gpu_usable && own_error.empty() && fw.flavor == BuildFlavor::unknown) {
        v.unknown = true;
        v.root_cause = "framework.build_unknown";
        for (size_t i = first; i < out.size(); ++i) {
          if (out[i].id == v.root_cause) v.summary = out[i].summary;
        }
      }
      v.details.push_back(fmt::format("build: {}{}{}{}", fw.flavor,
                                      fw.cuda_version ? ", CUDA " + *fw.cuda_version : "",
                                      fw.cudnn_version ? ", cuDNN " + *fw.cudnn_version : "",
                                      fw.package_dir.empty() ? "" : ", in " + fw.package_dir));
      if (fw.gpu_targets && !fw.gpu_targets->empty()) {
        std::string list;
        for (const auto& t : *fw.gpu_targets) list += (list.empty() ? "" : " ") + t;
        v.details.push_back("GPU code: " + list);
      }
      for (const auto& l : fw.libraries) {
        if (l.outcome == LibraryOutcome::found) {
          v.details.push_back(
              fmt::format("{} → {} ({}{})", l.soname, l.real_path.value_or("?"), l.found_by,
                          l.reported_version ? ", reports " + *l.reported_version : ""));
        } else {
          v.details.push_back(
              fmt::format("{}: {}", l.soname,
                          l.outcome == LibraryOutcome::not_found ? "not found" : l.path.reason));
        }
        for (const auto& c : l.other_copies) v.details.push_back("  also " + c.to_text());
      }
      if (v.gpu) v.summary = fmt::format("{} {} can use the GPU", pretty(fw.framework), fw.version);
      verdicts.push_back(std::move(v));
    }
  }
  return verdicts;
}

}  // namespace ongpu
