#include "cli/live_checks.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>

#include "sys/process.h"

namespace ongpu::cli {
namespace {

// "verifying tensorflow in /usr/bin/python3: import (3 s)", rewritten in place.
class ProgressLine {
 public:
  explicit ProgressLine(bool enabled) : enabled_(enabled) {}
  void show(const verify::LiveRequest& r, const std::string& stage, double seconds) {
    if (!enabled_) return;
    std::cerr << fmt::format("\r\033[Kverifying {} in {}: {} ({:.0f} s)", r.framework,
                             r.interpreter, stage.empty() ? "starting" : stage, seconds)
              << std::flush;
  }
  void clear() {
    if (enabled_) std::cerr << "\r\033[K" << std::flush;
  }

 private:
  bool enabled_;
};

}  // namespace

std::vector<verify::LiveRequest> plan_live_checks(const FactSet& facts, const LiveCheckOptions& v) {
  std::vector<verify::LiveRequest> out;
  auto wanted = [&](Framework fw) {
    return v.frameworks.empty() ||
           std::find(v.frameworks.begin(), v.frameworks.end(), fw) != v.frameworks.end();
  };
  for (const auto& env : facts.python.environments) {
    if (env.probe.status != ProbeStatus::ok) continue;
    for (const auto& fw : env.frameworks) {
      if (wanted(fw.framework))
        out.push_back({fw.framework, env.interpreter, v.size, env.version.value_or("")});
    }
  }
  for (const auto name : v.frameworks) {
    bool planned =
        std::any_of(out.begin(), out.end(), [&](const auto& r) { return r.framework == name; });
    if (!planned && !facts.python.environments.empty())
      out.push_back({name, facts.python.environments.front().interpreter, v.size,
                     facts.python.environments.front().version.value_or("")});
  }
  return out;
}

std::vector<verify::LiveRun> run_live_checks(const std::vector<verify::LiveRequest>& requests,
                                             double timeout_s) {
  const double seconds = std::isfinite(timeout_s) ? std::clamp(timeout_s, 1.0, 86400.0) : 120.0;
  const auto deadline = std::chrono::milliseconds(static_cast<long>(seconds * 1000));
  ProgressLine progress(::isatty(2) == 1);
  std::vector<verify::LiveRun> runs;
  for (const auto& r : requests) {
    const auto start = std::chrono::steady_clock::now();
    auto outcomes = sys::run_children(
        {verify::probe_spec(r)}, deadline, 4 << 20, [&](const std::vector<sys::ChildOutcome>& now) {
          progress.show(
              r, verify::last_stage(now[0].out),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        });
    outcomes[0].deadline_ms = static_cast<double>(deadline.count());
    progress.clear();
    runs.push_back(verify::read_live_run(r, outcomes[0]));
  }
  return runs;
}

}  // namespace ongpu::cli
