#include "verify/verify_rules.h"

#include <fmt/format.h>
#include <signal.h>
#include <string.h>

#include <algorithm>
#include <optional>

#include "rules/catalog.h"
#include "rules/explains.h"
#include "util/signal_names.h"

namespace ongpu::verify {
namespace {

bool on_gpu_device(std::string_view device) {
  std::string d(device);
  std::transform(d.begin(), d.end(), d.begin(), [](unsigned char c) { return std::tolower(c); });
  return d.find("gpu") != std::string::npos || d.find("cuda") != std::string::npos;
}

std::string base_name(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

const FrameworkFacts* static_facts(const Report& doctor, const LiveRun& run) {
  for (const auto& env : doctor.facts.python.environments) {
    if (env.interpreter != run.interpreter) continue;
    for (const auto& fw : env.frameworks) {
      if (fw.framework == run.framework) return &fw;
    }
  }
  return nullptr;
}

// The pip arguments that install a framework that does not import at all:
// the GPU build.
std::vector<std::string> install_args(Framework framework) {
  switch (framework) {
    case Framework::tensorflow:
      return {"tensorflow[and-cuda]"};
    case Framework::jax:
      return {"-U", "jax[cuda12]"};
    case Framework::cupy:
      return {"cupy-cuda12x"};
    case Framework::onnxruntime:
      return {"onnxruntime-gpu"};
    case Framework::torch:
      return {"torch"};  // the default Linux wheel is a CUDA build
  }
  return {enum_string(framework)};
}

class LiveRules {
 public:
  LiveRules(LiveVerdict& v, const Report& doctor) : v_(v), run_(v.run), doctor_(doctor) {}

  void evaluate() {
    // What the framework said counts even when it then hung or crashed.
    const bool ran = probe_ran();
    for (const auto& m : run_.messages) {
      // TensorFlow tries the optional TensorRT (libnvinfer) on every start.
      if (is_id(m.id, "verify.library_not_loaded") && m.detail.starts_with("libnvinfer")) continue;
      // The CUDA runtime answers cudaErrorInsufficientDriver ("CUDA driver
      // version is insufficient") when there is no driver at all, too: the
      // doctor's facts tell the two apart. (torch's "driver ... is too old
      // (found version N)" names a driver it found.)
      if (m.also_without_driver && !no_driver().empty()) {
        auto& f = add("verify.cuda_driver_not_found");
        f.args.set("text", m.text).set("no_driver", no_driver());
        const auto& load_error = doctor_.facts.cuda.library.load_error;
        if (!load_error.empty()) f.args.set("load_error", load_error);
        f.evidence.push_back({"cuda.library.loaded", "false"});
        continue;
      }
      // m.id comes from the message table, whose ids are checked FindingIds.
      auto id = FindingId::known(m.id);
      if (!id) continue;
      auto& f = add(*id);
      f.args.set("text", m.text);
      if (!m.detail.empty()) f.evidence.push_back({"messages[].detail", m.detail});
    }
    if (!ran) return;
    const auto& a = *run_.answer;
    bool imported = !a.version.empty();
    for (const auto& e : a.errors) {
      if (e.stage == LiveStage::import_framework ||
          (!imported && e.stage == LiveStage::arguments)) {
        auto& f = add("verify.import_failed");
        f.args.set("type", e.type).set("message", first_line(e.message));
        // What to install, should this finding carry its own fix.
        f.args.set("python", run_.interpreter).set("pip_args", install_args(run_.framework));
        f.evidence.push_back({"errors[].message", e.message});
        // Keep the order: the import failure first, what it printed after.
        std::rotate(v_.findings.begin(), v_.findings.end() - 1, v_.findings.end());
      }
    }
    if (!imported) return;
    int gpus = 0;
    std::vector<std::string> listed;
    for (const auto& d : a.devices) {
      if (d.kind == DeviceKind::gpu) ++gpus;
      listed.push_back(d.name);
    }
    if (gpus == 0) add("verify.no_gpu_device").args.set("devices", std::move(listed));
    for (const auto& e : a.errors) {
      // devices-gpu: the framework's answer to "is there a GPU" (no plugin, no
      // driver), explained by no_gpu_device and the messages.
      if (e.stage == LiveStage::import_framework || e.stage == LiveStage::arguments ||
          e.stage == LiveStage::devices_gpu)
        continue;
      bool compute = e.stage == LiveStage::compute_gpu || e.stage == LiveStage::compute_cpu;
      auto& f = add(compute ? FindingId("verify.compute_failed") : FindingId("verify.step_failed"));
      f.args.set("stage", enum_string(e.stage))
          .set("type", e.type)
          .set("message", first_line(e.message));
      f.evidence.push_back({"errors[].message", e.message});
    }
    if (a.compute && a.compute->gpu) check_gpu_run(*a.compute);
    compare_libraries(a);
  }

  // The live outcome, once the findings are in: gpu only for a result on a
  // GPU device that equals the CPU's; gpu_broken when the framework lists a
  // GPU but computing there raised or came out wrong; cpu when it lists none
  // or the result silently lived on the CPU.
  LiveOutcome outcome() const {
    if (!run_.answer || run_.probe.status != ProbeStatus::ok || run_.answer->version.empty())
      return LiveOutcome::failed;
    const auto& a = *run_.answer;
    const auto& c = a.compute;
    bool lists_gpu = std::any_of(a.devices.begin(), a.devices.end(),
                                 [](const auto& d) { return d.kind == DeviceKind::gpu; });
    if (!lists_gpu) return LiveOutcome::cpu;
    if (c && c->gpu && !on_gpu_device(c->gpu->device)) return LiveOutcome::cpu;
    for (const auto& p : run_.placement_log) {
      if (!on_gpu_device(p)) return LiveOutcome::cpu;
    }
    bool elementwise_ok = !c || !c->elementwise || c->elementwise->match;
    if (c && c->gpu && c->match == true && elementwise_ok) return LiveOutcome::gpu;
    return LiveOutcome::gpu_broken;
  }

 private:
  static std::string first_line(const std::string& s) {
    auto nl = s.find('\n');
    std::string line = nl == std::string::npos ? s : s.substr(0, nl);
    return line.size() > 300 ? line.substr(0, 300) + "…" : line;
  }

  // Why the doctor found no NVIDIA driver here: no_gpu (none on the PCI
  // bus) or libcuda (libcuda.so.1 could not be loaded); "" when it found one
  // (or did not look).
  std::string no_driver() const {
    const auto& f = doctor_.facts;
    if (f.pci.nvidia_devices && f.pci.nvidia_devices->empty() && !f.host.wsl) return "no_gpu";
    if (f.cuda.probe.status == ProbeStatus::ok && !f.cuda.library.loaded) return "libcuda";
    return "";
  }

  // A finding of this framework; every live wording names the framework.
  Finding& add(FindingId id) {
    v_.findings.push_back(make_finding(id));
    v_.findings.back().scope = v_.scope;
    v_.findings.back().args.set("framework", enum_string(run_.framework));
    return v_.findings.back();
  }

  bool probe_ran() {
    const auto& p = run_.probe;
    std::string stage = p.last_stage.empty() ? "start" : p.last_stage;
    if (p.status == ProbeStatus::timed_out) {
      auto& f = add("verify.timed_out");
      f.args.set("deadline_s", p.deadline_ms / 1000).set("stage", stage);
      f.evidence.push_back({"probe.last_stage", stage});
      return false;
    }
    if (p.status == ProbeStatus::crashed) {
      auto& f = add("verify.crashed");
      f.args.set("signal", p.signal).set("stage", stage);
      if (auto name = signal_abbrev(p.signal)) f.args.set("signal_name", std::string(*name));
      return false;
    }
    if (p.status != ProbeStatus::ok || !run_.answer) {
      // Why: its answer was unreadable, the interpreter did not start or
      // exited early, or it gave no answer (the probe's status).
      auto& f = add("verify.probe_failed");
      if (!run_.answer_error.empty()) {
        f.args.set("why", "unreadable").set("answer_error", run_.answer_error);
      } else if (p.status == ProbeStatus::spawn_failed) {
        f.args.set("why", "not_started").set("stderr_tail", p.stderr_tail);
      } else if (p.status == ProbeStatus::exited) {
        f.args.set("why", "exited").set("exit_code", p.exit_code).set("stage", stage);
      } else {
        f.args.set("why", "no_answer").set("status", enum_string(p.status));
      }
      if (!p.stderr_tail.empty()) f.evidence.push_back({"probe.stderr_tail", p.stderr_tail});
      return false;
    }
    return true;
  }

  void check_gpu_run(const LiveCompute& c) {
    const auto& g = *c.gpu;
    // not_on_gpu: the result's device, or (placement) the placement log's.
    if (!on_gpu_device(g.device)) add("verify.not_on_gpu").args.set("device", g.device);
    for (const auto& p : run_.placement_log) {
      if (!on_gpu_device(p)) {
        add("verify.not_on_gpu").args.set("placement", p);
        break;
      }
    }
    // wrong_result: which comparison failed (check), with its numbers.
    if (c.elementwise && !c.elementwise->match) {
      auto& f = add("verify.wrong_result");
      f.args.set("check", "elementwise");
      if (c.elementwise->gpu) f.args.set("gpu_sum", *c.elementwise->gpu);
      if (c.elementwise->cpu) f.args.set("cpu_sum", *c.elementwise->cpu);
    }
    if (c.nonfinite.value_or(0) > 0) {
      add("verify.wrong_result")
          .args.set("check", "nonfinite")
          .set("size", c.size)
          .set("nonfinite", *c.nonfinite);
    } else if (c.match == false) {
      add("verify.wrong_result")
          .args.set("check", "differs")
          .set("size", c.size)
          .set("max_abs_diff", c.max_abs_diff.value_or(0))
          .set("max_abs_reference", c.max_abs_reference.value_or(0))
          .set("tolerance", c.tolerance.value_or(0));
    }
    if (c.speedup && *c.speedup < 1.0) {
      auto& f = add("verify.gpu_slower_than_cpu");
      f.args.set("size", c.size).set("gpu_ms", g.median_ms);
      if (c.cpu) f.args.set("cpu_ms", c.cpu->median_ms);
    }
  }

  // Each CUDA library the framework really loaded, against the file the
  // doctor's static resolution says the loader would take.
  void compare_libraries(const ProbeAnswer& a) {
    const FrameworkFacts* fw = static_facts(doctor_, run_);
    if (!fw) return;
    for (const auto& loaded : a.loaded_libraries) {
      std::string base = base_name(loaded);
      for (const auto& lib : fw->libraries) {
        if (base.rfind(lib.soname, 0) != 0) continue;  // libcudnn.so.9.19.0 is a libcudnn.so.9
        std::string predicted = lib.real_path ? *lib.real_path : "";
        if (predicted == loaded) break;
        auto& f = add("verify.library_differs");
        f.args.set("soname", lib.soname).set("loaded", loaded);
        if (!predicted.empty()) f.args.set("predicted", predicted);
        f.evidence.push_back({"loaded_libraries[]", loaded});
        break;
      }
    }
  }

  LiveVerdict& v_;
  const LiveRun& run_;
  const Report& doctor_;
};

}  // namespace

LiveVerdict judge_live_run(LiveRun run, const Report& doctor) {
  LiveVerdict v;
  v.run = std::move(run);
  v.scope = fmt::format("{} in {}", v.run.framework, v.run.interpreter);
  for (const auto& p : doctor.frameworks) {
    if (p.framework == v.run.framework && p.interpreter == v.run.interpreter) v.predicted = p;
  }
  LiveRules rules(v, doctor);
  rules.evaluate();
  v.outcome = rules.outcome();
  if (v.predicted && v.outcome != LiveOutcome::failed &&
      v.predicted->gpu != (v.outcome == LiveOutcome::gpu)) {
    auto f = make_finding("verify.disagrees_with_doctor");
    f.args.set("framework", enum_string(v.run.framework))
        .set("predicted", v.predicted->gpu ? "gpu" : "cpu")
        .set("outcome", enum_string(v.outcome));
    if (!v.predicted->root_cause.empty())
      f.evidence.push_back({"doctor.root_cause", v.predicted->root_cause});
    f.scope = v.scope;
    v.findings.push_back(std::move(f));
  }
  // The machine's root cause (no GPU on the bus, no driver), when there is
  // one, stops every framework, found by the doctor or not: the doctor's
  // verdict, which already chose the cause over its symptoms.
  const Finding* machine_error = nullptr;
  for (const auto& f : doctor.findings) {
    if (f.scope.empty() && f.severity == Severity::error && f.id == doctor.verdict.root_cause) {
      machine_error = &f;
      break;
    }
  }
  if (v.outcome != LiveOutcome::gpu) {
    // The static chain names the cause more precisely when it saw it too;
    // otherwise the first live error does.
    if (v.predicted && !v.predicted->gpu && !v.predicted->root_cause.empty() &&
        v.outcome == LiveOutcome::cpu) {
      v.root_cause = v.predicted->root_cause;
      v.cause_is_prediction = true;
    } else if (!v.predicted && machine_error && v.outcome == LiveOutcome::cpu) {
      v.root_cause = machine_error->id;
      v.cause = *machine_error;
    } else {
      // The first live error, or the doctor's finding that explains it
      // (an Exclusive_Process GPU in use explains "busy or unavailable").
      std::vector<Finding> known = v.findings;
      for (const auto& f : doctor.findings) {
        if (f.scope.empty() || f.scope == v.scope) known.push_back(f);
      }
      std::optional<Finding> shown;  // a cause the report would not show otherwise
      for (const auto& f : v.findings) {
        if (f.severity != Severity::error) continue;
        const Finding* cause = cause_of(doctor.facts, f, known);
        v.root_cause = cause->id;
        v.cause = *cause;
        // The doctor's machine errors are shown once for every framework;
        // any other cause of the doctor's is shown with this framework, as
        // what blocks it.
        const bool in_live = std::any_of(v.findings.begin(), v.findings.end(),
                                         [&](const Finding& x) { return x.id == cause->id; });
        if (!in_live && !(cause->scope.empty() && cause->severity == Severity::error)) {
          shown = *cause;
          shown->severity = Severity::error;
          shown->scope = v.scope;
        }
        break;
      }
      if (shown) v.findings.insert(v.findings.begin(), std::move(*shown));
    }
  }
  // A speed comparison means something only for a GPU that computes right.
  if (v.outcome != LiveOutcome::gpu) {
    std::erase_if(v.findings, [](const Finding& f) { return is(f, "verify.gpu_slower_than_cpu"); });
  }
  // On a GPU that works, what the framework printed on the way is a warning.
  if (v.outcome == LiveOutcome::gpu) {
    for (auto& f : v.findings) {
      if (f.severity == Severity::error) f.severity = Severity::warning;
    }
  }
  // When the doctor's chain already explains the fallback, its fix is the
  // one to follow and the framework's messages are the evidence; otherwise
  // each live finding carries its own fix (own_fix). The doctor's findings
  // shown here keep their own.
  const bool explained =
      (v.predicted && !v.predicted->gpu && v.root_cause == v.predicted->root_cause) ||
      (!v.predicted && machine_error && v.root_cause == machine_error->id);
  for (auto& f : v.findings) {
    if (!f.id.starts_with("verify.")) continue;
    if (explained && !is(f, "verify.disagrees_with_doctor")) continue;
    f.args.flag("own_fix");
  }
  return v;
}

VerifyReport build_verify_report(Report doctor, std::vector<LiveRun> runs) {
  VerifyReport r;
  r.doctor = std::move(doctor);
  size_t& on_gpu = r.on_gpu;
  bool warnings = false;
  for (auto& run : runs) {
    r.frameworks.push_back(judge_live_run(std::move(run), r.doctor));
    const auto& v = r.frameworks.back();
    if (v.outcome == LiveOutcome::gpu) ++on_gpu;
    for (const auto& f : v.findings) warnings = warnings || f.severity != Severity::info;
  }
  // The verdict's sentence is render's (verify_summary), from the counts and
  // the first framework's root cause.
  auto& verdict = r.verdict;
  if (r.frameworks.empty()) {
    for (const auto& env : r.doctor.facts.python.environments)
      r.interpreters.push_back(env.interpreter);
    verdict = {false, VerdictStatus::not_usable, 2, ""};
  } else if (on_gpu == 0) {
    verdict = {false, VerdictStatus::not_usable, 2, r.frameworks.front().root_cause};
  } else if (on_gpu < r.frameworks.size() || warnings) {
    verdict = {true, VerdictStatus::warnings, 1, ""};
  } else {
    verdict = {true, VerdictStatus::ok, 0, ""};
  }
  return r;
}

}  // namespace ongpu::verify
