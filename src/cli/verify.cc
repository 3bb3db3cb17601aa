// `ongpu verify`: the doctor's prediction, then the proof — each framework
// imported in the user's own interpreter, asked for its devices, made to
// multiply matrices on the GPU and on the CPU (src/verify/).
#include <iostream>

#include "cli/commands.h"
#include "cli/live_checks.h"
#include "cli/metrics_out.h"
#include "cli/options.h"
#include "knowledge/knowledge.h"
#include "render/prometheus.h"
#include "render/render.h"
#include "rules/report.h"
#include "verify/verify_rules.h"

namespace ongpu::cli {

int run_verify(std::vector<std::string> args) {
  CLI::App app{
      "Prove it: import each framework in your interpreter, list its devices, and multiply "
      "matrices on the "
      "GPU and on the CPU.",
      "ongpu verify"};
  FactOptions o;
  LiveCheckOptions v;
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
  const MetricsOut metrics(app, "verify");
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
  auto requests = plan_live_checks(*facts, v);
  if (facts->python.environments.empty()) {
    std::cerr << "ongpu verify: no Python interpreter found (none on PATH, no virtualenv or conda "
                 "env active); "
                 "name one with --python PATH\n";
  }
  Report doctor = build_report(std::move(facts).value(), *k);

  auto runs = run_live_checks(requests, v.timeout_s);
  auto report = verify::build_verify_report(std::move(doctor), std::move(runs));
  if (metrics.wanted()) metrics.write(render_verify_prometheus(report, metrics.run()));
  if (o.json) {
    std::cout << render_verify_json(report).dump(2, ' ', false, json::error_handler_t::replace)
              << "\n";
  } else {
    std::cout << render_verify_text(report, {want_color(1), o.verbose});
  }
  return report.verdict.exit_code;
}

}  // namespace ongpu::cli
