// Rules on the environment: which GPUs CUDA_VISIBLE_DEVICES leaves visible,
// CUDA's numbering against nvidia-smi's, and debugging variables.
#include <fmt/format.h>

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
  // Each finding shows the variable's value and why CUDA stopped reading it.
  auto cvd_finding = [&](FindingId id) {
    auto x = make_finding(id);
    x.args.set("value", r.value)
        .set("stop", enum_string(r.stop))
        .set("stop_entry", r.stop_entry)
        .set("gpus", r.gpus)
        .set("matches", r.stop_matches);
    x.evidence.push_back({"env.cuda_visible_devices", r.value});
    return x;
  };
  if (r.visible.empty()) {
    out.push_back(cvd_finding("env.cvd_hides_all"));
    return;
  }
  if (r.stop_position) {
    using Stop = VisibleResolution::Stop;
    const bool unknown =
        r.stop == Stop::no_such_index || r.stop == Stop::no_such_gpu || r.stop == Stop::no_such_mig;
    if (unknown) out.push_back(cvd_finding("env.cvd_unknown_gpu"));
    if (!r.ignored_entries.empty() || !unknown) {
      auto x = cvd_finding("env.cvd_ends_early");
      std::vector<std::string> kept;
      for (const auto& v : r.visible) kept.push_back(v.entry);
      x.args.set("ignored", r.ignored_entries).set("kept", kept);
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
  // The GPUs numbered differently: CUDA's ordinal and nvidia-smi's index, pairwise.
  std::vector<std::string> cuda_ordinals, nvml_indices;
  for (size_t i = 0; i < order.size(); ++i) {
    if (order[i].nvml_index >= 0 && order[i].nvml_index != static_cast<int>(i)) {
      cuda_ordinals.push_back(std::to_string(i));
      nvml_indices.push_back(std::to_string(order[i].nvml_index));
    }
  }
  if (cuda_ordinals.empty()) return;
  auto x = make_finding("env.device_order_differs");
  x.args.set("cuda_ordinals", cuda_ordinals).set("nvml_indices", nvml_indices);
  x.evidence.push_back(
      {"env.cuda_device_order", f.env.cuda_device_order.value_or("unset (FASTEST_FIRST)")});
  out.push_back(x);
}

void other_env_rules(const FactSet& f, std::vector<Finding>& out) {
  for (const auto& [name, value] : f.env.debug_variables) {
    auto x = make_finding("env.debug_variables");
    x.args.set("name", name).set("value", value);
    x.evidence.push_back({"env.debug_variables." + name, value});
    out.push_back(x);
  }
  // The variable only means something to a container runtime, so only inside a container.
  if (f.env.nvidia_visible_devices && !f.host.container.empty()) {
    auto v = to_lower(trim(*f.env.nvidia_visible_devices));
    // NVIDIA Container Toolkit: "void" or empty/unset means no GPU is injected, "none" only the
    // driver.
    if (v == "void" || v == "none" || v.empty()) {
      auto x = make_finding("env.nvidia_visible_devices_void");
      x.args.set("value", *f.env.nvidia_visible_devices);
      x.evidence.push_back({"env.nvidia_visible_devices", *f.env.nvidia_visible_devices});
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
