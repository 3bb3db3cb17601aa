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
  for (size_t e = 0; e < f.python.environments.size(); ++e) {
    const auto& env = f.python.environments[e];
    if (env.probe.status != ProbeStatus::ok) environment_unchecked(env, out);
    for (size_t i = 0; i < env.frameworks.size(); ++i) {
      const auto& fw = env.frameworks[i];
      const size_t first = out.size();
      Checker(f, env, fw, k, out).run();
      FrameworkVerdict v;
      v.interpreter = env.interpreter;
      v.python_version = env.version.value_or("");
      v.framework = fw.framework;
      v.distribution = fw.distribution;
      v.version = fw.version;
      v.scope = fmt::format("{} in {}", fw.framework, env.interpreter);
      v.environment = e;
      v.index = i;
      // The framework's own links come after the machine's in the chain.
      std::stable_sort(out.begin() + static_cast<long>(first), out.end(),
                       [](const Finding& a, const Finding& b) {
                         return static_cast<int>(a.link) < static_cast<int>(b.link);
                       });
      std::string own_error;
      for (size_t i = first; i < out.size(); ++i) {
        if (out[i].severity == Severity::error) {
          own_error = out[i].id;
          break;
        }
      }
      if (!machine.gpu_usable) {
        v.root_cause = machine.root_cause;
      } else if (!own_error.empty()) {
        v.root_cause = own_error;
      }
      v.gpu = machine.gpu_usable && own_error.empty() && fw.flavor != BuildFlavor::unknown;
      if (machine.gpu_usable && own_error.empty() && fw.flavor == BuildFlavor::unknown) {
        v.unknown = true;
        v.root_cause = "framework.build_unknown";
      }
      verdicts.push_back(std::move(v));
    }
  }
  return verdicts;
}

}  // namespace ongpu
