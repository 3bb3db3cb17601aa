#include "render/verdict_words.h"

#include <fmt/format.h>

#include "render/finding_words.h"

namespace ongpu {
namespace {

// The first finding with this id.
const Finding* first(const std::vector<Finding>& findings, const std::string& id) {
  for (const auto& f : findings) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

const FrameworkFacts* facts_of(const FrameworkVerdict& v, const Report& r) {
  const auto& envs = r.facts.python.environments;
  if (v.environment >= envs.size() || v.index >= envs[v.environment].frameworks.size())
    return nullptr;
  return &envs[v.environment].frameworks[v.index];
}

}  // namespace

std::string framework_name(Framework framework) {
  switch (framework) {
    case Framework::tensorflow:
      return "TensorFlow";
    case Framework::torch:
      return "PyTorch";
    case Framework::jax:
      return "JAX";
    case Framework::cupy:
      return "CuPy";
    case Framework::onnxruntime:
      return "ONNX Runtime";
  }
  return enum_string(framework);
}

std::string machine_summary(const Verdict& v, const std::vector<Finding>& findings) {
  const Finding* root = v.root_cause.empty() ? nullptr : first(findings, v.root_cause);
  const std::string because = root ? ": " + finding_words(*root).summary : "";
  if (v.status == VerdictStatus::unchecked) return "ongpu could not check CUDA here" + because;
  if (!v.gpu_usable) return "CUDA cannot use a GPU here" + because;
  return fmt::format("CUDA can use {} GPU{} here{}", v.usable_gpus, v.usable_gpus == 1 ? "" : "s",
                     v.status == VerdictStatus::warnings ? ", with warnings" : "");
}

std::string verdict_summary(const Report& r) {
  const auto& v = r.verdict;
  std::string out;
  if (v.no_framework_on_gpu) {
    // The first framework known to be on the CPU speaks for them.
    for (const auto& fv : r.frameworks) {
      if (fv.unknown) continue;
      out = "no framework found can use the GPU: " + framework_summary(fv, r);
      break;
    }
  } else {
    out = machine_summary(r.machine, r.findings);
  }
  if (v.frameworks_on_gpu >= 0)
    out += fmt::format("; {} of {} frameworks can use it", v.frameworks_on_gpu, v.frameworks);
  if (v.environments_unchecked > 0) {
    out += fmt::format("; {} Python environment{} could not be checked", v.environments_unchecked,
                       v.environments_unchecked == 1 ? "" : "s");
  }
  return out;
}

const Finding* framework_root_finding(const FrameworkVerdict& v, const Report& r) {
  if (v.gpu) return nullptr;
  if (!r.machine.gpu_usable)
    return r.machine.root_cause.empty() ? nullptr : first(r.findings, r.machine.root_cause);
  // Its own root cause: the first error among its findings (build_unknown
  // when it has none).
  for (const auto& f : r.findings) {
    if (f.scope != v.scope) continue;
    if (v.unknown ? f.id == v.root_cause : f.severity == Severity::error) return &f;
  }
  return nullptr;
}

std::string framework_summary(const FrameworkVerdict& v, const Report& r) {
  if (v.gpu) return fmt::format("{} {} can use the GPU", framework_name(v.framework), v.version);
  if (!r.machine.gpu_usable) return machine_summary(r.machine, r.findings);
  const Finding* cause = framework_root_finding(v, r);
  return cause ? finding_words(*cause).summary : "";
}

std::vector<std::string> framework_details(const FrameworkVerdict& v, const Report& r) {
  std::vector<std::string> out;
  const FrameworkFacts* fw = facts_of(v, r);
  if (!fw) return out;
  out.push_back(fmt::format("build: {}{}{}{}", fw->flavor,
                            fw->cuda_version ? ", CUDA " + *fw->cuda_version : "",
                            fw->cudnn_version ? ", cuDNN " + *fw->cudnn_version : "",
                            fw->package_dir.empty() ? "" : ", in " + fw->package_dir));
  if (fw->gpu_targets && !fw->gpu_targets->empty())
    out.push_back(fmt::format("GPU code: {}", fmt::join(*fw->gpu_targets, " ")));
  for (const auto& l : fw->libraries) {
    if (l.outcome == LibraryOutcome::found) {
      out.push_back(fmt::format("{} → {} ({}{})", l.soname, l.real_path.value_or("?"), l.found_by,
                                l.reported_version ? ", reports " + *l.reported_version : ""));
    } else {
      out.push_back(
          fmt::format("{}: {}", l.soname,
                      l.outcome == LibraryOutcome::not_found ? "not found" : l.path.reason));
    }
    for (const auto& c : l.other_copies) out.push_back("  also " + c.to_text());
  }
  return out;
}

}  // namespace ongpu
