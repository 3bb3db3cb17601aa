// `ongpu visible`: which GPUs a CUDA process will see, in which order.
#include "rules/visible.h"

#include <iostream>

#include "cli/commands.h"
#include "cli/options.h"
#include "render/render.h"

namespace ongpu::cli {

int run_visible(std::vector<std::string> args) {
  CLI::App app{
      "Which GPUs a CUDA process will see under CUDA_VISIBLE_DEVICES and CUDA_DEVICE_ORDER,\n"
      "numbered as nvidia-smi numbers them.",
      "ongpu visible"};
  FactOptions o;
  o.python_environments = false;  // visibility is the driver's business alone
  add_fact_options(app, o);
  if (auto rc = parse_arguments(app, std::move(args))) return *rc;
  auto facts = obtain_facts(o);
  if (!facts) {
    std::cerr << "ongpu visible: " << facts.error() << "\n";
    return o.facts_from.empty() ? kExitInternal : kExitUsage;
  }
  auto r = resolve_visible(*facts);
  if (o.json) {
    std::cout << render_visible_json(r, *facts).dump(2, ' ', false, json::error_handler_t::replace)
              << "\n";
  } else {
    std::cout << render_visible_text(r, *facts, {want_color(1), o.verbose});
  }
  return r.visible.empty() ? kExitNotUsable : kExitOk;
}

}  // namespace ongpu::cli
