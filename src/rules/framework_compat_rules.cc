// Framework checks of its build against the machine: cuDNN, driver, and the
// GPU architectures it carries code for.
#include <fmt/format.h>

#include <algorithm>

#include "knowledge/version.h"
#include "python/metadata.h"
#include "python/wheel.h"
#include "rules/catalog.h"
#include "rules/framework_checker.h"
#include "rules/visible.h"
#include "util/strings.h"

namespace ongpu::framework_check {
namespace {

struct Target {
  int major = 0, minor = 0;
  bool ptx = false;
  bool arch_specific = false;  // sm_90a / compute_90a: only exactly 9.0
  bool family = false;         // sm_100f / compute_100f: the same major, minor at or above
};

std::optional<Target> parse_target(std::string_view t) {
  Target out;
  if (starts_with(t, "sm_"))
    t.remove_prefix(3);
  else if (starts_with(t, "compute_")) {
    t.remove_prefix(8);
    out.ptx = true;
  } else {
    return std::nullopt;
  }
  if (!t.empty() && (t.back() == 'a' || t.back() == 'f')) {
    out.arch_specific = t.back() == 'a';
    out.family = t.back() == 'f';
    t.remove_suffix(1);
  }
  auto n = parse_number<int>(t);
  if (!n || *n < 10) return std::nullopt;
  out.major = *n / 10;  // sm_86 -> 8.6, sm_120 -> 12.0
  out.minor = *n % 10;
  return out;
}
}  // namespace

std::optional<Checker::BuiltCudnn> Checker::built_cudnn() const {
  if (!fw_.cudnn_version) return std::nullopt;
  const std::string own = *fw_.cudnn_version;
  if (own.find('.') == std::string::npos && fw_.framework == Framework::tensorflow) {
    auto tested = k_.tensorflow_build(release_of(fw_.version));
    if (tested.build && split(tested.build->cudnn, '.')[0] == own) {
      return BuiltCudnn{tested.build->cudnn,
                        fmt::format("TensorFlow {} built with cuDNN {} ({})", tested.build->version,
                                    tested.build->cudnn, tested.build->source)};
    }
  }
  return BuiltCudnn{own, ""};
}

// TF: "CuDNN library needs to have matching major version and equal or
// higher minor version." The cuDNN compared is the one the loader takes:
// its own version call (--library-versions), else its file name
// (libcudnn.so.9.1.0), else the pinned wheel it comes from; a system copy
// (/usr/lib, /usr/local/cuda, reached by LD_LIBRARY_PATH or ld.so.cache)
// counts as much as a wheel.
void Checker::cudnn() {
  auto built = built_cudnn();
  if (!built) return;
  auto need = major_minor(built->version);
  if (!need) return;
  const bool need_minor = built->version.find('.') != std::string::npos;
  const PinnedWheel* wheel = nullptr;
  for (const auto& w : fw_.cuda_wheels) {
    if (starts_with(w.name, "nvidia-cudnn") && !w.installed.empty()) wheel = &w;
  }
  const LibraryFact* lib = nullptr;
  for (const auto& l : fw_.libraries) {
    if (starts_with(l.soname, "libcudnn.so.") && l.outcome == LibraryOutcome::found) lib = &l;
  }
  const bool from_wheel = lib && lib->real_path && in_nvidia_wheel(*lib->real_path);
  std::string have, field;
  if (lib && lib->reported_version) {
    have = *lib->reported_version;
    field = "frameworks[].libraries[].reported_version";
  } else if (lib && lib->version && lib->version->find('.') != std::string::npos) {
    have = *lib->version;
    field = "frameworks[].libraries[].version";
  } else if (wheel && (!lib || from_wheel)) {
    have = wheel->installed;
    field = "frameworks[].cuda_wheels[].installed";
  } else if (lib && lib->version) {
    have = *lib->version;  // the major only (libcudnn.so.9)
    field = "frameworks[].libraries[].version";
  } else {
    return;
  }
  auto got = major_minor(have);
  if (!got) return;
  const bool got_minor = have.find('.') != std::string::npos;
  if (got->first == need->first && !(need_minor && got_minor && got->second < need->second)) return;

  auto& x = add("framework.cudnn_mismatch");
  x.args.set("have", have);
  if (field == "frameworks[].cuda_wheels[].installed") {
    x.args.set("by", "wheel").set("wheel", wheel->name);
  } else {
    x.args.set("by", "library").set("loaded", lib->real_path.value_or(lib->soname));
    x.args.set("found_by", lib->found_by);
  }
  x.evidence.push_back({"frameworks[].cudnn_version", *fw_.cudnn_version});
  if (!built->source.empty()) x.evidence.push_back({"knowledge:tensorflow_gpu.csv", built->source});
  x.evidence.push_back({field, have});
  const std::string range = fmt::format(">={}.{},<{}", need->first, need->second, need->first + 1);
  const std::string cuda_major =
      fw_.cuda_version ? fw_.cuda_version->substr(0, fw_.cuda_version->find('.')) : "";
  if (lib && !from_wheel) {
    // A system install: the copy the loader takes has to be replaced, or a
    // wheel of the build's CUDA major put before it.
    x.args.set("fix", "system").set("need_major", need->first).set("need_minor", need->second);
    x.args.set("dir", dir_of(lib->path.value_or(lib->real_path.value_or(""))));
    x.args.set("found_by", lib->found_by);
    if (!cuda_major.empty()) {
      x.args.set("cuda_major", cuda_major)
          .set("cudnn_requirement", "nvidia-cudnn-cu" + cuda_major + range);
      // Without it, the framework's RUNPATH reaches the wheel before
      // ld.so.cache does: installing the wheel is enough.
      x.args.flag("first_on_path",
                  lib->found_step == LoaderStep::ld_library_path || fw_.cuda_wheels.empty());
    }
  } else if (wheel) {
    x.args.set("fix", "pip").set("cudnn_requirement", wheel->name + wheel->specifier);
  } else {
    x.args.set("fix", "pip")
        .set("cudnn_requirement",
             "nvidia-cudnn-cu" + (cuda_major.empty() ? std::string("12") : cuda_major) + range);
  }
}

void Checker::driver() {
  if (!fw_.cuda_version) return;
  auto need = major_minor(*fw_.cuda_version);
  // The libcuda the framework loads decides (a forward-compatibility libcuda
  // supports a newer CUDA than the kernel driver NVML speaks for).
  std::optional<int> driver_cuda;
  if (f_.cuda.probe.status == ProbeStatus::ok && f_.cuda.driver_version)
    driver_cuda = *f_.cuda.driver_version;
  else if (f_.nvml.cuda_driver_version)
    driver_cuda = *f_.nvml.cuda_driver_version;
  if (!need || !driver_cuda) return;
  const int have_major = *driver_cuda / 1000, have_minor = (*driver_cuda % 1000) / 10;
  const std::string have = fmt::format("{}.{}", have_major, have_minor);
  if (std::make_pair(have_major, have_minor) >= *need) return;
  const std::string driver = f_.nvml.driver_version.value_or(f_.kernel_module.version.value_or(""));
  // knowledge/cuda_minor_compat.csv: the floor for minor-version compatibility
  // within the major; knowledge/cuda_driver.csv: the toolkit's own minimum.
  const auto* compat = k_.minor_compat_for_major(std::to_string(need->first));
  std::optional<std::string> floor;
  if (compat && !compat->linux_min.empty()) floor = compat->linux_min;
  auto own = k_.min_driver_for_cuda(*fw_.cuda_version);
  // The driver, what it supports, and the minimums to upgrade to.
  auto driver_args = [&](Finding& x) {
    if (!driver.empty()) x.args.set("driver", driver);
    x.args.set("driver_cuda", have);
    if (own) {
      x.args.set("own_min", own->release.linux_min).set("own_release", own->release.release);
      x.args.set("own_source", own->release.source);
    }
  };
  if (have_major == need->first && floor && !driver.empty() &&
      knowledge::version_at_least(driver, *floor)) {
    auto& x = add("framework.minor_version_compatibility");
    driver_args(x);
    x.evidence.push_back({"nvml.cuda_driver_version", std::to_string(*driver_cuda)});
    return;
  }
  auto& x = add("framework.driver_too_old");
  driver_args(x);
  if (floor) {
    x.args.set("floor", *floor).set("cuda_major", need->first).set("floor_source", compat->source);
  }
  x.evidence.push_back({"nvml.cuda_driver_version", std::to_string(*driver_cuda)});
  x.evidence.push_back({"frameworks[].cuda_version", *fw_.cuda_version});
}

void Checker::architectures() {
  if (!fw_.gpu_targets || fw_.gpu_targets->empty()) return;
  std::vector<Target> targets;
  for (const auto& t : *fw_.gpu_targets) {
    if (auto p = parse_target(t)) targets.push_back(*p);
  }
  if (targets.empty()) return;
  // Only the GPUs this process will see (CUDA_VISIBLE_DEVICES) matter.
  std::vector<int> visible;
  for (const auto& v : resolve_visible(f_).visible) visible.push_back(v.nvml_index);
  for (const auto& g : f_.nvml.gpus) {
    if (!g.compute_capability) continue;
    if (std::find(visible.begin(), visible.end(), static_cast<int>(g.index)) == visible.end())
      continue;
    auto cc = major_minor(*g.compute_capability);
    if (!cc) continue;
    // NVIDIA (Blackwell compatibility guide): SASS runs on the same major
    // with minor at or above its own; PTX of a lower or equal CC is JIT-compiled.
    // Architecture-specific code (sm_90a, compute_90a) runs only on exactly
    // its own compute capability, PTX included, and family-specific code
    // (sm_100f, compute_100f) only within its major (NVIDIA technical blog
    // "NVIDIA Blackwell and NVIDIA CUDA 12.9 Introduce Family-Specific
    // Architecture Features"; LLVM's NVPTX.td: arch-specific PTX "is not
    // compatible with any other architectures"): neither is JIT-compiled
    // for other GPUs.
    bool sass = std::any_of(targets.begin(), targets.end(), [&](const Target& t) {
      if (t.ptx) return false;
      if (t.arch_specific) return t.major == cc->first && t.minor == cc->second;
      return t.major == cc->first && t.minor <= cc->second;
    });
    bool ptx = std::any_of(targets.begin(), targets.end(), [&](const Target& t) {
      if (!t.ptx) return false;
      if (t.arch_specific) return t.major == cc->first && t.minor == cc->second;
      if (t.family) return t.major == cc->first && t.minor <= cc->second;
      return std::make_pair(t.major, t.minor) <= *cc;
    });
    std::string list;
    for (const auto& t : *fw_.gpu_targets) list += (list.empty() ? "" : ", ") + t;
    if (!sass && !ptx) {
      auto& x = add("framework.gpu_arch_unsupported");
      x.args.set("gpu", g.index).set("compute_capability", *g.compute_capability);
      x.args.set("targets", *fw_.gpu_targets);
      if (g.name) x.args.set("gpu_name", *g.name);
      x.evidence.push_back(
          {fmt::format("nvml.gpus[{}].compute_capability", g.index), *g.compute_capability});
      x.evidence.push_back({"frameworks[].gpu_targets", list});
    } else if (!sass) {
      auto& x = add("framework.gpu_arch_ptx_only");
      x.args.set("gpu", g.index).set("compute_capability", *g.compute_capability);
      x.evidence.push_back({"frameworks[].gpu_targets", list});
    }
  }
}

}  // namespace ongpu::framework_check
