// The words of the machine findings (render/wordings.h).
#include <fmt/format.h>
#include <string.h>

#include "render/wordings.h"

namespace ongpu::wording {
namespace {

// Plain words and a fix for the init errors users meet, by the vendor's code.
struct Advice {
  std::string words;
  std::string fix;
};

Advice nvml_advice(int code) {
  switch (code) {
    case 9:
      return {"the NVIDIA kernel driver is not loaded",
              "sudo modprobe nvidia (see the kernel module line above)"};
    case 4:
      return {"this user may not talk to the driver",
              "check the /dev/nvidia* permissions (device nodes above)"};
    case 12:
      return {"NVML could not load one of the driver's own libraries",
              "reinstall the driver's user-space libraries"};
    case 15:
      return {"a GPU has fallen off the bus",
              "check dmesg for Xid 79; a reset or reboot is needed"};
    case 16:
      return {"a GPU needs a reset", "sudo nvidia-smi -r -i N when idle, or reboot"};
    case 17:
      return {"the operating system blocked the request",
              "check dmesg and the device nodes' permissions"};
    default:
      return {"", "run nvidia-smi to see the same error, and check dmesg"};
  }
}

Advice cuda_advice(int code) {
  switch (code) {
    case 100:
      return {"the driver found no GPU this process may use",
              "check CUDA_VISIBLE_DEVICES and the GPU lines above"};
    case 304:
      return {"an operating-system call failed, usually opening /dev/nvidia*",
              "check the device nodes and their permissions"};
    case 803:
      return {
          "a forward-compatibility libcuda does not match the kernel driver",
          "remove the cuda-compat directory from LD_LIBRARY_PATH, or install the matching driver"};
    case 804:
      return {"forward-compatibility libraries are loaded on a GPU that does not support them",
              "remove the cuda-compat directory from LD_LIBRARY_PATH"};
    case 802:
      return {"the system is not ready; on NVSwitch systems the fabric manager is not running",
              "sudo systemctl start nvidia-fabricmanager"};
    case 999:
      return {"the driver failed in an unknown way",
              "check dmesg for Xid errors; reboot if the GPU is wedged"};
    case 46:
      return {"the GPU is unavailable (exclusive or prohibited compute mode)",
              "see the GPU state lines"};
    default:
      return {"", "check dmesg, and the lines above"};
  }
}

// "nvmlInit failed: NAME (message; plain words)"
Words init_failed(const Args& a, const char* call, Advice (*advice)(int)) {
  auto adv = advice(static_cast<int>(a.number("code")));
  return {fmt::format("{} failed: {} ({}{})", call, a["name"], a["message"],
                      adv.words.empty() ? "" : "; " + adv.words),
          {adv.fix}};
}

std::string signal_name(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev ? fmt::format("SIG{}", abbrev) : fmt::format("signal {}", sig);
}

// The probe's last stage, or "loading" before it reached one.
std::string stage(const Args& a) {
  auto s = a["stage"];
  return s.empty() ? "loading" : s;
}

// A probe that did not answer (the same words for NVML's and CUDA's).
Words probe_not_started(const Args& a) {
  return {
      fmt::format("ongpu could not start its {} probe ({}): the driver was not checked", a["api"],
                  a.get_or("stderr", "no reason given")),
      {a.has("out_of_fds")
           ? "ulimit -n 1024   # then run ongpu again: it needs a few file descriptors per probe"
           : "run ongpu where /proc is mounted and its own executable can be started (it runs "
             "itself for each probe)"}};
}

Words probe_crashed(const Args& a) {
  Words w{fmt::format("{} crashed with {} in {}", a["library"],
                      signal_name(static_cast<int>(a.number("signal"))), stage(a)),
          {}};
  if (a.has("ld_preload")) {
    w.summary +=
        fmt::format("; LD_PRELOAD={} is loaded into the probe as well, and is the first suspect",
                    a["ld_preload"]);
    w.fix.push_back(
        "env -u LD_PRELOAD ongpu doctor   # if the crash goes away, the preloaded library caused "
        "it");
  }
  w.fix.push_back(
      "reinstall the driver so the kernel module and its libraries are one version; check sudo "
      "dmesg for Xid errors");
  return w;
}

Words probe_timed_out(const Args& a) {
  return {
      fmt::format("the driver did not return from {} within {:g} s", stage(a),
                  a.number("deadline_s")),
      {"sudo dmesg | grep -i xid   # a hung or lost GPU shows here",
       "nvidia-smi   # if it hangs too, the GPU needs a reset (sudo nvidia-smi -r) or a reboot"}};
}

Words probe_failed(const Args& a) {
  return {fmt::format("the {} probe ended without an answer ({}, exit code {})", a["api"],
                      a["status"], a["exit_code"]),
          {"ongpu doctor -v --json   # shows the probe's output; please report it"}};
}

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
    // NVML and the CUDA driver API
    {"nvml.probe_not_started", probe_not_started},
    {"nvml.probe_crashed", probe_crashed},
    {"nvml.probe_timed_out", probe_timed_out},
    {"nvml.probe_failed", probe_failed},
    {"nvml.init_failed",
     [](const Args& a) -> Words { return init_failed(a, "nvmlInit", nvml_advice); }},
    {"nvml.absurd_device_count",
     [](const Args& a) -> Words {
       return {
           fmt::format("NVML reported {} GPUs; only the first {} were read", a["count"], a["read"]),
           {"reinstall the driver; check that libnvidia-ml.so.1 is NVIDIA's (cuda library path "
            "above)"}};
     }},
    {"cuda.probe_not_started", probe_not_started},
    {"cuda.probe_crashed", probe_crashed},
    {"cuda.probe_timed_out", probe_timed_out},
    {"cuda.probe_failed", probe_failed},
    {"cuda.init_failed",
     [](const Args& a) -> Words { return init_failed(a, "cuInit", cuda_advice); }},
    {"cuda.no_visible_device",
     [](const Args&) -> Words {
       return {
           "cuInit succeeded but the process sees no GPU",
           {"nvidia-smi -L   # lists the GPUs the driver has; check MIG and container settings"}};
     }},
    {"cuda.context_failed",
     [](const Args& a) -> Words {
       return {fmt::format("no CUDA context on device {} ({}): {} ({})", a["device"],
                           a.get_or("device_name", "?"), a["name"], a["message"]),
               {cuda_advice(static_cast<int>(a.number("code"))).fix}};
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
       return {fmt::format("{} hides all {} GPUs: {}", shown_cvd(a), a["gpus"], a["reason"]),
               {"unset CUDA_VISIBLE_DEVICES   # or: export CUDA_VISIBLE_DEVICES=0"}};
     }},
    {"env.cvd_unknown_gpu",
     [](const Args& a) -> Words {
       return {fmt::format("{} names a GPU that does not exist: {}", shown_cvd(a), a["reason"]),
               {"nvidia-smi -L   # the GPUs and UUIDs that exist"}};
     }},
    {"env.cvd_ends_early",
     [](const Args& a) -> Words {
       const auto ignored = a.list("ignored");
       return {
           fmt::format("{} ends at \"{}\" ({}); ignored after it: {}", shown_cvd(a),
                       a["stop_entry"], a["reason"],
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
