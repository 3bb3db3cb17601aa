#include "frameworks/detect.h"

#include <fmt/format.h>

#include <algorithm>

#include "python/metadata.h"
#include "python/wheel.h"
#include "util/strings.h"

namespace ongpu::frameworks {
namespace {

using python::normalize_name;

const Distribution* find_dist(const PythonEnv& env, std::string_view name) {
  for (const auto& d : env.distributions) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

std::vector<const Distribution*> find_dists(const PythonEnv& env,
                                            std::initializer_list<std::string_view> names) {
  std::vector<const Distribution*> out;
  for (const auto& d : env.distributions) {
    if (std::find(names.begin(), names.end(), d.name) != names.end()) out.push_back(&d);
  }
  return out;
}

// The site directory's package directory, if it exists.
std::string package_dir(const sys::FileSystem& fs, const Distribution& d, const char* package) {
  std::string dir = d.location + "/" + package;
  auto st = fs.stat(dir);
  return st && st->is_dir ? dir : "";
}

// CUDA wheels the distribution pins: nvidia-* requirements, with the given
// extra ("" = unconditional), matched with what is installed.
std::vector<PinnedWheel> pinned_wheels(const PythonEnv& env, const Distribution& d,
                                       std::initializer_list<std::string_view> extras) {
  std::vector<PinnedWheel> out;
  for (const auto& line : d.requires_dist) {
    auto r = python::parse_requirement(line);
    if (!r || !starts_with(r->name, "nvidia-")) continue;
    if (std::find(extras.begin(), extras.end(), r->extra) == extras.end()) continue;
    if (std::any_of(out.begin(), out.end(),
                    [&](const PinnedWheel& w) { return w.name == r->name; }))
      continue;
    PinnedWheel w{r->name, r->specifier, r->extra, ""};
    if (const auto* inst = find_dist(env, r->name)) w.installed = inst->version;
    out.push_back(std::move(w));
  }
  return out;
}

// The Tag lines of the distribution's WHEEL file: the platform pip chose the
// wheel for (PEP 427). Installs that keep no WHEEL (egg-info, some conda
// packages) leave the fact missing.
Fact<std::vector<std::string>> wheel_tags(const sys::FileSystem& fs, const Distribution& d) {
  if (!ends_with(d.metadata_dir, ".dist-info")) {
    return Fact<std::vector<std::string>>::missing(d.metadata_dir +
                                                   " is not a dist-info directory");
  }
  auto text = fs.read_file(d.location + "/" + d.metadata_dir + "/WHEEL", 64 * 1024);
  if (!text) return Fact<std::vector<std::string>>::missing("no WHEEL file in " + d.metadata_dir);
  auto tags = python::parse_wheel_tags(*text);
  if (tags.empty())
    return Fact<std::vector<std::string>>::missing(d.metadata_dir + "/WHEEL has no Tag line");
  return tags;
}

std::vector<std::string> names_of(const std::vector<const Distribution*>& ds,
                                  const Distribution* except) {
  std::vector<std::string> out;
  for (const auto* d : ds) {
    if (d != except) out.push_back(d->name + " " + d->version + " (" + d->metadata_dir + ")");
  }
  return out;
}

void tensorflow(const sys::FileSystem& fs, const PythonEnv& env, std::vector<FrameworkFacts>& out) {
  // Every distribution that installs the `tensorflow` package. tensorflow-gpu
  // 2.12.0 is an empty package whose installation fails (PyPI README).
  auto dists =
      find_dists(env, {"tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tensorflow-intel",
                       "tf-nightly", "tf-nightly-cpu", "tensorflow-macos", "tensorflow-rocm",
                       "tensorflow-aarch64", "intel-tensorflow"});
  if (dists.empty()) return;
  const Distribution* main = dists.front();
  for (const auto* d : dists) {  // the one that owns a package directory wins
    if (!package_dir(fs, *d, "tensorflow").empty()) {
      main = d;
      break;
    }
  }
  FrameworkFacts f;
  f.framework = Framework::tensorflow;
  f.distribution = main->name;
  f.version = main->version;
  f.package_dir = package_dir(fs, *main, "tensorflow");
  f.wheel_tags = wheel_tags(fs, *main);
  f.conflicts = names_of(dists, main);
  f.cuda_wheels = pinned_wheels(env, *main, {"and-cuda"});
  const std::string why_missing = f.package_dir.empty()
                                      ? "the tensorflow package directory is missing"
                                      : "no tensorflow/python/platform/build_info.py";
  auto info = f.package_dir.empty()
                  ? Result<std::string>(make_error(why_missing))
                  : fs.read_file(f.package_dir + "/python/platform/build_info.py", 64 * 1024);
  if (info) {
    auto a = python::parse_python_assignments(*info);
    auto get = [&](const char* k) -> Fact<std::string> {
      auto it = a.find(k);
      if (it == a.end() || it->second.empty())
        return Fact<std::string>::missing(std::string("build_info.py has no ") + k);
      return it->second;
    };
    f.cuda_version = get("cuda_version");
    f.cudnn_version = get("cudnn_version");
    auto caps = get("cuda_compute_capabilities");
    if (caps) {
      std::vector<std::string> targets;
      for (auto t : split(*caps, ',')) {
        if (!t.empty()) targets.emplace_back(t);
      }
      f.gpu_targets = targets;
    } else {
      f.gpu_targets = Fact<std::vector<std::string>>::missing(caps.reason);
    }
    bool cuda = a.count("is_cuda_build") && a["is_cuda_build"] == "True";
    bool rocm = a.count("is_rocm_build") && a["is_rocm_build"] == "True";
    f.flavor = cuda ? BuildFlavor::cuda : rocm ? BuildFlavor::rocm : BuildFlavor::cpu;
  } else {
    f.cuda_version = f.cudnn_version = Fact<std::string>::missing(info.error());
    f.gpu_targets = Fact<std::vector<std::string>>::missing(info.error());
    f.flavor = BuildFlavor::unknown;
  }
  if (main->name == "tensorflow-gpu" && f.package_dir.empty()) f.flavor = BuildFlavor::stub;
  if (main->name == "tensorflow-cpu" || main->name == "tf-nightly-cpu") f.flavor = BuildFlavor::cpu;
  out.push_back(std::move(f));
}

void torch(const sys::FileSystem& fs, const PythonEnv& env, std::vector<FrameworkFacts>& out) {
  const Distribution* d = find_dist(env, "torch");
  if (!d) return;
  FrameworkFacts f;
  f.framework = Framework::torch;
  f.distribution = d->name;
  f.version = d->version;
  f.package_dir = package_dir(fs, *d, "torch");
  f.wheel_tags = wheel_tags(fs, *d);
  f.cuda_wheels = pinned_wheels(env, *d, {""});
  f.cudnn_version = Fact<std::string>::missing("torch/version.py does not record it");
  f.gpu_targets = Fact<std::vector<std::string>>::missing(
      "recorded inside libtorch_cuda.so only (ongpu verify reads it live)");
  auto text = f.package_dir.empty()
                  ? Result<std::string>(make_error("the torch package directory is missing"))
                  : fs.read_file(f.package_dir + "/version.py", 64 * 1024);
  if (text) {
    auto a = python::parse_python_assignments(*text);
    bool has_cuda = a.count("cuda") && a["cuda"] != "None" && !a["cuda"].empty();
    bool has_hip = a.count("hip") && a["hip"] != "None" && !a["hip"].empty();
    f.cuda_version = has_cuda ? Fact<std::string>(a["cuda"])
                              : Fact<std::string>::missing("torch.version.cuda is None");
    f.flavor = has_cuda ? BuildFlavor::cuda : has_hip ? BuildFlavor::rocm : BuildFlavor::cpu;
  } else {
    f.cuda_version = Fact<std::string>::missing(text.error());
    f.flavor = BuildFlavor::unknown;
  }
  out.push_back(std::move(f));
}

void jax(const sys::FileSystem& fs, const PythonEnv& env, std::vector<FrameworkFacts>& out) {
  const Distribution* d = find_dist(env, "jax");
  if (!d) return;
  FrameworkFacts f;
  f.framework = Framework::jax;
  f.distribution = d->name;
  f.version = d->version;
  f.package_dir = package_dir(fs, *d, "jax");
  f.cudnn_version = Fact<std::string>::missing("not recorded in the package metadata");
  f.gpu_targets = Fact<std::vector<std::string>>::missing("not recorded in the package metadata");
  f.cuda_version = Fact<std::string>::missing("no CUDA plugin installed");
  f.flavor = BuildFlavor::cpu;
  // jax itself is pure Python (py3-none-any); jaxlib carries the compiled code.
  const Distribution* jaxlib = find_dist(env, "jaxlib");
  f.wheel_tags = jaxlib ? wheel_tags(fs, *jaxlib)
                        : Fact<std::vector<std::string>>::missing("jaxlib is not installed");
  for (const auto& dist : env.distributions) {
    const auto& n = dist.name;
    if (n == "jaxlib" ||
        (starts_with(n, "jax-cuda") && (ends_with(n, "-plugin") || ends_with(n, "-pjrt")))) {
      f.components[n] = dist.version;
    }
    // The JAX CUDA plugins (jax-cuda12-plugin, jax-cuda13-plugin) carry the GPU
    // backend since jax 0.4.x (JAX installation guide); their [with-cuda]
    // extra pins the NVIDIA wheels.
    if (starts_with(n, "jax-cuda") && ends_with(n, "-plugin")) {
      f.flavor = BuildFlavor::cuda;
      std::string major = n.substr(8, n.size() - 8 - 7);  // jax-cuda12-plugin -> 12
      f.cuda_version = major;
      auto wheels = pinned_wheels(env, dist, {"with-cuda"});
      f.cuda_wheels.insert(f.cuda_wheels.end(), wheels.begin(), wheels.end());
    }
  }
  // Older jaxlib wheels carried CUDA themselves: jaxlib 0.4.x+cuda12.cudnn89.
  if (auto it = f.components.find("jaxlib");
      it != f.components.end() && it->second.find("+cuda") != std::string::npos) {
    f.flavor = BuildFlavor::cuda;
  }
  out.push_back(std::move(f));
}

void cupy(const sys::FileSystem& fs, const PythonEnv& env, std::vector<FrameworkFacts>& out) {
  std::vector<const Distribution*> dists;
  for (const auto& d : env.distributions) {
    if (d.name == "cupy" || starts_with(d.name, "cupy-cuda") || starts_with(d.name, "cupy-rocm"))
      dists.push_back(&d);
  }
  if (dists.empty()) return;
  const Distribution* d = dists.front();
  FrameworkFacts f;
  f.framework = Framework::cupy;
  f.distribution = d->name;
  f.version = d->version;
  f.package_dir = package_dir(fs, *d, "cupy");
  f.conflicts = names_of(dists, d);
  f.wheel_tags = wheel_tags(fs, *d);
  f.cudnn_version = Fact<std::string>::missing("CuPy does not need cuDNN");
  f.gpu_targets = Fact<std::vector<std::string>>::missing("not recorded in the package metadata");
  // cupy-cuda12x is built for CUDA 12.x (CuPy installation guide: one wheel per CUDA major).
  if (starts_with(d->name, "cupy-cuda")) {
    std::string tag = d->name.substr(9);  // "12x", "11x", "13x", "102"
    f.cuda_version = tag.size() >= 2 ? tag.substr(0, 2) : tag;
    f.flavor = BuildFlavor::cuda;
  } else if (starts_with(d->name, "cupy-rocm")) {
    f.cuda_version = Fact<std::string>::missing("a ROCm build");
    f.flavor = BuildFlavor::rocm;
  } else {
    f.cuda_version = Fact<std::string>::missing("built from source against the local CUDA");
    f.flavor = BuildFlavor::cuda;
  }
  f.cuda_wheels = pinned_wheels(env, *d, {"", "ctk"});
  // CuPy 14's [ctk] extra pins NVIDIA's cuda-toolkit meta-package (with the
  // libraries as its own extras): `pip install 'cupy-cuda12x[ctk]'` is how
  // CuPy's installation guide gets the CUDA libraries from PyPI.
  for (const auto& line : d->requires_dist) {
    auto r = python::parse_requirement(line);
    if (!r || r->name != "cuda-toolkit" || r->extra != "ctk") continue;
    PinnedWheel w{r->name, r->specifier, r->extra, ""};
    if (const auto* inst = find_dist(env, r->name)) w.installed = inst->version;
    f.cuda_wheels.push_back(std::move(w));
    break;
  }
  out.push_back(std::move(f));
}

void onnxruntime(const sys::FileSystem& fs, const PythonEnv& env,
                 std::vector<FrameworkFacts>& out) {
  auto dists = find_dists(
      env, {"onnxruntime-gpu", "onnxruntime", "onnxruntime-directml", "onnxruntime-openvino",
            "onnxruntime-training", "ort-nightly", "ort-nightly-gpu"});
  if (dists.empty()) return;
  // Both provide the same `onnxruntime` package; whichever was installed last
  // owns the files, so ongpu reports the conflict rather than guessing.
  const Distribution* gpu = nullptr;
  for (const auto* d : dists) {
    if (d->name == "onnxruntime-gpu" || d->name == "ort-nightly-gpu") gpu = d;
  }
  const Distribution* d = gpu ? gpu : dists.front();
  FrameworkFacts f;
  f.framework = Framework::onnxruntime;
  f.distribution = d->name;
  f.version = d->version;
  f.package_dir = package_dir(fs, *d, "onnxruntime");
  f.conflicts = names_of(dists, d);
  f.wheel_tags = wheel_tags(fs, *d);
  f.flavor = gpu ? BuildFlavor::cuda : BuildFlavor::cpu;
  f.cuda_version =
      Fact<std::string>::missing(gpu ? "not recorded in the package metadata" : "a CPU-only build");
  f.cudnn_version = Fact<std::string>::missing("not recorded in the package metadata");
  f.gpu_targets = Fact<std::vector<std::string>>::missing("not recorded in the package metadata");
  if (gpu && !f.package_dir.empty()) {
    // The CUDA provider is a separate shared object in GPU builds.
    auto capi = fs.list_dir(f.package_dir + "/capi");
    if (capi && std::none_of(capi->begin(), capi->end(), [](const std::string& n) {
          return n.find("providers_cuda") != std::string::npos;
        })) {
      f.flavor = BuildFlavor::cpu;  // the files on disk are the CPU package's
    }
  }
  f.cuda_wheels = pinned_wheels(env, *d, {"", "cuda", "cudnn"});
  out.push_back(std::move(f));
}

}  // namespace

std::vector<FrameworkFacts> detect(const sys::FileSystem& fs, const PythonEnv& env) {
  std::vector<FrameworkFacts> out;
  tensorflow(fs, env, out);
  torch(fs, env, out);
  jax(fs, env, out);
  cupy(fs, env, out);
  onnxruntime(fs, env, out);
  // A distribution whose METADATA cannot be read is still there: what it is
  // built for is unknown, and says so.
  for (auto& f : out) {
    const auto* d = find_dist(env, f.distribution);
    if (d && !d->unreadable.empty()) {
      f.flavor = BuildFlavor::unknown;
      f.cuda_version = Fact<std::string>::missing(
          fmt::format("{}/{}: {}", d->location, d->metadata_dir, d->unreadable));
    }
  }
  return out;
}

}  // namespace ongpu::frameworks
