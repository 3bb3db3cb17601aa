// `ongpu verify`: the doctor's prediction, then the proof — each framework
// imported in the user's own interpreter, asked for its devices, made to
// multiply matrices on the GPU and on the CPU (src/verify/).
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <iostream>

#include "cli/commands.h"
#include "cli/options.h"
#include "knowledge/knowledge.h"
#include "render/render.h"
#include "rules/report.h"
#include "sys/process.h"
#include "verify/live.h"
#include "verify/verify_rules.h"

namespace ongpu::cli {
namespace {

struct VerifyOptions {
  std::vector<Framework> frameworks;
  int size = 0;
  double timeout_s = 120;
};

// Which framework to check in which interpreter: every framework the doctor
// found, or those named; a named framework found nowhere is still tried in
// the first interpreter, so that its import error is shown.
std::vector<verify::LiveRequest> plan(const FactSet& facts, const VerifyOptions& v) {
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

int run_verify(std::vector<std::string> args) {
  CLI::App app{
      "Prove it: import each framework in your interpreter, list its devices, and multiply "
      "matrices on the "
      "GPU and on the CPU.",
      "ongpu verify"};
  FactOptions o;
  VerifyOptions v;
  std::vector<std::string> framework_names;
  app.add_option("--framework", framework_names, "check only this framework (repeatable)")
      ->type_name("NAME")
      ->check(CLI::IsMember(std::vector<std::string>(EnumNames<Framework>::names.begin(),
                                                     EnumNames<Framework>::names.end())))
      ->take_all();
  app.add_option("--python", o.python,
                 "check the frameworks of this Python interpreter (repeatable)")
      ->type_name("PATH")
      ->take_all();
  app.add_option("--size", v.size,
                 "matrix size (default 4096 when the framework sees a GPU, 1000 when it does not)")
      ->check(CLI::Range(16, 16384));
  app.add_option("--timeout", v.timeout_s, "deadline in seconds for each framework's check")
      ->check(CLI::Range(1.0, 86400.0))
      ->capture_default_str();
  app.add_flag("--json", o.json, "print one JSON document (docs/verify.md)");
  app.add_flag("-v,--verbose", o.verbose, "show the evidence and each check's details");
  app.add_option("--knowledge", o.knowledge_dir, "read newer knowledge tables (*.csv) from DIR")
      ->type_name("DIR")
      ->check(CLI::ExistingDirectory);
  app.footer(
      "Exit codes: 0 every framework checked computed on the GPU, 1 some did or with warnings,\n"
      "2 none did, 64 usage error, 70 internal error.");
  if (auto rc = parse_arguments(app, std::move(args))) return *rc;
  for (const auto& name : framework_names) {
    if (auto f = enum_from_name<Framework>(name)) v.frameworks.push_back(*f);  // checked above
  }
  // Named interpreters are the ones to verify in: no others are looked for.
  o.discover_python = o.python.empty();
  // --timeout is the deadline of every check, the interpreter's own query
  // included (a venv on a slow file system takes longer than the doctor's 10 s).
  if (app.count("--timeout") > 0) o.timeout_s = v.timeout_s;
  const knowledge::LoadOnce tables(o.knowledge_dir);
  auto facts = obtain_facts(o, &tables);
  if (!facts) {
    std::cerr << "ongpu verify: " << facts.error() << "\n";
    return kExitInternal;
  }
  const auto& k = tables.get();
  if (!k) {
    std::cerr << "ongpu verify: " << k.error() << "\n";
    return kExitUsage;
  }
  for (const auto& env : facts->python.environments) {
    if (env.source == "--python" && env.probe.status != ProbeStatus::ok) {
      std::cerr << "ongpu verify: --python " << env.interpreter << ": cannot run it ("
                << (env.probe.stderr_tail.empty() ? enum_string(env.probe.status)
                                                  : env.probe.stderr_tail)
                << ")\n";
      return kExitUsage;
    }
  }
  auto requests = plan(*facts, v);
  if (facts->python.environments.empty()) {
    std::cerr << "ongpu verify: no Python interpreter found (none on PATH, no virtualenv or conda "
                 "env active); "
                 "name one with --python PATH\n";
  }
  Report doctor = build_report(std::move(facts).value(), *k);

  const double seconds = std::isfinite(v.timeout_s) ? std::clamp(v.timeout_s, 1.0, 86400.0) : 120.0;
  const auto deadline = std::chrono::milliseconds(static_cast<long>(seconds * 1000));
  ProgressLine progress(::isatty(2) == 1);
  std::vector<verify::LiveRun> runs;
  for (const auto& r : requests) {
    // One framework at a time: the timings must not compete for the CPU.
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
  auto report = verify::build_verify_report(std::move(doctor), std::move(runs));
  if (o.json) {
    std::cout << render_verify_json(report).dump(2, ' ', false, json::error_handler_t::replace)
              << "\n";
  } else {
    std::cout << render_verify_text(report, {want_color(1), o.verbose});
  }
  return report.verdict.exit_code;
}

}  // namespace ongpu::cli
