// Rules for the driver stack below the APIs: PCI device, kernel module,
// device nodes and the user-space libraries.
#include <fmt/format.h>

#include <algorithm>

#include "rules/catalog.h"
#include "rules/rules.h"
#include "util/strings.h"
#include "vendor/cuda_abi.h"
#include "vendor/nvml_abi.h"

namespace ongpu {
namespace {

bool in_container(const FactSet& f) { return !f.host.container.empty(); }

std::string pci_label(const PciDevice& d) {
  return fmt::format("{} (10de:{:04x})", d.bus_id, d.device_id);
}

// LD_LIBRARY_PATH without one entry: the value to export instead.
std::string without_entry(const std::string& path, const std::string& entry) {
  std::string out;
  for (auto e : split(path, ':')) {
    if (e.empty() || e == entry) continue;
    if (!out.empty()) out += ':';
    out += std::string(e);
  }
  return out;
}

void pci_rules(const FactSet& f, std::vector<Finding>& out) {
  if (!f.pci.nvidia_devices) {
    auto x = make_finding("pci.unreadable");
    x.args.set("reason", f.pci.nvidia_devices.reason);
    x.evidence.push_back({"pci.nvidia_devices", "null (" + f.pci.nvidia_devices.reason + ")"});
    out.push_back(x);
    return;
  }
  const auto& devices = *f.pci.nvidia_devices;
  if (devices.empty()) {
    // WSL2 shows no PCI device for the GPU; it reaches the GPU through /dev/dxg.
    // A container may hide /sys devices while the driver still answers.
    bool driver_sees_gpu =
        f.nvml.device_count.value_or(0) > 0 || f.cuda.device_count.value_or(0) > 0;
    if (!f.host.wsl && !driver_sees_gpu) {
      auto x = make_finding("pci.no_nvidia_device");
      x.evidence.push_back({"pci.nvidia_devices", "[]"});
      out.push_back(x);
    }
    return;
  }
  for (const auto& d : devices) {
    if (d.driver.empty()) {
      auto x = make_finding("pci.no_driver_bound");
      x.args.set("gpu", pci_label(d));
      x.evidence.push_back({"pci.nvidia_devices[].driver", "none"});
      out.push_back(x);
    } else if (d.driver == "nouveau") {
      auto x = make_finding("pci.nouveau_bound");
      x.args.set("gpu", pci_label(d));
      x.evidence.push_back({"pci.nvidia_devices[].driver", "nouveau"});
      out.push_back(x);
    } else if (d.driver == "vfio-pci") {
      auto x = make_finding("pci.vfio_bound");
      x.args.set("gpu", pci_label(d)).set("bus_id", d.bus_id);
      x.evidence.push_back({"pci.nvidia_devices[].driver", "vfio-pci"});
      out.push_back(x);
    }
  }
}

void module_rules(const FactSet& f, std::vector<Finding>& out) {
  if (f.host.wsl) return;  // WSL2: the Windows driver serves the GPU; there is no nvidia module
  const auto& k = f.kernel_module;
  const auto devices = f.pci.nvidia_devices.value_or({});
  bool claimed_elsewhere = std::any_of(devices.begin(), devices.end(), [](const PciDevice& d) {
    return d.driver == "nouveau" || d.driver == "vfio-pci";
  });
  if (!k.nvidia_loaded && !devices.empty() && !claimed_elsewhere) {
    auto x = make_finding("module.not_loaded");
    x.evidence.push_back({"kernel_module.nvidia_loaded", "false"});
    if (k.secure_boot.value_or(false)) {
      x.args.flag("secure_boot");
      x.evidence.push_back({"kernel_module.secure_boot", "true"});
    }
    out.push_back(x);
  }
  if (k.nvidia_loaded && !k.nvidia_uvm_loaded) {
    auto x = make_finding("module.uvm_not_loaded");
    x.args.flag("in_container", in_container(f));
    x.evidence.push_back({"kernel_module.nvidia_uvm_loaded", "false"});
    out.push_back(x);
  }
}

void node_rules(const FactSet& f, std::vector<Finding>& out) {
  if (f.host.wsl || !f.kernel_module.nvidia_loaded) return;  // no nodes to expect
  std::vector<std::string> missing;                          // the nodes' paths
  bool any_gpu_node = false;
  const DeviceNode* uvm = nullptr;
  for (const auto& n : f.device_nodes.nodes) {
    if (n.path == "/dev/nvidia-uvm") uvm = &n;
    if (n.path == "/dev/nvidiactl" && !n.exists) missing.push_back(n.path);
    if (starts_with(n.path, "/dev/nvidia") && n.path.size() > 11 && n.path[11] >= '0' &&
        n.path[11] <= '9' && n.exists)
      any_gpu_node = true;
  }
  if (!missing.empty() || !any_gpu_node) {
    auto x = make_finding("nodes.missing");
    x.args.set("nodes", missing);
    x.args.flag("no_gpu_node", !any_gpu_node).flag("in_container", in_container(f));
    for (const auto& m : missing)
      x.evidence.push_back({"device_nodes.nodes[].exists", m + ": false"});
    if (!any_gpu_node)
      x.evidence.push_back(
          {"device_nodes.nodes[].exists", "/dev/nvidia0 (no /dev/nvidiaN at all): false"});
    out.push_back(x);
  }
  if (f.kernel_module.nvidia_uvm_loaded) {  // without the module, module.uvm_not_loaded says it
    if (uvm && !uvm->exists) {
      auto x = make_finding("nodes.uvm_missing");
      x.args.flag("in_container", in_container(f));
      x.evidence.push_back({"device_nodes.nodes[].exists", "/dev/nvidia-uvm: false"});
      out.push_back(x);
    }
  }
  // Only a node CUDA needs for a usable GPU is an error: /dev/nvidiactl,
  // /dev/nvidia-uvm, and a GPU's /dev/nvidiaN when no other GPU's node can
  // be opened. /dev/nvidia-uvm-tools serves profilers only, and a GPU node
  // locked while another one is open is how clusters hand out GPUs per job.
  auto usable = [](const DeviceNode& n) { return n.exists && n.readable && n.writable; };
  auto is_gpu_node = [](const DeviceNode& n) {
    const std::string_view name = std::string_view(n.path).substr(n.path.rfind('/') + 1);
    return name.size() > 6 && starts_with(name, "nvidia") &&
           std::all_of(name.begin() + 6, name.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  const bool some_gpu_node_open =
      std::any_of(f.device_nodes.nodes.begin(), f.device_nodes.nodes.end(),
                  [&](const DeviceNode& n) { return is_gpu_node(n) && usable(n); });
  for (const auto& n : f.device_nodes.nodes) {
    if (!n.exists || (n.readable && n.writable)) continue;
    std::string group = n.group.empty() ? std::to_string(n.gid) : n.group;
    const bool needed = n.path == "/dev/nvidiactl" || n.path == "/dev/nvidia-uvm" ||
                        (is_gpu_node(n) && !some_gpu_node_open);
    auto x = make_finding("nodes.inaccessible");
    x.args.set("path", n.path).set("user_uid", f.host.uid);
    x.args.set("mode", fmt::format("{:04o}", n.mode)).set("owner_uid", n.uid).set("group", group);
    // Which permission is missing, and why a node CUDA can do without is only a warning.
    x.args.set("lacks", !n.readable ? "read" : "write");
    if (!needed) {
      x.severity = Severity::warning;
      x.args.set("not_needed", is_gpu_node(n) ? "other_gpu_open" : "profilers_only");
    }
    x.evidence.push_back({"device_nodes.nodes[].mode", fmt::format("{}: {:04o}", n.path, n.mode)});
    out.push_back(x);
  }
}

void library_rules(const FactSet& f, std::vector<Finding>& out) {
  const auto& cuda_lib = f.cuda.library;
  const auto& nvml_lib = f.nvml.library;
  // The stub's path, and the LD_LIBRARY_PATH entry that brought it in with
  // the value to export instead.
  auto stub_args = [&](const LoadedLibrary& lib, Finding& x) {
    if (auto path = lib.real_path ? lib.real_path : lib.path) x.args.set("path", *path);
    if (lib.ld_library_path_entry) {
      std::string entry = *lib.ld_library_path_entry;
      x.evidence.push_back({"env.ld_library_path", f.env.ld_library_path.value_or("")});
      x.args.set("entry", entry);
      x.args.set("clean_ld_library_path", without_entry(f.env.ld_library_path.value_or(""), entry));
    }
  };
  // With no NVIDIA GPU at all, a missing driver library is no news.
  const bool gpu_expected = f.host.wsl || !f.pci.nvidia_devices || !f.pci.nvidia_devices->empty();
  bool probe_answered = f.cuda.probe.status == ProbeStatus::ok;
  if (gpu_expected && probe_answered && !cuda_lib.loaded) {
    auto x = make_finding("driver.libcuda_missing");
    x.evidence.push_back({"cuda.library.load_error", cuda_lib.load_error});
    // Where the libraries come from decides the fix.
    x.args.flag("wsl", f.host.wsl).flag("in_container", in_container(f));
    if (f.kernel_module.version) x.args.set("module_version", *f.kernel_module.version);
    out.push_back(x);
  }
  bool cuda_stub = cuda_lib.loaded &&
                   (cuda_lib.stub || (f.cuda.init && f.cuda.init->code == cuda::kErrorStubLibrary));
  if (cuda_stub) {
    auto x = make_finding("driver.libcuda_stub");
    x.evidence.push_back({"cuda.library.path", cuda_lib.path.value_or("")});
    if (f.cuda.init) x.evidence.push_back({"cuda.init.name", f.cuda.init->name});
    stub_args(cuda_lib, x);
    out.push_back(x);
  }
  if (gpu_expected && f.nvml.probe.status == ProbeStatus::ok && !nvml_lib.loaded) {
    auto x = make_finding("driver.libnvml_missing");
    x.evidence.push_back({"nvml.library.load_error", nvml_lib.load_error});
    out.push_back(x);
  }
  if (nvml_lib.loaded && nvml_lib.stub) {
    auto x = make_finding("driver.libnvml_stub");
    x.evidence.push_back({"nvml.library.path", nvml_lib.path.value_or("")});
    stub_args(nvml_lib, x);
    out.push_back(x);
  }
  // Version mismatch: the kernel module against each library's real file name,
  // or NVML saying so itself (NVML_ERROR_LIB_RM_VERSION_MISMATCH).
  const auto& kver = f.kernel_module.version;
  std::vector<Evidence> ev;
  if (kver && !f.host.wsl) {
    for (const auto* lib : {&cuda_lib, &nvml_lib}) {
      // A libcuda newer than the kernel module that still initialises is
      // NVIDIA's forward-compatibility package (cuda-compat), not a mismatch.
      const bool forward_compat =
          lib == &cuda_lib && f.cuda.init && f.cuda.init->code == cuda::kSuccess;
      if (lib->loaded && !lib->stub && lib->version && *lib->version != *kver && !forward_compat) {
        ev.push_back({std::string(lib == &cuda_lib ? "cuda" : "nvml") + ".library.version",
                      fmt::format("{} ({})", *lib->version, lib->real_path.value_or(""))});
      }
    }
  }
  bool nvml_says = f.nvml.init && f.nvml.init->code == nvml::kErrorLibRmVersionMismatch;
  if (!ev.empty() || nvml_says) {
    auto x = make_finding("driver.version_mismatch");
    if (kver) x.args.set("module_version", *kver);
    if (!ev.empty()) x.args.set("library_version", std::string(split(ev.front().value, ' ')[0]));
    x.evidence.push_back({"kernel_module.version", kver.value_or("unknown")});
    for (auto& e : ev) x.evidence.push_back(e);
    if (nvml_says) x.evidence.push_back({"nvml.init.name", f.nvml.init->name});
    out.push_back(x);
  }
}

}  // namespace

void driver_stack_rules(const FactSet& f, std::vector<Finding>& out) {
  pci_rules(f, out);
  module_rules(f, out);
  node_rules(f, out);
  library_rules(f, out);
}

}  // namespace ongpu
