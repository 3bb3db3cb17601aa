#include "rules/report.h"

#include <algorithm>

#include "rules/catalog.h"
#include "rules/framework_rules.h"
#include "rules/rules.h"

namespace ongpu {

Report build_report(FactSet facts, const knowledge::Knowledge& k) {
  Report r;
  r.findings = evaluate(facts);
  r.machine = decide(facts, r.findings);
  r.verdict = r.machine;
  for (Link l : kAllLinks) {
    LinkStatus s{l, LinkState::ok};
    for (const auto& f : r.findings) {
      if (f.link != l) continue;
      if (f.severity == Severity::error)
        s.status = LinkState::error;
      else if (f.severity == Severity::warning && s.status == LinkState::ok)
        s.status = LinkState::warning;
    }
    r.links.push_back(s);
  }
  // When nothing works, a link after the root cause that found no problem of
  // its own was not really exercised: show it as skipped rather than as fine.
  if (!r.verdict.gpu_usable && !r.verdict.root_cause.empty()) {
    Link root = Link::hardware;
    for (const auto& f : r.findings) {
      if (f.id == r.verdict.root_cause) root = f.link;
    }
    for (auto& s : r.links) {
      if (static_cast<int>(s.link) > static_cast<int>(root) && s.status == LinkState::ok &&
          s.link != Link::environment) {
        s.status = LinkState::skipped;
      }
    }
  }
  r.frameworks = framework_rules(facts, r.machine, k, r.findings);
  // The exit code speaks for the frameworks too: all of them on the CPU is
  // "not usable", some of them is a warning.
  if (!r.frameworks.empty() && r.verdict.gpu_usable) {
    size_t on_gpu = std::count_if(r.frameworks.begin(), r.frameworks.end(),
                                  [](const auto& v) { return v.gpu; });
    const size_t unknown = std::count_if(r.frameworks.begin(), r.frameworks.end(),
                                         [](const auto& v) { return v.unknown; });
    bool framework_warnings = std::any_of(
        r.findings.begin(), r.findings.end(),
        [](const Finding& f) { return !f.scope.empty() && f.severity == Severity::warning; });
    if (on_gpu == 0 && unknown < r.frameworks.size()) {
      r.verdict.status = VerdictStatus::not_usable;
      r.verdict.exit_code = 2;
      // The first framework known to be on the CPU speaks for them.
      const auto& cpu = *std::find_if(r.frameworks.begin(), r.frameworks.end(),
                                      [](const auto& v) { return !v.unknown; });
      r.verdict.root_cause = cpu.root_cause;
      r.verdict.no_framework_on_gpu = true;
    } else if ((on_gpu < r.frameworks.size() || framework_warnings) && r.verdict.exit_code == 0) {
      r.verdict.status = VerdictStatus::warnings;
      r.verdict.exit_code = 1;
      r.verdict.frameworks_on_gpu = static_cast<int>(on_gpu);
    }
    r.verdict.frameworks = static_cast<int>(r.frameworks.size());
  }
  // An interpreter that could not be checked leaves its frameworks unknown:
  // never a clean bill of health.
  const auto unchecked = std::count_if(r.findings.begin(), r.findings.end(), [](const Finding& f) {
    return is(f, "framework.environment_unchecked");
  });
  if (unchecked > 0 && r.verdict.exit_code == 0) {
    r.verdict.status = VerdictStatus::warnings;
    r.verdict.exit_code = 1;
    r.verdict.environments_unchecked = static_cast<int>(unchecked);
  }
  r.facts = std::move(facts);
  return r;
}

}  // namespace ongpu
