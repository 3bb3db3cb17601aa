// Rules on the environment: which GPUs CUDA_VISIBLE_DEVICES leaves visible,
// CUDA's numbering against nvidia-smi's, and debugging variables.
#include <fmt/format.h>

#include "render/visible_words.h"
#include "rules/catalog.h"
#include "rules/rules.h"
#include "rules/visible.h"
#include "util/strings.h"

namespace ongpu {
namespace {

void visible_rules(const FactSet& f, std::vector<Finding>& out) {
  if (!f.env.cuda_visible_devices) return;
  OrderSource source = OrderSource::pci;
  auto order = cuda_enumeration_order(f, &source);
  if (order.empty()) return;  // no GPU known: nothing to hide or name
  auto r = resolve_visible(f.env.cuda_visible_devices, order, source);
  const std::string shown = "CUDA_VISIBLE_DEVICES=\"" + r.value + "\"";
  if (r.visible.empty()) {
    std::string why = visible_stop_words(r);
    auto x = make_finding("env.cvd_hides_all",
                          fmt::format("{} hides all {} GPUs: {}", shown, order.size(), why));
    x.evidence.push_back({"env.cuda_visible_devices", r.value});
    x.fix.push_back("unset CUDA_VISIBLE_DEVICES   # or: export CUDA_VISIBLE_DEVICES=0");
    out.push_back(x);
    return;
  }
  if (r.stop_position) {
    using Stop = VisibleResolution::Stop;
    const bool unknown =
        r.stop == Stop::no_such_index || r.stop == Stop::no_such_gpu || r.stop == Stop::no_such_mig;
    std::string ignored;
    for (const auto& e : r.ignored_entries) ignored += (ignored.empty() ? "" : ",") + e;
    if (unknown) {
      auto x =
          make_finding("env.cvd_unknown_gpu",
                       fmt::format("{} names a GPU that does not exist: {}", shown, visible_stop_words(r)));
      x.evidence.push_back({"env.cuda_visible_devices", r.value});
      x.fix.push_back("nvidia-smi -L   # the GPUs and UUIDs that exist");
      out.push_back(x);
    }
    if (!r.ignored_entries.empty() || !unknown) {
      auto x = make_finding(
          "env.cvd_ends_early",
          fmt::format("{} ends at \"{}\" ({}); ignored after it: {}", shown, r.stop_entry,
                      visible_stop_words(r), ignored.empty() ? "nothing" : ignored));
      x.evidence.push_back({"env.cuda_visible_devices", r.value});
      std::string kept;
      for (const auto& v : r.visible) kept += (kept.empty() ? "" : ",") + v.entry;
      x.fix.push_back(
          shell_command("export CUDA_VISIBLE_DEVICES={}   # the entries CUDA actually uses", kept));
      out.push_back(x);
    }
  }
}

void order_rules(const FactSet& f, std::vector<Finding>& out) {
  if (f.env.cuda_device_order && trim(*f.env.cuda_device_order) == "PCI_BUS_ID") return;
  OrderSource source = OrderSource::pci;
  auto order = cuda_enumeration_order(f, &source);
  if (source != OrderSource::cuda)
    return;  // only the driver's own enumeration can show a difference
  std::vector<std::string> diffs;
  for (size_t i = 0; i < order.size(); ++i) {
    if (order[i].nvml_index >= 0 && order[i].nvml_index != static_cast<int>(i)) {
      diffs.push_back(fmt::format("CUDA device {} is nvidia-smi GPU {}", i, order[i].nvml_index));
    }
  }
  if (diffs.empty()) return;
  std::string list;
  for (const auto& d : diffs) list += (list.empty() ? "" : "; ") + d;
  auto x = make_finding("env.device_order_differs",
                        "CUDA's numbering differs from nvidia-smi's: " + list);
  x.evidence.push_back(
      {"env.cuda_device_order", f.env.cuda_device_order.value_or("unset (FASTEST_FIRST)")});
  x.fix.push_back(
      "export CUDA_DEVICE_ORDER=PCI_BUS_ID   # CUDA then numbers GPUs as nvidia-smi does");
  out.push_back(x);
}

void other_env_rules(const FactSet& f, std::vector<Finding>& out) {
  for (const auto& [name, value] : f.env.debug_variables) {
    auto x = make_finding("env.debug_variables", fmt::format("{}={} is set", name, value));
    x.evidence.push_back({"env.debug_variables." + name, value});
    x.fix.push_back("unset " + name);
    out.push_back(x);
  }
  // The variable only means something to a container runtime, so only inside a container.
  if (f.env.nvidia_visible_devices && !f.host.container.empty()) {
    auto v = to_lower(trim(*f.env.nvidia_visible_devices));
    // NVIDIA Container Toolkit: "void" or empty/unset means no GPU is injected, "none" only the
    // driver.
    if (v == "void" || v == "none" || v.empty()) {
      auto x = make_finding(
          "env.nvidia_visible_devices_void",
          fmt::format("NVIDIA_VISIBLE_DEVICES=\"{}\": the container runtime passes no GPU in",
                      *f.env.nvidia_visible_devices));
      x.evidence.push_back({"env.nvidia_visible_devices", *f.env.nvidia_visible_devices});
      x.fix.push_back(
          "start the container with NVIDIA_VISIBLE_DEVICES=all (docker run --gpus all …)");
      out.push_back(x);
    }
  }
}

}  // namespace

void environment_rules(const FactSet& f, std::vector<Finding>& out) {
  visible_rules(f, out);
  order_rules(f, out);
  other_env_rules(f, out);
}

}  // namespace ongpu
