// `ongpu compat --driver VERSION`: the newest CUDA a driver runs, and the
// newest framework builds it allows.
#include <fmt/format.h>

#include "knowledge/compat.h"
#include "knowledge/compat_items.h"
#include "knowledge/version.h"
#include "util/strings.h"

namespace ongpu::knowledge {
namespace {

std::string both_sources(const std::string& a, const std::string& b) {
  return a == b ? a : a + "; " + b;
}

bool newer(std::string_view a, std::string_view b) {
  return compare_versions(a, b).value_or(0) > 0;
}

std::string cuda_major(const std::string& cuda) { return cuda.substr(0, cuda.find('.')); }

// How a driver can run a build made with CUDA `cuda`.
enum class Runs { natively, minor_compat, no };

Runs driver_runs(const Knowledge& k, std::string_view driver, const std::string& cuda) {
  auto req = k.min_driver_for_cuda(cuda);
  if (!req) return Runs::no;
  if (version_at_least(driver, req->release.linux_min)) return Runs::natively;
  if (req->minor_compat && version_at_least(driver, req->minor_compat->linux_min)) {
    return Runs::minor_compat;
  }
  return Runs::no;
}

std::string driver_source(const Knowledge& k, const std::string& cuda, Runs how) {
  auto req = k.min_driver_for_cuda(cuda);
  if (!req) return "";
  if (how == Runs::minor_compat && req->minor_compat) return req->minor_compat->source;
  return req->release.source;
}

void tensorflow_items(const Knowledge& k, std::string_view driver, std::vector<Item>& out) {
  const TfBuild* best[2] = {nullptr, nullptr};  // natively, via minor compat
  for (const auto& b : k.tensorflow_builds()) {
    Runs how = driver_runs(k, driver, b.cuda);
    if (how == Runs::no) continue;
    const TfBuild*& slot = best[how == Runs::natively ? 0 : 1];
    if (!slot || newer(b.version, slot->version)) slot = &b;
  }
  if (!best[0] && !best[1]) {
    out.push_back(Item{"tensorflow",
                       "TensorFlow",
                       "none in the table: every tested build needs a newer driver",
                       {},
                       ""});
    return;
  }
  if (best[0]) {
    out.push_back(
        Item{"tensorflow",
             "TensorFlow",
             fmt::format("{} (CUDA {}, cuDNN {})", best[0]->version, best[0]->cuda, best[0]->cudnn),
             {{"version", best[0]->version}, {"cuda", best[0]->cuda}},
             both_sources(best[0]->source, driver_source(k, best[0]->cuda, Runs::natively))});
  }
  if (best[1] && (!best[0] || newer(best[1]->version, best[0]->version))) {
    out.push_back(
        Item{"tensorflow_minor_compat",
             "",
             fmt::format("{} (CUDA {}) only through CUDA {}.x minor-version "
                         "compatibility, with its limits",
                         best[1]->version, best[1]->cuda, cuda_major(best[1]->cuda)),
             {{"version", best[1]->version}, {"cuda", best[1]->cuda}},
             both_sources(best[1]->source, driver_source(k, best[1]->cuda, Runs::minor_compat))});
  }
}

void torch_items(const Knowledge& k, std::string_view driver, std::vector<Item>& out) {
  const TorchVariant* best[2] = {nullptr, nullptr};
  for (const auto& v : k.torch_variants()) {
    Runs how = driver_runs(k, driver, v.cuda);
    if (how == Runs::no) continue;
    const TorchVariant*& slot = best[how == Runs::natively ? 0 : 1];
    if (!slot || newer(v.torch, slot->torch) ||
        (!newer(slot->torch, v.torch) && newer(v.cuda, slot->cuda))) {
      slot = &v;
    }
  }
  if (!best[0] && !best[1]) {
    out.push_back(Item{
        "torch", "PyTorch", "none in the table: every CUDA variant needs a newer driver", {}, ""});
    return;
  }
  if (best[0]) {
    out.push_back(Item{
        "torch",
        "PyTorch",
        fmt::format("{} with {} (CUDA {})", best[0]->torch, best[0]->index_tag(), best[0]->cuda),
        {{"version", best[0]->torch}, {"cuda", best[0]->cuda}, {"index_tag", best[0]->index_tag()}},
        both_sources(best[0]->source, driver_source(k, best[0]->cuda, Runs::natively))});
  }
  if (best[1] && (!best[0] || newer(best[1]->torch, best[0]->torch))) {
    out.push_back(Item{
        "torch_minor_compat",
        "",
        fmt::format("{} with {} (CUDA {}) only through CUDA {}.x minor-version "
                    "compatibility, with its limits",
                    best[1]->torch, best[1]->index_tag(), best[1]->cuda, cuda_major(best[1]->cuda)),
        {{"version", best[1]->torch}, {"cuda", best[1]->cuda}, {"index_tag", best[1]->index_tag()}},
        both_sources(best[1]->source, driver_source(k, best[1]->cuda, Runs::minor_compat))});
  }
}

void jax_items(const Knowledge& k, std::string_view driver, std::vector<Item>& out) {
  const JaxExtra* best = nullptr;
  const JaxExtra* lowest = nullptr;
  for (const auto& e : k.jax_extras()) {
    if (!lowest || newer(lowest->driver_min_linux, e.driver_min_linux)) lowest = &e;
    if (!version_at_least(driver, e.driver_min_linux)) continue;
    // Prefer the newest CUDA major, then an extra that brings the NVIDIA wheels.
    if (!best || newer(e.cuda_major, best->cuda_major) ||
        (e.cuda_major == best->cuda_major && e.nvidia_wheels && !best->nvidia_wheels &&
         e.removed_in.empty())) {
      best = &e;
    }
  }
  if (!best) {
    out.push_back(Item{
        "jax",
        "JAX",
        fmt::format("none: JAX's CUDA plugins need a driver ≥ {} (CUDA {})",
                    lowest ? lowest->driver_min_linux : "?", lowest ? lowest->cuda_major : "?"),
        {},
        lowest ? lowest->source : ""});
    return;
  }
  out.push_back(Item{"jax",
                     "JAX",
                     fmt::format("jax[{}] (CUDA {}; needs a driver ≥ {})", best->extra,
                                 best->cuda_major, best->driver_min_linux),
                     {{"extra", best->extra}, {"cuda_major", best->cuda_major}},
                     best->source});
}

}  // namespace

Result<CompatAnswer> driver_compat(const Knowledge& k, std::string_view driver_version) {
  std::string driver(trim(driver_version));
  if (!parse_version(driver)) {
    return make_error(
        fmt::format("--driver {}: not a driver version (like 470.82.01)", sanitize_text(driver)));
  }
  CompatAnswer a;
  a.kind = CompatKind::driver;
  a.query = driver;
  a.version = driver;

  Section cuda{"cuda", "CUDA", {}};
  auto newest = k.newest_cuda_for_driver(driver);
  if (newest) {
    cuda.items.push_back(Item{
        "newest_toolkit",
        "Newest CUDA",
        fmt::format("{} (needs ≥ {})", newest->release, newest->linux_min),
        {{"cuda", newest->cuda}, {"release", newest->release}, {"linux_min", newest->linux_min}},
        newest->source});
  } else {
    const auto& rows = k.cuda_releases();
    const CudaRelease* oldest = nullptr;
    for (const auto& r : rows) {
      if (!oldest || newer(oldest->linux_min, r.linux_min)) oldest = &r;
    }
    cuda.items.push_back(
        Item{"newest_toolkit",
             "Newest CUDA",
             fmt::format("none in the table (the oldest, {}, needs ≥ {})",
                         oldest ? oldest->release : "?", oldest ? oldest->linux_min : "?"),
             {},
             oldest ? oldest->source : ""});
  }
  auto majors = k.minor_compat_for_driver(driver);
  if (!majors.empty()) {
    const MinorCompat& m = *majors.front();
    std::string text = fmt::format("any CUDA {}.x build", m.cuda_major);
    if (newest && cuda_major(newest->cuda) == m.cuda_major) {
      text = fmt::format("CUDA {}.x builds newer than {}", m.cuda_major, newest->cuda);
    }
    text +=
        fmt::format(" through minor-version compatibility (floor ≥ {}): {}", m.linux_min, m.caveat);
    cuda.items.push_back(
        Item{"minor_compat",
             "Minor compat",
             text,
             {{"cuda_major", m.cuda_major}, {"linux_min", m.linux_min}, {"caveat", m.caveat}},
             m.source});
  } else {
    cuda.items.push_back(Item{"minor_compat",
                              "Minor compat",
                              "no CUDA major's minor-version-compatibility floor is met",
                              {},
                              ""});
  }
  a.sections.push_back(std::move(cuda));

  Section frameworks{"frameworks", "Newest framework builds", {}};
  tensorflow_items(k, driver, frameworks.items);
  torch_items(k, driver, frameworks.items);
  jax_items(k, driver, frameworks.items);
  a.sections.push_back(std::move(frameworks));
  return a;
}

}  // namespace ongpu::knowledge
