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
  std::string first_line = p.stderr_tail.substr(0, p.stderr_tail.find('\n'));
  std::string why =
      p.status == ProbeStatus::timed_out
          ? fmt::format("it did not answer within {:.0f} s", p.deadline_ms / 1000)
      : p.status == ProbeStatus::spawn_failed
          ? "it cannot be run: " + (first_line.empty() ? "no reason given" : first_line)
      : p.status == ProbeStatus::crashed ? fmt::format("it was killed by signal {}", p.signal)
      : p.status == ProbeStatus::exited
          ? fmt::format("it exited with status {}{}", p.exit_code,
                        first_line.empty() ? "" : ": " + first_line)
          : "its answer could not be read" + (first_line.empty() ? "" : ": " + first_line);
  Finding x = make_finding(
      "framework.environment_unchecked",
      fmt::format("could not check the Python environment of {}: {}", env.interpreter, why));
  x.scope = "python in " + env.interpreter;
  x.evidence.push_back({"python.environments[].probe.status", enum_string(p.status)});
  if (p.status == ProbeStatus::timed_out) {
    x.fix.push_back(shell_command(
        "ongpu doctor --python {} --timeout 60   # a slow start (a loaded machine, a network "
        "file system) needs a longer deadline",
        env.interpreter));
  } else {
    x.fix.push_back(shell_command(
        "{} -c 'import sys; print(sys.version)'   # shows why it does not run", env.interpreter));
  }
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
