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
    auto x = make_finding("pci.unreadable",
                          "the PCI devices could not be listed: " + f.pci.nvidia_devices.reason);
    x.evidence.push_back({"pci.nvidia_devices", "null (" + f.pci.nvidia_devices.reason + ")"});
    x.fix.push_back(
        "ls /sys/bus/pci/devices   # must list the PCI devices; in a container, do not mask /sys");
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
      auto x = make_finding("pci.no_nvidia_device", "no NVIDIA GPU on the PCI bus");
      x.evidence.push_back({"pci.nvidia_devices", "[]"});
      // /sys is there wherever ongpu could read the bus; lspci (pciutils) often is not.
      x.fix.push_back(
          "grep -l 0x10de /sys/bus/pci/devices/*/vendor   # confirms: no output means no NVIDIA "
          "GPU");
      x.fix.push_back(
          "use a machine or instance with an NVIDIA GPU (in a VM, attach it by PCI passthrough)");
      out.push_back(x);
    }
    return;
  }
  for (const auto& d : devices) {
    if (d.driver.empty()) {
      auto x = make_finding("pci.no_driver_bound",
                            fmt::format("GPU {} has no kernel driver bound", pci_label(d)));
      x.evidence.push_back({"pci.nvidia_devices[].driver", "none"});
      x.fix.push_back(
          "install the NVIDIA driver for this kernel (e.g. sudo apt install nvidia-driver), then "
          "sudo modprobe nvidia");
      out.push_back(x);
    } else if (d.driver == "nouveau") {
      auto x = make_finding(
          "pci.nouveau_bound",
          fmt::format("GPU {} is driven by nouveau, not NVIDIA's driver", pci_label(d)));
      x.evidence.push_back({"pci.nvidia_devices[].driver", "nouveau"});
      x.fix.push_back(
          "install the NVIDIA driver (it blacklists nouveau), or: echo 'blacklist nouveau' | sudo "
          "tee /etc/modprobe.d/blacklist-nouveau.conf");
      x.fix.push_back("sudo update-initramfs -u && sudo reboot");
      out.push_back(x);
    } else if (d.driver == "vfio-pci") {
      auto x =
          make_finding("pci.vfio_bound",
                       fmt::format("GPU {} is bound to vfio-pci (reserved for a virtual machine)",
                                   pci_label(d)));
      x.evidence.push_back({"pci.nvidia_devices[].driver", "vfio-pci"});
      x.fix.push_back(
          shell_command("echo {} | sudo tee /sys/bus/pci/drivers/vfio-pci/unbind", d.bus_id));
      x.fix.push_back(
          "remove the GPU from vfio-pci.ids (kernel command line or /etc/modprobe.d), then sudo "
          "modprobe nvidia");
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
    std::string summary = "the nvidia kernel module is not loaded";
    auto x = make_finding("module.not_loaded", "");
    x.evidence.push_back({"kernel_module.nvidia_loaded", "false"});
    if (k.secure_boot.value_or(false)) {
      summary +=
          "; Secure Boot is on, which refuses a module that is not signed with an enrolled key";
      x.evidence.push_back({"kernel_module.secure_boot", "true"});
      x.fix.push_back(
          "sudo modprobe nvidia   # 'Key was rejected by service' confirms Secure Boot");
      x.fix.push_back(
          "sign the module and enrol the key (sudo mokutil --import <key>.der, reboot), use your "
          "distribution's signed driver packages, or disable Secure Boot");
    } else {
      x.fix.push_back("sudo modprobe nvidia");
      x.fix.push_back(
          "if that fails: sudo dmesg | grep -i nvidia, and reinstall the driver for the running "
          "kernel (uname -r)");
    }
    x.summary = summary;
    out.push_back(x);
  }
  if (k.nvidia_loaded && !k.nvidia_uvm_loaded) {
    auto x = make_finding("module.uvm_not_loaded", "the nvidia_uvm module is not loaded");
    x.evidence.push_back({"kernel_module.nvidia_uvm_loaded", "false"});
    x.fix.push_back(
        in_container(f)
            ? "on the host: sudo nvidia-modprobe -u -c=0 (a container cannot load modules)"
            : "sudo nvidia-modprobe -u -c=0   # or: sudo modprobe nvidia-uvm");
    out.push_back(x);
  }
}

void node_rules(const FactSet& f, std::vector<Finding>& out) {
  if (f.host.wsl || !f.kernel_module.nvidia_loaded) return;  // no nodes to expect
  std::vector<std::string> missing;
  bool any_gpu_node = false;
  const DeviceNode* uvm = nullptr;
  for (const auto& n : f.device_nodes.nodes) {
    if (n.path == "/dev/nvidia-uvm") uvm = &n;
    if (n.path == "/dev/nvidiactl" && !n.exists) missing.push_back(n.path);
    if (starts_with(n.path, "/dev/nvidia") && n.path.size() > 11 && n.path[11] >= '0' &&
        n.path[11] <= '9' && n.exists)
      any_gpu_node = true;
  }
  if (!any_gpu_node) missing.push_back("/dev/nvidia0 (no /dev/nvidiaN at all)");
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    auto x = make_finding("nodes.missing", "missing device nodes: " + list);
    for (const auto& m : missing)
      x.evidence.push_back({"device_nodes.nodes[].exists", m + ": false"});
    x.fix.push_back(in_container(f)
                        ? "start the container with the GPUs passed in: docker run --gpus all … "
                          "(NVIDIA Container Toolkit)"
                        : "sudo nvidia-modprobe -c=0   # creates /dev/nvidiactl and /dev/nvidia0");
    out.push_back(x);
  }
  if (f.kernel_module.nvidia_uvm_loaded) {  // without the module, module.uvm_not_loaded says it
    if (uvm && !uvm->exists) {
      auto x = make_finding("nodes.uvm_missing", "/dev/nvidia-uvm is missing");
      x.evidence.push_back({"device_nodes.nodes[].exists", "/dev/nvidia-uvm: false"});
      x.fix.push_back(in_container(f) ? "pass /dev/nvidia-uvm into the container (docker run "
                                        "--gpus all does; so does --device /dev/nvidia-uvm)"
                                      : "sudo nvidia-modprobe -u -c=0");
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
    std::string why;
    if (!needed) {
      why = is_gpu_node(n)
                ? "; other GPUs' nodes can be opened (a cluster may give this job only those)"
                : "; CUDA programs do not need it (profilers do)";
    }
    auto x = make_finding(
        "nodes.inaccessible",
        fmt::format("{} is not {} by this user (uid {}): mode {:04o}, owner {}, group {}{}", n.path,
                    !n.readable ? "readable" : "writable", f.host.uid, n.mode, n.uid, group, why));
    if (!needed) x.severity = Severity::warning;
    x.evidence.push_back({"device_nodes.nodes[].mode", fmt::format("{}: {:04o}", n.path, n.mode)});
    x.fix.push_back(
        shell_command("sudo usermod -aG {} \"$USER\"   # then log out and in again", group));
    out.push_back(x);
  }
}

void library_rules(const FactSet& f, std::vector<Finding>& out) {
  const auto& cuda_lib = f.cuda.library;
  const auto& nvml_lib = f.nvml.library;
  auto stub_fix = [&](const LoadedLibrary& lib, Finding& x) {
    if (lib.ld_library_path_entry) {
      std::string entry = *lib.ld_library_path_entry;
      x.evidence.push_back({"env.ld_library_path", f.env.ld_library_path.value_or("")});
      x.fix.push_back(shell_command("export LD_LIBRARY_PATH={}   # drops {}",
                                    without_entry(f.env.ld_library_path.value_or(""), entry),
                                    entry));
    } else {
      x.fix.push_back(
          "remove the toolkit's stubs/ directory from the loader's path (/etc/ld.so.conf.d, then "
          "sudo ldconfig)");
    }
  };
  // With no NVIDIA GPU at all, a missing driver library is no news.
  const bool gpu_expected = f.host.wsl || !f.pci.nvidia_devices || !f.pci.nvidia_devices->empty();
  bool probe_answered = f.cuda.probe.status == ProbeStatus::ok;
  if (gpu_expected && probe_answered && !cuda_lib.loaded) {
    auto x =
        make_finding("driver.libcuda_missing", "libcuda.so.1 was not found by the dynamic loader");
    x.evidence.push_back({"cuda.library.load_error", cuda_lib.load_error});
    if (f.host.wsl)
      x.fix.push_back(
          "export LD_LIBRARY_PATH=/usr/lib/wsl/lib:$LD_LIBRARY_PATH   # WSL2 ships libcuda there");
    else if (in_container(f))
      x.fix.push_back(
          "run the container with the NVIDIA Container Toolkit (docker run --gpus all …), which "
          "mounts the driver's libraries");
    else
      x.fix.push_back(
          f.kernel_module.version
              ? shell_command("install the user-space driver libraries of version {} (the kernel "
                              "module's), e.g. the libnvidia-compute package of that branch",
                              *f.kernel_module.version)
              : "install the NVIDIA driver (kernel module and user-space libraries)");
    out.push_back(x);
  }
  bool cuda_stub = cuda_lib.loaded &&
                   (cuda_lib.stub || (f.cuda.init && f.cuda.init->code == cuda::kErrorStubLibrary));
  if (cuda_stub) {
    auto x = make_finding("driver.libcuda_stub",
                          fmt::format("libcuda.so.1 is the CUDA toolkit's stub: {}",
                                      cuda_lib.real_path.value_or(cuda_lib.path.value_or("?"))));
    x.evidence.push_back({"cuda.library.path", cuda_lib.path.value_or("")});
    if (f.cuda.init) x.evidence.push_back({"cuda.init.name", f.cuda.init->name});
    if (cuda_lib.ld_library_path_entry)
      x.summary +=
          fmt::format(", brought in by LD_LIBRARY_PATH entry {}", *cuda_lib.ld_library_path_entry);
    stub_fix(cuda_lib, x);
    out.push_back(x);
  }
  if (gpu_expected && f.nvml.probe.status == ProbeStatus::ok && !nvml_lib.loaded) {
    auto x = make_finding("driver.libnvml_missing",
                          "libnvidia-ml.so.1 was not found by the dynamic loader");
    x.evidence.push_back({"nvml.library.load_error", nvml_lib.load_error});
    x.fix.push_back("install the driver's user-space libraries (the version of the kernel module)");
    out.push_back(x);
  }
  if (nvml_lib.loaded && nvml_lib.stub) {
    auto x = make_finding("driver.libnvml_stub",
                          fmt::format("libnvidia-ml.so.1 is the CUDA toolkit's stub: {}",
                                      nvml_lib.real_path.value_or(nvml_lib.path.value_or("?"))));
    x.evidence.push_back({"nvml.library.path", nvml_lib.path.value_or("")});
    stub_fix(nvml_lib, x);
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
      const bool forward_compat = lib == &cuda_lib && f.cuda.init && f.cuda.init->code == 0;
      if (lib->loaded && !lib->stub && lib->version && *lib->version != *kver && !forward_compat) {
        ev.push_back({std::string(lib == &cuda_lib ? "cuda" : "nvml") + ".library.version",
                      fmt::format("{} ({})", *lib->version, lib->real_path.value_or(""))});
      }
    }
  }
  bool nvml_says = f.nvml.init && f.nvml.init->code == nvml::kErrorLibRmVersionMismatch;
  if (!ev.empty() || nvml_says) {
    std::string lib_version = ev.empty() ? std::string("of another version")
                                         : std::string(split(ev.front().value, ' ')[0]);
    auto x = make_finding(
        "driver.version_mismatch",
        kver ? fmt::format(
                   "kernel module {} but user-space driver {}: \"Driver/library version mismatch\"",
                   *kver, lib_version)
             : "NVML reports a driver/library version mismatch");
    x.evidence.push_back({"kernel_module.version", kver.value_or("unknown")});
    for (auto& e : ev) x.evidence.push_back(e);
    if (nvml_says) x.evidence.push_back({"nvml.init.name", f.nvml.init->name});
    x.fix.push_back("sudo reboot   # loads the kernel module that matches the installed libraries");
    x.fix.push_back(
        "or, with no process using the GPU: sudo rmmod nvidia_uvm nvidia_drm nvidia_modeset nvidia "
        "&& sudo modprobe nvidia && sudo modprobe nvidia_uvm");
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
