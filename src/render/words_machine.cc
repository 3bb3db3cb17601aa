// The words of the machine findings below the APIs: PCI, kernel module,
// device nodes, driver libraries, GPU state, environment (render/wordings.h).
#include <fmt/format.h>

#include "render/visible_words.h"
#include "render/wordings.h"

namespace ongpu::wording {
namespace {

// A toolkit stub found in place of a driver library.
Words stub(const Args& a, const char* library) {
  Words w{fmt::format("{} is the CUDA toolkit's stub: {}", library, a.get_or("path", "?")), {}};
  if (a.has("entry")) {
    w.fix.push_back(shell_command("export LD_LIBRARY_PATH={}   # drops {}",
                                  a["clean_ld_library_path"], a["entry"]));
  } else {
    w.fix.push_back(
        "remove the toolkit's stubs/ directory from the loader's path (/etc/ld.so.conf.d, then "
        "sudo ldconfig)");
  }
  return w;
}

// "GPU 0 (NVIDIA H100)"
std::string gpu(const Args& a) {
  return fmt::format("GPU {} ({})", a["index"], a.get_or("name", "?"));
}

std::string shown_cvd(const Args& a) {
  return fmt::format("CUDA_VISIBLE_DEVICES=\"{}\"", a["value"]);
}

// Why CUDA stops reading CUDA_VISIBLE_DEVICES there.
std::string stop_reason(const Args& a) {
  auto stop = enum_from_name<VisibleResolution::Stop>(a["stop"]);
  return stop ? visible_stop_words(*stop, a["stop_entry"], static_cast<size_t>(a.number("gpus")),
                                   static_cast<size_t>(a.number("matches")))
              : "?";
}

constexpr Wording kWordings[] = {
    // PCI bus
    {"pci.unreadable",
     [](const Args& a) -> Words {
       return {
           "the PCI devices could not be listed: " + a["reason"],
           {"ls /sys/bus/pci/devices   # must list the PCI devices; in a container, do not mask "
            "/sys"}};
     }},
    {"pci.no_nvidia_device",
     [](const Args&) -> Words {
       return {"no NVIDIA GPU on the PCI bus",
               {"grep -l 0x10de /sys/bus/pci/devices/*/vendor   # confirms: no output means no "
                "NVIDIA GPU",
                "use a machine or instance with an NVIDIA GPU (in a VM, attach it by PCI "
                "passthrough)"}};
     }},
    {"pci.no_driver_bound",
     [](const Args& a) -> Words {
       return {fmt::format("GPU {} has no kernel driver bound", a["gpu"]),
               {"install the NVIDIA driver for this kernel (e.g. sudo apt install nvidia-driver), "
                "then sudo modprobe nvidia"}};
     }},
    {"pci.nouveau_bound",
     [](const Args& a) -> Words {
       return {fmt::format("GPU {} is driven by nouveau, not NVIDIA's driver", a["gpu"]),
               {"install the NVIDIA driver (it blacklists nouveau), or: echo 'blacklist nouveau' | "
                "sudo tee /etc/modprobe.d/blacklist-nouveau.conf",
                "sudo update-initramfs -u && sudo reboot"}};
     }},
    {"pci.vfio_bound",
     [](const Args& a) -> Words {
       return {
           fmt::format("GPU {} is bound to vfio-pci (reserved for a virtual machine)", a["gpu"]),
           {shell_command("echo {} | sudo tee /sys/bus/pci/drivers/vfio-pci/unbind", a["bus_id"]),
            "remove the GPU from vfio-pci.ids (kernel command line or /etc/modprobe.d), then sudo "
            "modprobe nvidia"}};
     }},
    // kernel module
    {"module.not_loaded",
     [](const Args& a) -> Words {
       if (a.has("secure_boot")) {
         return {
             "the nvidia kernel module is not loaded; Secure Boot is on, which refuses a module "
             "that is not signed with an enrolled key",
             {"sudo modprobe nvidia   # 'Key was rejected by service' confirms Secure Boot",
              "sign the module and enrol the key (sudo mokutil --import <key>.der, reboot), use "
              "your distribution's signed driver packages, or disable Secure Boot"}};
       }
       return {"the nvidia kernel module is not loaded",
               {"sudo modprobe nvidia",
                "if that fails: sudo dmesg | grep -i nvidia, and reinstall the driver for the "
                "running kernel (uname -r)"}};
     }},
    {"module.uvm_not_loaded",
     [](const Args& a) -> Words {
       return {"the nvidia_uvm module is not loaded",
               {a.has("in_container")
                    ? "on the host: sudo nvidia-modprobe -u -c=0 (a container cannot load modules)"
                    : "sudo nvidia-modprobe -u -c=0   # or: sudo modprobe nvidia-uvm"}};
     }},
    // device nodes
    {"nodes.missing",
     [](const Args& a) -> Words {
       auto nodes = a.list("nodes");
       if (a.has("no_gpu_node")) nodes.push_back("/dev/nvidia0 (no /dev/nvidiaN at all)");
       return {fmt::format("missing device nodes: {}", fmt::join(nodes, ", ")),
               {a.has("in_container")
                    ? "start the container with the GPUs passed in: docker run --gpus all … "
                      "(NVIDIA Container Toolkit)"
                    : "sudo nvidia-modprobe -c=0   # creates /dev/nvidiactl and /dev/nvidia0"}};
     }},
    {"nodes.uvm_missing",
     [](const Args& a) -> Words {
       return {"/dev/nvidia-uvm is missing",
               {a.has("in_container") ? "pass /dev/nvidia-uvm into the container (docker run "
                                        "--gpus all does; so does --device /dev/nvidia-uvm)"
                                      : "sudo nvidia-modprobe -u -c=0"}};
     }},
    {"nodes.inaccessible",
     [](const Args& a) -> Words {
       const auto not_needed = a.get_or("not_needed", "");
       const char* why =
           not_needed == "other_gpu_open"
               ? "; other GPUs' nodes can be opened (a cluster may give this job only those)"
           : not_needed == "profilers_only" ? "; CUDA programs do not need it (profilers do)"
                                            : "";
       return {fmt::format("{} is not {} by this user (uid {}): mode {}, owner {}, group {}{}",
                           a["path"], a["lacks"] == "read" ? "readable" : "writable", a["user_uid"],
                           a["mode"], a["owner_uid"], a["group"], why),
               {shell_command("sudo usermod -aG {} \"$USER\"   # then log out and in again",
                              a["group"])}};
     }},
    // user-space driver libraries
    {"driver.libcuda_missing",
     [](const Args& a) -> Words {
       std::string fix;
       if (a.has("wsl"))
         fix =
             "export LD_LIBRARY_PATH=/usr/lib/wsl/lib:$LD_LIBRARY_PATH   # WSL2 ships libcuda "
             "there";
       else if (a.has("in_container"))
         fix =
             "run the container with the NVIDIA Container Toolkit (docker run --gpus all …), which "
             "mounts the driver's libraries";
       else if (a.has("module_version"))
         fix = shell_command(
             "install the user-space driver libraries of version {} (the kernel module's), e.g. "
             "the libnvidia-compute package of that branch",
             a["module_version"]);
       else
         fix = "install the NVIDIA driver (kernel module and user-space libraries)";
       return {"libcuda.so.1 was not found by the dynamic loader", {fix}};
     }},
    {"driver.libcuda_stub",
     [](const Args& a) -> Words {
       auto w = stub(a, "libcuda.so.1");
       if (a.has("entry"))
         w.summary += fmt::format(", brought in by LD_LIBRARY_PATH entry {}", a["entry"]);
       return w;
     }},
    {"driver.libnvml_missing",
     [](const Args&) -> Words {
       return {"libnvidia-ml.so.1 was not found by the dynamic loader",
               {"install the driver's user-space libraries (the version of the kernel module)"}};
     }},
    {"driver.libnvml_stub", [](const Args& a) -> Words { return stub(a, "libnvidia-ml.so.1"); }},
    {"driver.version_mismatch",
     [](const Args& a) -> Words {
       return {
           a.has("module_version")
               ? fmt::format("kernel module {} but user-space driver {}: \"Driver/library "
                             "version mismatch\"",
                             a["module_version"], a.get_or("library_version", "of another version"))
               : "NVML reports a driver/library version mismatch",
           {"sudo reboot   # loads the kernel module that matches the installed libraries",
            "or, with no process using the GPU: sudo rmmod nvidia_uvm nvidia_drm "
            "nvidia_modeset nvidia && sudo modprobe nvidia && sudo modprobe nvidia_uvm"}};
     }},
    // GPU state
    {"gpu.compute_prohibited",
     [](const Args& a) -> Words {
       return {gpu(a) + " is in compute mode Prohibited",
               {fmt::format("sudo nvidia-smi -i {} -c DEFAULT   # an administrator's decision",
                            a["index"])}};
     }},
    {"gpu.exclusive_process_busy",
     [](const Args& a) -> Words {
       return {
           fmt::format("{} is Exclusive_Process and already used by process {}", gpu(a), a["pids"]),
           {"use another GPU: export CUDA_VISIBLE_DEVICES=<a free GPU's index or UUID>",
            fmt::format("or wait for process {} to end", a["pids"])}};
     }},
    {"gpu.mig_no_instance",
     [](const Args& a) -> Words {
       return {gpu(a) + " has MIG enabled but no MIG instance",
               {fmt::format("sudo nvidia-smi mig -i {} -lgip   # list the instance profiles",
                            a["index"]),
                fmt::format("sudo nvidia-smi mig -i {0} -cgi <profile> -C   # or disable MIG: sudo "
                            "nvidia-smi -i {0} -mig 0",
                            a["index"])}};
     }},
    {"gpu.retired_pages_pending",
     [](const Args& a) -> Words {
       return {gpu(a) + " has retired memory pages pending a reset",
               {fmt::format("sudo nvidia-smi -r -i {}   # when no process uses it; or reboot",
                            a["index"])}};
     }},
    {"gpu.row_remap_failed",
     [](const Args& a) -> Words {
       return {gpu(a) + " failed a memory row remap",
               {"take the GPU out of service and contact the vendor (RMA)"}};
     }},
    {"gpu.row_remap_pending",
     [](const Args& a) -> Words {
       return {gpu(a) + " has memory row remaps pending a reset",
               {fmt::format("sudo nvidia-smi -r -i {}   # when no process uses it; or reboot",
                            a["index"])}};
     }},
    // environment
    {"env.cvd_hides_all",
     [](const Args& a) -> Words {
       return {fmt::format("{} hides all {} GPUs: {}", shown_cvd(a), a["gpus"], stop_reason(a)),
               {"unset CUDA_VISIBLE_DEVICES   # or: export CUDA_VISIBLE_DEVICES=0"}};
     }},
    {"env.cvd_unknown_gpu",
     [](const Args& a) -> Words {
       return {fmt::format("{} names a GPU that does not exist: {}", shown_cvd(a), stop_reason(a)),
               {"nvidia-smi -L   # the GPUs and UUIDs that exist"}};
     }},
    {"env.cvd_ends_early",
     [](const Args& a) -> Words {
       const auto ignored = a.list("ignored");
       return {
           fmt::format("{} ends at \"{}\" ({}); ignored after it: {}", shown_cvd(a),
                       a["stop_entry"], stop_reason(a),
                       ignored.empty() ? "nothing" : fmt::format("{}", fmt::join(ignored, ","))),
           {shell_command("export CUDA_VISIBLE_DEVICES={}   # the entries CUDA actually uses",
                          fmt::format("{}", fmt::join(a.list("kept"), ",")))}};
     }},
    {"env.device_order_differs",
     [](const Args& a) -> Words {
       const auto cuda = a.list("cuda_ordinals");
       const auto nvml = a.list("nvml_indices");
       std::vector<std::string> pairs;
       for (size_t i = 0; i < cuda.size() && i < nvml.size(); ++i)
         pairs.push_back(fmt::format("CUDA device {} is nvidia-smi GPU {}", cuda[i], nvml[i]));
       return {
           fmt::format("CUDA's numbering differs from nvidia-smi's: {}", fmt::join(pairs, "; ")),
           {"export CUDA_DEVICE_ORDER=PCI_BUS_ID   # CUDA then numbers GPUs as nvidia-smi does"}};
     }},
    {"env.debug_variables",
     [](const Args& a) -> Words {
       return {fmt::format("{}={} is set", a["name"], a["value"]), {"unset " + a["name"]}};
     }},
    {"env.nvidia_visible_devices_void",
     [](const Args& a) -> Words {
       return {fmt::format("NVIDIA_VISIBLE_DEVICES=\"{}\": the container runtime passes no GPU in",
                           a["value"]),
               {"start the container with NVIDIA_VISIBLE_DEVICES=all (docker run --gpus all …)"}};
     }},
};

}  // namespace

std::span<const Wording> machine_wordings() { return kWordings; }

}  // namespace ongpu::wording
