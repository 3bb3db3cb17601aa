#include "render/verify_words.h"

#include <fmt/format.h>

#include "render/finding_words.h"
#include "render/verdict_words.h"

namespace ongpu {

namespace wording {
std::string milliseconds(double v) {
  return v >= 100 ? fmt::format("{:.0f} ms", v) : fmt::format("{:.3g} ms", v);
}
}  // namespace wording

using verify::LiveOutcome;
using wording::milliseconds;

std::string live_summary(const verify::LiveVerdict& v) {
  if (v.outcome == LiveOutcome::failed || v.outcome == LiveOutcome::gpu_broken) {
    for (const auto& f : v.findings) {
      if (f.severity == Severity::error) return finding_words(f).summary;
    }
    return "the check did not finish";
  }
  const auto& a = *v.run.answer;
  if (!a.compute || !a.compute->cpu)
    return v.outcome == LiveOutcome::gpu ? "computes on the GPU" : "no multiplication ran";
  const auto& c = *a.compute;
  if (v.outcome == LiveOutcome::gpu) {
    std::string model;
    for (const auto& d : a.devices) {
      if (d.kind == verify::DeviceKind::gpu) {
        model = d.model.empty() ? d.name : d.model;
        break;
      }
    }
    double s = c.speedup.value_or(0);
    return fmt::format(
        "{}: {}×{} float32 matmul {} on {} vs {} on the CPU: {:.1f}× {}; results match", model,
        c.size, c.size, milliseconds(c.gpu->median_ms), c.gpu->device,
        milliseconds(c.cpu->median_ms), s >= 1 || s == 0 ? s : 1 / s, s >= 1 ? "faster" : "slower");
  }
  return fmt::format("{}×{} float32 matmul ran on {} in {}{}", c.size, c.size, c.cpu->device,
                     milliseconds(c.cpu->median_ms),
                     c.cpu->gflops ? fmt::format(" ({:.0f} GFLOP/s)", *c.cpu->gflops) : "");
}

std::string live_cause_summary(const verify::LiveVerdict& v, const Report& doctor) {
  if (v.cause_is_prediction && v.predicted) return framework_summary(*v.predicted, doctor);
  if (v.cause) return finding_words(*v.cause).summary;
  return "";
}

std::string verify_summary(const verify::VerifyReport& r) {
  if (r.frameworks.empty()) {
    if (r.interpreters.empty())
      return "no Python interpreter was found to verify in; name one with --python PATH";
    return fmt::format(
        "no framework (tensorflow, torch, jax, cupy, onnxruntime) is installed in {}; name "
        "another interpreter with --python PATH",
        fmt::join(r.interpreters, ", "));
  }
  if (r.on_gpu == 0) {
    const std::string cause = live_cause_summary(r.frameworks.front(), r.doctor);
    return fmt::format("no framework computed on the GPU{}", cause.empty() ? "" : ": " + cause);
  }
  if (r.verdict.status == VerdictStatus::warnings)
    return fmt::format("{} of {} framework checks computed on the GPU", r.on_gpu,
                       r.frameworks.size());
  return "every framework checked computed on the GPU";
}

}  // namespace ongpu
