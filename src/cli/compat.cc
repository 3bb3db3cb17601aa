// `ongpu compat`: what a framework version needs (CUDA, cuDNN, driver,
// Python, GPU architectures), or what a driver allows, from the knowledge
// tables (docs/knowledge.md), each line with its source.
#include "knowledge/compat.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>

#include "cli/commands.h"
#include "cli/options.h"
#include "knowledge/knowledge.h"
#include "render/render.h"

namespace ongpu::cli {

using knowledge::CompatAnswer;

int run_compat(std::vector<std::string> args) {
  CLI::App app{
      "What a framework version needs (CUDA, cuDNN, driver, Python, GPU architectures),\n"
      "or the newest CUDA and framework builds a driver allows; every line cites its source.",
      "ongpu compat"};
  std::string spec;
  std::string driver;
  std::string knowledge_dir;
  bool json = false;
  app.add_option("spec", spec, "FRAMEWORK==VERSION: tensorflow==2.15.0, torch==2.3.0, jax==0.4.30")
      ->type_name("SPEC");
  app.add_option("--driver", driver, "an NVIDIA driver version, e.g. 470.82.01")
      ->type_name("VERSION");
  app.add_option("--knowledge", knowledge_dir,
                 "read the tables from DIR/*.csv where present (docs/knowledge.md)")
      ->type_name("DIR");
  app.add_flag("--json", json, "print one JSON document (docs/knowledge.md)");
  app.footer("Exit codes: 0 answered, 64 usage error or not in the tables, 70 internal error.");
  if (auto rc = parse_arguments(app, std::move(args))) return *rc;
  if (spec.empty() == driver.empty()) {
    std::cerr << "ongpu compat: give either FRAMEWORK==VERSION or --driver VERSION\n"
              << "Run 'ongpu compat --help' for the options.\n";
    return kExitUsage;
  }
  auto k = knowledge::Knowledge::load(knowledge_dir);
  if (!k) {
    std::cerr << "ongpu compat: " << k.error() << "\n";
    return knowledge_dir.empty() ? kExitInternal : kExitUsage;
  }
  Result<CompatAnswer> answer = make_error("");
  if (!driver.empty()) {
    answer = knowledge::driver_compat(*k, driver);
  } else {
    auto parsed = knowledge::parse_framework_spec(spec);
    answer = parsed ? knowledge::framework_compat(*k, *parsed)
                    : Result<CompatAnswer>(Error{parsed.error()});
  }
  if (!answer) {
    std::cerr << "ongpu compat: " << answer.error() << "\n";
    return kExitUsage;
  }
  if (json) {
    std::cout << render_compat_json(*answer, *k).dump(2, ' ', false, json::error_handler_t::replace)
              << "\n";
  } else {
    std::cout << render_compat_text(*answer);
  }
  return kExitOk;
}

}  // namespace ongpu::cli
