// Rules for the two vendor APIs, NVML and the CUDA driver API, including
// probes that crashed, hung or answered garbage.
#include <fmt/format.h>

#include <cerrno>

#include "probe/nvml_probe.h"
#include "rules/catalog.h"
#include "rules/rules.h"
#include "vendor/cuda_abi.h"
#include "vendor/nvml_abi.h"

namespace ongpu {
namespace {

// The findings of one probe that did not answer.
struct ProbeIds {
  FindingId not_started, crashed, timed_out, failed;
};
constexpr ProbeIds kNvmlProbe{"nvml.probe_not_started", "nvml.probe_crashed",
                              "nvml.probe_timed_out", "nvml.probe_failed"};
constexpr ProbeIds kCudaProbe{"cuda.probe_not_started", "cuda.probe_crashed",
                              "cuda.probe_timed_out", "cuda.probe_failed"};

// The probe's findings name its API ("nvml") and the vendor library it loads
// ("libnvidia-ml"); the stage it reached is "" while loading the library.
template <class ApiFacts>
bool probe_problem(const FactSet& f, const ApiFacts& facts, const char* api, const char* library,
                   const ProbeIds& ids, std::vector<Finding>& out) {
  const auto& run = facts.probe;
  std::string prefix = api;
  if (run.status == ProbeStatus::spawn_failed) {
    // ongpu's own failure (no /proc, too few file descriptors, its executable
    // gone): the driver was never asked, and is not to blame.
    auto x = make_finding(ids.not_started);
    x.args.set("api", api);
    if (!run.stderr_tail.empty()) x.args.set("stderr", run.stderr_tail);
    x.evidence.push_back({prefix + ".probe.status", "spawn_failed"});
    x.evidence.push_back({prefix + ".probe.stderr_tail",
                          run.stderr_tail.empty() ? "no reason given" : run.stderr_tail});
    // Out of file descriptors: a ulimit fixes it.
    x.args.flag("out_of_fds", run.spawn_errno == EMFILE || run.spawn_errno == ENFILE);
    out.push_back(x);
    return true;
  }
  if (run.status == ProbeStatus::crashed) {
    auto x = make_finding(ids.crashed);
    x.args.set("library", library).set("signal", run.signal).set("stage", run.last_stage);
    x.evidence.push_back({prefix + ".probe.status", "crashed"});
    x.evidence.push_back({prefix + ".probe.last_stage", run.last_stage});
    if (f.env.ld_preload && !f.env.ld_preload->empty()) {
      // A preloaded library runs inside the probe too: the first suspect.
      x.args.set("ld_preload", *f.env.ld_preload);
      x.evidence.push_back({"env.ld_preload", *f.env.ld_preload});
    }
    out.push_back(x);
    return true;
  }
  if (run.status == ProbeStatus::timed_out) {
    auto x = make_finding(ids.timed_out);
    x.args.set("stage", run.last_stage).set("deadline_s", run.deadline_ms / 1000.0);
    x.evidence.push_back({prefix + ".probe.status", "timed_out"});
    x.evidence.push_back({prefix + ".probe.last_stage", run.last_stage});
    out.push_back(x);
    return true;
  }
  if (run.status != ProbeStatus::ok && run.status != ProbeStatus::not_run) {
    auto x = make_finding(ids.failed);
    x.args.set("api", api).set("status", enum_string(run.status)).set("exit_code", run.exit_code);
    x.evidence.push_back({prefix + ".probe.status", enum_string(run.status)});
    if (!run.stderr_tail.empty())
      x.evidence.push_back({prefix + ".probe.stderr_tail", run.stderr_tail});
    out.push_back(x);
    return true;
  }
  return false;
}

// An init or context call the vendor API refused: its code, name and message.
Finding api_error_finding(FindingId id, const ApiResult& r) {
  auto x = make_finding(id);
  x.args.set("code", r.code).set("name", r.name).set("message", r.message);
  return x;
}

void nvml_rules(const FactSet& f, std::vector<Finding>& out) {
  if (probe_problem(f, f.nvml, "nvml", "libnvidia-ml", kNvmlProbe, out)) return;
  if (!f.nvml.library.loaded || !f.nvml.init) return;
  const auto& init = *f.nvml.init;
  // A version mismatch (18) is reported by driver.version_mismatch.
  if (init.code != nvml::kSuccess && init.code != nvml::kErrorLibRmVersionMismatch) {
    auto x = api_error_finding("nvml.init_failed", init);
    x.evidence.push_back({"nvml.init.code", std::to_string(init.code)});
    out.push_back(x);
  }
  if (f.nvml.device_count && *f.nvml.device_count > probe::kMaxGpus) {
    auto x = make_finding("nvml.absurd_device_count");
    x.args.set("count", *f.nvml.device_count).set("read", probe::kMaxGpus);
    x.evidence.push_back({"nvml.device_count", std::to_string(*f.nvml.device_count)});
    out.push_back(x);
  }
}

void cuda_rules(const FactSet& f, std::vector<Finding>& out) {
  if (probe_problem(f, f.cuda, "cuda", "libcuda", kCudaProbe, out)) return;
  if (!f.cuda.library.loaded || !f.cuda.init) return;
  const auto& init = *f.cuda.init;
  if (init.code == cuda::kErrorStubLibrary || f.cuda.library.stub)
    return;  // driver.libcuda_stub says it
  if (init.code != cuda::kSuccess) {
    // With CUDA_VISIBLE_DEVICES hiding everything, NO_DEVICE is the variable's doing (env rules).
    bool hidden_by_env = init.code == cuda::kErrorNoDevice && f.env.cuda_visible_devices &&
                         f.cuda_all.device_count.value_or(0) > 0;
    if (hidden_by_env) return;
    auto x = api_error_finding("cuda.init_failed", init);
    x.evidence.push_back({"cuda.init.code", std::to_string(init.code)});
    out.push_back(x);
    return;
  }
  if (f.cuda.device_count.value_or(0) == 0) {
    if (f.env.cuda_visible_devices) return;  // the environment rules explain it
    auto x = make_finding("cuda.no_visible_device");
    x.evidence.push_back({"cuda.device_count", "0"});
    out.push_back(x);
    return;
  }
  int failed = 0;
  for (const auto& d : f.cuda.devices) {
    if (!d.context || d.context->code == cuda::kSuccess) continue;
    ++failed;
    auto x = api_error_finding("cuda.context_failed", *d.context);
    x.args.set("device", d.ordinal);
    if (d.name) x.args.set("device_name", *d.name);
    x.evidence.push_back(
        {fmt::format("cuda.devices[{}].context.name", d.ordinal), d.context->name});
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
