#include "run/run_rules.h"

#include <algorithm>

#include "facts/factset.h"
#include "rules/catalog.h"
#include "util/strings.h"

namespace ongpu::run {
namespace {

std::string base_name(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::optional<Framework> framework_of_message(std::string_view id) {
  if (starts_with(id, "verify.jax_")) return Framework::jax;
  if (starts_with(id, "verify.ort_")) return Framework::onnxruntime;
  if (id == "verify.not_compiled_with_cuda") return Framework::torch;
  // (cuda_driver_not_found is also PyTorch's "Found no NVIDIA driver".)
  if (id == "verify.gpu_libraries_missing" || id == "verify.driver_dso_mismatch")
    return Framework::tensorflow;
  return std::nullopt;
}

namespace {

const Finding* finding(const Report& d, const std::string& id, const std::string& scope) {
  for (const auto& f : d.findings) {
    if (f.id == id && (f.scope == scope || f.scope.empty())) return &f;
  }
  return nullptr;
}

// Each mapped CUDA library against the file the doctor resolved for it in
// that interpreter (by soname: libcudnn.so.9.1.0 is a libcudnn.so.9).
void compare_libraries(RunReport& r, const Report& d) {
  for (auto& p : r.processes) {
    if (p.interpreter.empty()) continue;
    for (auto& lib : p.libraries) {
      const std::string base = base_name(lib.path);
      for (const auto& env : d.facts.python.environments) {
        if (env.interpreter != p.interpreter) continue;
        for (const auto& fw : env.frameworks) {
          for (const auto& predicted : fw.libraries) {
            if (predicted.soname.empty() || !starts_with(base, predicted.soname)) continue;
            if (!predicted.real_path) continue;
            lib.predicted_path = *predicted.real_path;
            lib.same_as_predicted = lib.predicted_path == lib.path;
          }
        }
      }
    }
  }
}

}  // namespace

std::string command_interpreter(const RunReport& r) {
  for (const auto& p : r.processes) {
    if (!p.interpreter.empty() && !p.frameworks.empty()) return p.interpreter;
  }
  for (const auto& p : r.processes) {
    if (!p.interpreter.empty()) return p.interpreter;
  }
  return "";
}

void judge_run(RunReport& r, const Report* doctor, RequireGpu require) {
  if (doctor) {
    compare_libraries(r, *doctor);
    r.doctor_checked = command_interpreter(r);
  }
  if (!r.used_gpu && r.end != EndKind::not_started) {
    // 1. The machine: no GPU, no driver, a broken driver.
    if (doctor && !doctor->machine.gpu_usable && !doctor->machine.root_cause.empty()) {
      if (const Finding* f = finding(*doctor, doctor->machine.root_cause, "")) {
        r.root_cause = *f;
        r.root_cause_scope = "the machine";
      }
    }
    // 2. The interpreter's framework that the doctor says runs on the CPU:
    // the one whose line was recognised, else one the process mapped, else
    // the first.
    const std::string interp = command_interpreter(r);
    if (!r.root_cause && doctor && !interp.empty()) {
      std::vector<Framework> preferred;
      for (const auto& m : r.messages) {
        if (auto fw = framework_of_message(m.id)) preferred.push_back(*fw);
      }
      for (const auto& p : r.processes) {
        if (p.interpreter == interp)
          preferred.insert(preferred.end(), p.frameworks.begin(), p.frameworks.end());
      }
      const FrameworkVerdict* chosen = nullptr;
      for (auto fw : preferred) {
        for (const auto& v : doctor->frameworks) {
          if (!chosen && v.interpreter == interp && v.framework == fw && !v.gpu &&
              !v.root_cause.empty())
            chosen = &v;
        }
      }
      for (const auto& v : doctor->frameworks) {
        if (!chosen && v.interpreter == interp && !v.gpu && !v.root_cause.empty()) chosen = &v;
      }
      if (chosen) {
        if (const Finding* f = finding(*doctor, chosen->root_cause, chosen->scope)) {
          r.root_cause = *f;
          r.root_cause_scope = chosen->scope;
        }
      }
    }
    // 3. What the framework itself said, with that line's own fix.
    if (!r.root_cause) {
      for (const auto& m : r.messages) {
        auto id = FindingId::known(m.id);
        if (!id || !is_fallback_message(m.id)) continue;
        auto f = make_finding(*id);
        auto fw = framework_of_message(m.id);
        f.args.set("framework", fw ? enum_string(*fw) : std::string("the command"))
            .set("text", m.text)
            .flag("own_fix");
        if (!m.detail.empty()) f.evidence.push_back({"messages[].detail", m.detail});
        r.root_cause = std::move(f);
        r.root_cause_scope = "the command's own output";
        break;
      }
    }
  }
  if (r.end == EndKind::not_started) {
    r.exit_code = r.command_exit_code;
  } else if (r.end == EndKind::stopped_early || (require != RequireGpu::no && !r.used_gpu)) {
    r.exit_code = kExitNoGpu;
  } else {
    r.exit_code = r.command_exit_code;
  }
}

}  // namespace ongpu::run
