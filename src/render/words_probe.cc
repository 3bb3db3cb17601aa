// The words of the NVML and CUDA driver API findings: probes that did not
// answer, and the vendors' init errors in plain words (render/wordings.h).
#include <fmt/format.h>
#include <string.h>

#include "render/wordings.h"
#include "util/signal_names.h"
#include "vendor/cuda_abi.h"
#include "vendor/nvml_abi.h"

namespace ongpu::wording {
namespace {

// Plain words and a fix for the init errors users meet, by the vendor's code.
struct Advice {
  std::string words;
  std::string fix;
};

Advice nvml_advice(int code) {
  switch (code) {
    case nvml::kErrorDriverNotLoaded:
      return {"the NVIDIA kernel driver is not loaded",
              "sudo modprobe nvidia (see the kernel module line above)"};
    case nvml::kErrorNoPermission:
      return {"this user may not talk to the driver",
              "check the /dev/nvidia* permissions (device nodes above)"};
    case nvml::kErrorLibraryNotFound:
      return {"NVML could not load one of the driver's own libraries",
              "reinstall the driver's user-space libraries"};
    case nvml::kErrorGpuIsLost:
      return {"a GPU has fallen off the bus",
              "check dmesg for Xid 79; a reset or reboot is needed"};
    case nvml::kErrorResetRequired:
      return {"a GPU needs a reset", "sudo nvidia-smi -r -i N when idle, or reboot"};
    case nvml::kErrorOperatingSystem:
      return {"the operating system blocked the request",
              "check dmesg and the device nodes' permissions"};
    default:
      return {"", "run nvidia-smi to see the same error, and check dmesg"};
  }
}

Advice cuda_advice(int code) {
  switch (code) {
    case cuda::kErrorNoDevice:
      return {"the driver found no GPU this process may use",
              "check CUDA_VISIBLE_DEVICES and the GPU lines above"};
    case cuda::kErrorOperatingSystem:
      return {"an operating-system call failed, usually opening /dev/nvidia*",
              "check the device nodes and their permissions"};
    case cuda::kErrorSystemDriverMismatch:
      return {
          "a forward-compatibility libcuda does not match the kernel driver",
          "remove the cuda-compat directory from LD_LIBRARY_PATH, or install the matching driver"};
    case cuda::kErrorCompatNotSupportedOnDevice:
      return {"forward-compatibility libraries are loaded on a GPU that does not support them",
              "remove the cuda-compat directory from LD_LIBRARY_PATH"};
    case cuda::kErrorSystemNotReady:
      return {"the system is not ready; on NVSwitch systems the fabric manager is not running",
              "sudo systemctl start nvidia-fabricmanager"};
    case cuda::kErrorUnknown:
      return {"the driver failed in an unknown way",
              "check dmesg for Xid errors; reboot if the GPU is wedged"};
    case cuda::kErrorDeviceUnavailable:
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
  const auto abbrev = signal_abbrev(sig);
  return abbrev ? fmt::format("SIG{}", *abbrev) : fmt::format("signal {}", sig);
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

constexpr Wording kWordings[] = {
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
};

}  // namespace

std::span<const Wording> probe_wordings() { return kWordings; }

}  // namespace ongpu::wording
