// Rules on each GPU's state as NVML reports it.
#include <fmt/format.h>
#include <unistd.h>

#include "rules/catalog.h"
#include "rules/rules.h"

namespace ongpu {

void gpu_state_rules(const FactSet& f, std::vector<Finding>& out) {
  if (f.nvml.probe.status != ProbeStatus::ok) return;
  for (const auto& g : f.nvml.gpus) {
    const std::string label = fmt::format("GPU {} ({})", g.index, g.name.value_or("?"));
    const std::string base = fmt::format("nvml.gpus[{}]", g.index);
    if (g.compute_mode && *g.compute_mode == ComputeMode::prohibited) {
      auto x = make_finding("gpu.compute_prohibited", label + " is in compute mode Prohibited");
      x.evidence.push_back({base + ".compute_mode", "prohibited"});
      x.fix.push_back(
          fmt::format("sudo nvidia-smi -i {} -c DEFAULT   # an administrator's decision", g.index));
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
        std::string pids;
        for (const auto& p : procs) pids += (pids.empty() ? "" : ", ") + std::to_string(p.pid);
        auto x = make_finding(
            "gpu.exclusive_process_busy",
            fmt::format("{} is Exclusive_Process and already used by process {}", label, pids));
        x.evidence.push_back({base + ".compute_mode", "exclusive_process"});
        x.evidence.push_back({base + ".compute_processes", pids});
        x.fix.push_back(
            "use another GPU: export CUDA_VISIBLE_DEVICES=<a free GPU's index or UUID>");
        x.fix.push_back(fmt::format("or wait for process {} to end", pids));
        out.push_back(x);
      }
    }
    if (g.mig_enabled.value_or(false) && g.mig_device_uuids && g.mig_device_uuids->empty()) {
      auto x = make_finding("gpu.mig_no_instance", label + " has MIG enabled but no MIG instance");
      x.evidence.push_back({base + ".mig_enabled", "true"});
      x.evidence.push_back({base + ".mig_device_uuids", "[]"});
      x.fix.push_back(
          fmt::format("sudo nvidia-smi mig -i {} -lgip   # list the instance profiles", g.index));
      x.fix.push_back(
          fmt::format("sudo nvidia-smi mig -i {} -cgi <profile> -C   # or disable MIG: sudo "
                      "nvidia-smi -i {} -mig 0",
                      g.index, g.index));
      out.push_back(x);
    }
    if (g.retired_pages_pending.value_or(false)) {
      auto x = make_finding("gpu.retired_pages_pending",
                            label + " has retired memory pages pending a reset");
      x.evidence.push_back({base + ".retired_pages_pending", "true"});
      x.fix.push_back(
          fmt::format("sudo nvidia-smi -r -i {}   # when no process uses it; or reboot", g.index));
      out.push_back(x);
    }
    if (g.row_remap_failed.value_or(false)) {
      auto x = make_finding("gpu.row_remap_failed", label + " failed a memory row remap");
      x.evidence.push_back({base + ".row_remap_failed", "true"});
      x.fix.push_back("take the GPU out of service and contact the vendor (RMA)");
      out.push_back(x);
    } else if (g.row_remap_pending.value_or(false)) {
      auto x =
          make_finding("gpu.row_remap_pending", label + " has memory row remaps pending a reset");
      x.evidence.push_back({base + ".row_remap_pending", "true"});
      x.fix.push_back(
          fmt::format("sudo nvidia-smi -r -i {}   # when no process uses it; or reboot", g.index));
      out.push_back(x);
    }
  }
}

}  // namespace ongpu
