// Rules on each GPU's state as NVML reports it.
#include <fmt/format.h>
#include <unistd.h>

#include "rules/catalog.h"
#include "rules/rules.h"

namespace ongpu {

void gpu_state_rules(const FactSet& f, std::vector<Finding>& out) {
  if (f.nvml.probe.status != ProbeStatus::ok) return;
  for (const auto& g : f.nvml.gpus) {
    const std::string base = fmt::format("nvml.gpus[{}]", g.index);
    // Every finding here names the GPU by its index and name.
    auto gpu_finding = [&](FindingId id) {
      auto x = make_finding(id);
      x.args.set("index", g.index);
      if (g.name) x.args.set("name", *g.name);
      return x;
    };
    if (g.compute_mode && *g.compute_mode == ComputeMode::prohibited) {
      auto x = gpu_finding("gpu.compute_prohibited");
      x.evidence.push_back({base + ".compute_mode", "prohibited"});
      out.push_back(x);
    }
    if (g.compute_mode && *g.compute_mode == ComputeMode::exclusive_process) {
      auto procs = g.compute_processes.value_or({});
      // ongpu's own CUDA probes create contexts while NVML looks: not another user.
      std::erase_if(procs, [&](const GpuProcess& p) {
        return (f.cuda.probe.pid != 0 && static_cast<int>(p.pid) == f.cuda.probe.pid) ||
               (f.cuda_all.probe.pid != 0 && static_cast<int>(p.pid) == f.cuda_all.probe.pid);
      });
      if (!procs.empty()) {
        std::vector<std::string> pids;
        for (const auto& p : procs) pids.push_back(std::to_string(p.pid));
        auto x = gpu_finding("gpu.exclusive_process_busy");
        x.args.set("pids", pids);
        x.evidence.push_back({base + ".compute_mode", "exclusive_process"});
        x.evidence.push_back({base + ".compute_processes", x.args.get("pids")});
        out.push_back(x);
      }
    }
    if (g.mig_enabled.value_or(false) && g.mig_device_uuids && g.mig_device_uuids->empty()) {
      auto x = gpu_finding("gpu.mig_no_instance");
      x.evidence.push_back({base + ".mig_enabled", "true"});
      x.evidence.push_back({base + ".mig_device_uuids", "[]"});
      out.push_back(x);
    }
    if (g.retired_pages_pending.value_or(false)) {
      auto x = gpu_finding("gpu.retired_pages_pending");
      x.evidence.push_back({base + ".retired_pages_pending", "true"});
      out.push_back(x);
    }
    if (g.row_remap_failed.value_or(false)) {
      auto x = gpu_finding("gpu.row_remap_failed");
      x.evidence.push_back({base + ".row_remap_failed", "true"});
      out.push_back(x);
    } else if (g.row_remap_pending.value_or(false)) {
      auto x = gpu_finding("gpu.row_remap_pending");
      x.evidence.push_back({base + ".row_remap_pending", "true"});
      out.push_back(x);
    }
  }
}

}  // namespace ongpu
