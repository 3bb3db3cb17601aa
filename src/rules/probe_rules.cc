// Rules for the two vendor APIs, NVML and the CUDA driver API, including
// probes that crashed, hung or answered garbage.
#include <fmt/format.h>
#include <signal.h>
#include <string.h>

#include <cerrno>

#include "probe/nvml_probe.h"
#include "rules/catalog.h"
#include "rules/rules.h"
#include "vendor/cuda_abi.h"
#include "vendor/nvml_abi.h"

namespace ongpu {
namespace {

std::string signal_name(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev ? fmt::format("SIG{}", abbrev) : fmt::format("signal {}", sig);
}

// Plain words and a fix for the init errors users meet.
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

// The findings of one probe that did not answer.
struct ProbeIds {
  FindingId not_started, crashed, timed_out, failed;
};
constexpr ProbeIds kNvmlProbe{"nvml.probe_not_started", "nvml.probe_crashed",
                              "nvml.probe_timed_out", "nvml.probe_failed"};
constexpr ProbeIds kCudaProbe{"cuda.probe_not_started", "cuda.probe_crashed",
                              "cuda.probe_timed_out", "cuda.probe_failed"};

template <class ApiFacts>
bool probe_problem(const FactSet& f, const ApiFacts& facts, const char* api, const char* library,
                   const ProbeIds& ids, std::vector<Finding>& out) {
  const double deadline_s = facts.probe.deadline_ms / 1000.0;
  const auto& run = facts.probe;
  std::string prefix = api;
  if (run.status == ProbeStatus::spawn_failed) {
    // ongpu's own failure (no /proc, too few file descriptors, its executable
    // gone): the driver was never asked, and is not to blame.
    const std::string why = run.stderr_tail.empty() ? "no reason given" : run.stderr_tail;
    auto x = make_finding(
        ids.not_started,
        fmt::format("ongpu could not start its {} probe ({}): the driver was not checked", api,
                    why));
    x.evidence.push_back({prefix + ".probe.status", "spawn_failed"});
    x.evidence.push_back({prefix + ".probe.stderr_tail", why});
    if (run.spawn_errno == EMFILE || run.spawn_errno == ENFILE) {
      x.fix.push_back(
          "ulimit -n 1024   # then run ongpu again: it needs a few file descriptors per probe");
    } else {
      x.fix.push_back(
          "run ongpu where /proc is mounted and its own executable can be started (it runs itself "
          "for each probe)");
    }
    out.push_back(x);
    return true;
  }
  if (run.status == ProbeStatus::crashed) {
    auto x = make_finding(ids.crashed,
                          fmt::format("{} crashed with {} in {}", library, signal_name(run.signal),
                                      run.last_stage.empty() ? "loading" : run.last_stage));
    x.evidence.push_back({prefix + ".probe.status", "crashed"});
    x.evidence.push_back({prefix + ".probe.last_stage", run.last_stage});
    if (f.env.ld_preload && !f.env.ld_preload->empty()) {
      // A preloaded library runs inside the probe too: the first suspect.
      x.summary +=
          fmt::format("; LD_PRELOAD={} is loaded into the probe as well, and is the first suspect",
                      *f.env.ld_preload);
      x.evidence.push_back({"env.ld_preload", *f.env.ld_preload});
      x.fix.push_back(
          "env -u LD_PRELOAD ongpu doctor   # if the crash goes away, the preloaded library caused "
          "it");
    }
    x.fix.push_back(
        "reinstall the driver so the kernel module and its libraries are one version; check sudo "
        "dmesg for Xid errors");
    out.push_back(x);
    return true;
  }
  if (run.status == ProbeStatus::timed_out) {
    auto x =
        make_finding(ids.timed_out,
                     fmt::format("the driver did not return from {} within {:g} s",
                                 run.last_stage.empty() ? "loading" : run.last_stage, deadline_s));
    x.evidence.push_back({prefix + ".probe.status", "timed_out"});
    x.evidence.push_back({prefix + ".probe.last_stage", run.last_stage});
    x.fix.push_back("sudo dmesg | grep -i xid   # a hung or lost GPU shows here");
    x.fix.push_back(
        "nvidia-smi   # if it hangs too, the GPU needs a reset (sudo nvidia-smi -r) or a reboot");
    out.push_back(x);
    return true;
  }
  if (run.status != ProbeStatus::ok && run.status != ProbeStatus::not_run) {
    auto x = make_finding(
        ids.failed, fmt::format("the {} probe ended without an answer ({}, exit code {})", api,
                                run.status, run.exit_code));
    x.evidence.push_back({prefix + ".probe.status", enum_string(run.status)});
    if (!run.stderr_tail.empty())
      x.evidence.push_back({prefix + ".probe.stderr_tail", run.stderr_tail});
    x.fix.push_back("ongpu doctor -v --json   # shows the probe's output; please report it");
    out.push_back(x);
    return true;
  }
  return false;
}

void nvml_rules(const FactSet& f, std::vector<Finding>& out) {
  if (probe_problem(f, f.nvml, "nvml", "libnvidia-ml", kNvmlProbe, out)) return;
  if (!f.nvml.library.loaded || !f.nvml.init) return;
  const auto& init = *f.nvml.init;
  // A version mismatch (18) is reported by driver.version_mismatch.
  if (init.code != nvml::kSuccess && init.code != nvml::kErrorLibRmVersionMismatch) {
    auto advice = nvml_advice(init.code);
    auto x = make_finding("nvml.init_failed",
                          fmt::format("nvmlInit failed: {} ({}{})", init.name, init.message,
                                      advice.words.empty() ? "" : "; " + advice.words));
    x.evidence.push_back({"nvml.init.code", std::to_string(init.code)});
    x.fix.push_back(advice.fix);
    out.push_back(x);
  }
  if (f.nvml.device_count && *f.nvml.device_count > probe::kMaxGpus) {
    auto x = make_finding("nvml.absurd_device_count",
                          fmt::format("NVML reported {} GPUs; only the first {} were read",
                                      *f.nvml.device_count, probe::kMaxGpus));
    x.evidence.push_back({"nvml.device_count", std::to_string(*f.nvml.device_count)});
    x.fix.push_back(
        "reinstall the driver; check that libnvidia-ml.so.1 is NVIDIA's (cuda library path above)");
    out.push_back(x);
  }
}

void cuda_rules(const FactSet& f, std::vector<Finding>& out) {
  if (probe_problem(f, f.cuda, "cuda", "libcuda", kCudaProbe, out)) return;
  if (!f.cuda.library.loaded || !f.cuda.init) return;
  const auto& init = *f.cuda.init;
  if (init.code == cuda::kErrorStubLibrary || f.cuda.library.stub)
    return;  // driver.libcuda_stub says it
  if (init.code != 0) {
    // With CUDA_VISIBLE_DEVICES hiding everything, NO_DEVICE is the variable's doing (env rules).
    bool hidden_by_env = init.code == cuda::kErrorNoDevice && f.env.cuda_visible_devices &&
                         f.cuda_all.device_count.value_or(0) > 0;
    if (hidden_by_env) return;
    auto advice = cuda_advice(init.code);
    auto x = make_finding("cuda.init_failed",
                          fmt::format("cuInit failed: {} ({}{})", init.name, init.message,
                                      advice.words.empty() ? "" : "; " + advice.words));
    x.evidence.push_back({"cuda.init.code", std::to_string(init.code)});
    x.fix.push_back(advice.fix);
    out.push_back(x);
    return;
  }
  if (f.cuda.device_count.value_or(0) == 0) {
    if (f.env.cuda_visible_devices) return;  // the environment rules explain it
    auto x = make_finding("cuda.no_visible_device", "cuInit succeeded but the process sees no GPU");
    x.evidence.push_back({"cuda.device_count", "0"});
    x.fix.push_back(
        "nvidia-smi -L   # lists the GPUs the driver has; check MIG and container settings");
    out.push_back(x);
    return;
  }
  int failed = 0;
  for (const auto& d : f.cuda.devices) {
    if (!d.context || d.context->code == 0) continue;
    ++failed;
    auto advice = cuda_advice(d.context->code);
    auto x = make_finding("cuda.context_failed",
                          fmt::format("no CUDA context on device {} ({}): {} ({})", d.ordinal,
                                      d.name.value_or("?"), d.context->name, d.context->message));
    x.evidence.push_back(
        {fmt::format("cuda.devices[{}].context.name", d.ordinal), d.context->name});
    x.fix.push_back(advice.fix);
    out.push_back(x);
  }
  // A failure on some GPUs while others work is a warning, not a stop.
  if (failed > 0 && failed < static_cast<int>(f.cuda.devices.size())) {
    for (auto& x : out) {
      if (is(x, "cuda.context_failed")) x.severity = Severity::warning;
    }
  }
}

}  // namespace

void probe_rules(const FactSet& f, std::vector<Finding>& out) {
  nvml_rules(f, out);
  cuda_rules(f, out);
}

}  // namespace ongpu
