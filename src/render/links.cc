#include "render/links.h"

#include <fmt/format.h>

#include <cctype>

#include "rules/visible.h"
#include "vendor/cuda_abi.h"
#include "vendor/nvml_abi.h"

namespace ongpu {
namespace {

std::string cuda_version(int v) { return fmt::format("{}.{}", v / 1000, (v % 1000) / 10); }

std::string gib(uint64_t bytes) {
  return fmt::format("{:.1f} GiB", static_cast<double>(bytes) / (1ull << 30));
}

// How the probe child ended, and whether it could load the vendor library at
// all: a probe that ran to its end without libnvidia-ml.so.1 is no "ok".
std::string probe_detail(const char* name, const ProbeRun& r, const LoadedLibrary& lib,
                         const char* soname) {
  std::string out = fmt::format("{} probe: {} in {:.1f} ms{}", name, r.status, r.duration_ms,
                                r.last_stage.empty() ? "" : ", last call " + r.last_stage);
  if (r.status == ProbeStatus::ok && !lib.loaded) {
    out = fmt::format("{} probe: ran in {:.1f} ms, but could not load {}{}", name, r.duration_ms,
                      soname, lib.load_error.empty() ? "" : ": " + lib.load_error);
  }
  return out;
}

// What CUDA_VISIBLE_DEVICES would do where no GPU is known to apply it to:
// whether it leaves any GPU at all (an empty value, or a first entry that is
// no index or UUID, hides them all; so does a negative index).
std::string visible_without_gpus(const std::string& value) {
  const auto entries = parse_visible_devices(value);
  const bool hides_all =
      entries.empty() || entries.front().kind == VisibleEntry::Kind::invalid ||
      (entries.front().kind == VisibleEntry::Kind::index && entries.front().index < 0);
  return fmt::format("CUDA_VISIBLE_DEVICES=\"{}\": no GPU is known here; it would {}", value,
                     hides_all ? "hide every GPU" : "keep only the GPUs it names");
}

}  // namespace

LinkWords link_words(Link link, const FactSet& f) {
  LinkWords s;
  switch (link) {
    case Link::hardware: {
      auto devs = f.pci.nvidia_devices.value_or({});
      if (!f.pci.nvidia_devices)
        s.headline = "unknown: " + f.pci.nvidia_devices.reason;
      else if (devs.empty() && f.host.wsl)
        s.headline = "WSL2: the GPU is reached through /dev/dxg";
      else if (devs.empty() &&
               (f.nvml.device_count.value_or(0) > 0 || f.cuda.device_count.value_or(0) > 0))
        s.headline =
            "none listed in /sys/bus/pci, but the driver reports GPUs (a container or VM that "
            "hides PCI)";
      else if (devs.empty())
        s.headline = "no NVIDIA GPU on the PCI bus";
      else
        s.headline = fmt::format("{} NVIDIA GPU{}", devs.size(), devs.size() == 1 ? "" : "s");
      for (const auto& d : devs)
        s.details.push_back(fmt::format("{} 10de:{:04x} class {:06x}, driver {}", d.bus_id,
                                        d.device_id, d.class_code,
                                        d.driver.empty() ? "none" : d.driver));
      break;
    }
    case Link::kernel_module: {
      const auto& k = f.kernel_module;
      if (f.host.wsl && !k.nvidia_loaded) {
        s.headline = "WSL2: the Windows driver serves the GPU";
      } else if (k.nvidia_loaded) {
        s.headline = fmt::format(
            "nvidia {}{}, nvidia_uvm {}", k.version.value_or("(version unknown)"),
            k.flavor ? " (" + *k.flavor + ")" : "", k.nvidia_uvm_loaded ? "loaded" : "not loaded");
      } else {
        s.headline = "nvidia not loaded";
      }
      if (k.version_text) s.details.push_back(*k.version_text);
      s.details.push_back(fmt::format("nouveau {}, vfio_pci {}, Secure Boot {}",
                                      k.nouveau_loaded ? "loaded" : "not loaded",
                                      k.vfio_pci_loaded ? "loaded" : "not loaded",
                                      k.secure_boot ? (*k.secure_boot ? "on" : "off") : "unknown"));
      break;
    }
    case Link::device_nodes: {
      int gpu_nodes = 0, usable = 0, present = 0;
      for (const auto& n : f.device_nodes.nodes) {
        if (n.exists) ++present;
        if (n.exists && n.readable && n.writable) ++usable;
        if (n.exists && n.path.size() > 11 && std::isdigit(static_cast<unsigned char>(n.path[11])))
          ++gpu_nodes;
        s.details.push_back(n.exists ? fmt::format("{} mode {:04o} uid {} gid {}{}: {}{}", n.path,
                                                   n.mode, n.uid, n.gid,
                                                   n.group.empty() ? "" : " (" + n.group + ")",
                                                   n.readable ? "r" : "-", n.writable ? "w" : "-")
                                     : n.path + ": missing");
      }
      if (f.host.wsl)
        s.headline = "WSL2: the GPU is reached through /dev/dxg";
      else if (present == 0)
        s.headline = "no /dev/nvidia* nodes";
      else
        s.headline =
            fmt::format("{} GPU node{} and {} control node{}; {} of {} usable by this user",
                        gpu_nodes, gpu_nodes == 1 ? "" : "s", present - gpu_nodes,
                        present - gpu_nodes == 1 ? "" : "s", usable, present);
      break;
    }
    case Link::userspace_driver: {
      const auto& c = f.cuda.library;
      const auto& n = f.nvml.library;
      s.headline =
          c.loaded ? fmt::format("libcuda.so.1 → {}", c.real_path.value_or(c.path.value_or("?")))
                   : "libcuda.so.1 not found";
      s.details.push_back(
          c.loaded ? fmt::format("libcuda.so.1: {} (version {})", c.path.value_or("?"),
                                 c.version.value_or("unknown"))
                   : "libcuda.so.1: " + (c.load_error.empty() ? c.path.reason : c.load_error));
      s.details.push_back(
          n.loaded ? fmt::format("libnvidia-ml.so.1: {} (version {})", n.path.value_or("?"),
                                 n.version.value_or("unknown"))
                   : "libnvidia-ml.so.1: " + (n.load_error.empty() ? n.path.reason : n.load_error));
      break;
    }
    case Link::nvml: {
      const auto& n = f.nvml;
      if (n.init && n.init->code == nvml::kSuccess) {
        s.headline = fmt::format(
            "driver {}, supports CUDA up to {}, {} GPU{}", n.driver_version.value_or("?"),
            n.cuda_driver_version ? cuda_version(*n.cuda_driver_version) : "?",
            n.device_count.value_or(0), n.device_count.value_or(0) == 1 ? "" : "s");
      } else if (n.init) {
        s.headline = fmt::format("nvmlInit failed: {}", n.init->name);
      } else {
        s.headline = "not available: " + n.init.reason;
      }
      for (const auto& g : n.gpus) {
        s.details.push_back(fmt::format(
            "GPU {}: {} {} {} cc {} memory {} used {} mode {}", g.index, g.name.value_or("?"),
            g.uuid.value_or("?"), g.pci_bus_id.value_or("?"), g.compute_capability.value_or("?"),
            g.memory_total_bytes ? gib(*g.memory_total_bytes) : "?",
            g.memory_used_bytes ? gib(*g.memory_used_bytes) : "?",
            g.compute_mode ? enum_string(*g.compute_mode) : "?"));
      }
      s.details.push_back(probe_detail("NVML", n.probe, n.library, "libnvidia-ml.so.1"));
      break;
    }
    case Link::cuda: {
      const auto& c = f.cuda;
      if (c.init && c.init->code == cuda::kSuccess) {
        int ok = 0;
        for (const auto& d : c.devices) ok += d.context && d.context->code == cuda::kSuccess;
        s.headline =
            fmt::format("cuInit OK, driver CUDA {}, {} device{} visible, context created on {}",
                        c.driver_version ? cuda_version(*c.driver_version) : "?",
                        c.device_count.value_or(0), c.device_count.value_or(0) == 1 ? "" : "s", ok);
      } else if (c.init) {
        s.headline = fmt::format("cuInit failed: {}", c.init->name);
      } else {
        s.headline = "not available: " + c.init.reason;
      }
      for (const auto& d : c.devices) {
        s.details.push_back(fmt::format(
            "device {}: {} {} {} cc {} context {}", d.ordinal, d.name.value_or("?"),
            d.uuid.value_or("?"), d.pci_bus_id.value_or("?"), d.compute_capability.value_or("?"),
            d.context ? d.context->name : d.context.reason));
      }
      s.details.push_back(probe_detail("CUDA", c.probe, c.library, "libcuda.so.1"));
      if (f.cuda_all.probe.status != ProbeStatus::not_run) {
        s.details.push_back(
            probe_detail("CUDA (all GPUs)", f.cuda_all.probe, f.cuda_all.library, "libcuda.so.1"));
      }
      break;
    }
    case Link::gpu_state:
      s.headline = f.nvml.gpus.empty() ? "no GPU to check" : "compute mode, MIG, memory health";
      break;
    case Link::environment: {
      auto r = resolve_visible(f);
      OrderSource source = OrderSource::pci;
      if (!f.env.cuda_visible_devices) {
        s.headline = "CUDA_VISIBLE_DEVICES unset: every GPU is visible";
      } else if (cuda_enumeration_order(f, &source).empty()) {
        s.headline = visible_without_gpus(*f.env.cuda_visible_devices);
      } else {
        std::string list;
        for (const auto& v : r.visible)
          list += (list.empty() ? "" : ", ") +
                  (v.nvml_index >= 0 ? fmt::format("GPU {}", v.nvml_index) : v.uuid);
        s.headline = fmt::format("CUDA_VISIBLE_DEVICES=\"{}\": {}", *f.env.cuda_visible_devices,
                                 list.empty() ? "no GPU visible" : "visible " + list);
      }
      s.details.push_back("CUDA_DEVICE_ORDER=" +
                          f.env.cuda_device_order.value_or("(unset: FASTEST_FIRST)"));
      s.details.push_back("LD_LIBRARY_PATH=" + f.env.ld_library_path.value_or("(unset)"));
      if (f.env.nvidia_visible_devices)
        s.details.push_back("NVIDIA_VISIBLE_DEVICES=" + *f.env.nvidia_visible_devices);
      if (!f.host.container.empty()) s.details.push_back("container: " + f.host.container);
      break;
    }
    case Link::framework:  // per framework: summarised in the framework verdicts
    case Link::cuda_libraries:
    case Link::compatibility:
    case Link::live:
      break;
  }
  return s;
}

const char* link_title(Link l) {
  switch (l) {
    case Link::hardware:
      return "NVIDIA GPU on the PCI bus";
    case Link::kernel_module:
      return "Kernel module";
    case Link::device_nodes:
      return "Device nodes";
    case Link::userspace_driver:
      return "User-space driver";
    case Link::nvml:
      return "NVML";
    case Link::cuda:
      return "CUDA driver API";
    case Link::gpu_state:
      return "GPU state";
    case Link::environment:
      return "Environment";
    case Link::framework:
      return "Framework build";
    case Link::cuda_libraries:
      return "CUDA libraries";
    case Link::compatibility:
      return "Compatibility";
    case Link::live:
      return "Live check";
  }
  return "";
}

}  // namespace ongpu
