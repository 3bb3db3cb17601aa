// `ongpu doctor`: collect the facts, judge them, render the report.
#include <iostream>

#include "cli/commands.h"
#include "cli/metrics_out.h"
#include "cli/options.h"
#include "knowledge/knowledge.h"
#include "render/prometheus.h"
#include "render/render.h"
#include "rules/report.h"

namespace ongpu::cli {

int run_doctor(std::vector<std::string> args) {
  CLI::App app{"Walk the chain from the PCI device to a CUDA context and say what is broken.",
               "ongpu doctor"};
  FactOptions o;
  add_fact_options(app, o);
  const MetricsOut metrics(app, "doctor");
  app.footer(
      "Exit codes: 0 a GPU is usable (by every framework found), 1 usable with warnings or by only "
      "some\n"
      "frameworks, 2 not usable (by any framework found), 64 usage error, 70 internal error.");
  if (auto rc = parse_arguments(app, std::move(args))) return *rc;
  const knowledge::LoadOnce tables(o.knowledge_dir);
  auto facts = obtain_facts(o, &tables);
  if (!facts) {
    std::cerr << "ongpu doctor: " << facts.error() << "\n";
    return o.facts_from.empty() && o.python_answer.empty() ? kExitInternal : kExitUsage;
  }
  const auto& k = tables.get();
  if (!k) {
    std::cerr << "ongpu doctor: " << k.error() << "\n";
    return kExitUsage;
  }
  Report report = build_report(std::move(facts).value(), *k);
  if (metrics.wanted()) metrics.write(render_doctor_prometheus(report, metrics.run()));
  if (o.json) {
    std::cout << render_doctor_json(report).dump(2, ' ', false, json::error_handler_t::replace)
              << "\n";
  } else {
    std::cout << render_doctor_text(report, {want_color(1), o.verbose});
  }
  return report.verdict.exit_code;
}

}  // namespace ongpu::cli
