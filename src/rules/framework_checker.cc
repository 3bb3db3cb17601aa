// What the framework checks share: names, versions, and the args of the fixes.
#include "rules/framework_checker.h"

#include <fmt/format.h>

#include <algorithm>

#include "knowledge/version.h"
#include "python/metadata.h"
#include "python/wheel.h"
#include "rules/catalog.h"
#include "rules/visible.h"
#include "util/strings.h"

namespace ongpu::framework_check {

// "12.5.1" -> {12, 5}; "12" -> {12, 0}.
std::optional<std::pair<int, int>> major_minor(std::string_view v) {
  auto parts = split(v, '.');
  auto major = parse_number<int>(parts[0]);
  if (!major) return std::nullopt;
  int minor = parts.size() > 1 ? parse_number<int>(parts[1]).value_or(0) : 0;
  return std::make_pair(*major, minor);
}

// The release part of a package version: "2.16.0rc0" -> "2.16.0", "2.3.0+cu121" -> "2.3.0".
std::string_view release_of(std::string_view v) {
  size_t n = 0;
  while (n < v.size() && ((v[n] >= '0' && v[n] <= '9') || v[n] == '.')) ++n;
  while (n > 0 && v[n - 1] == '.') --n;
  return v.substr(0, n);
}

std::string installer_of(const PythonEnv& env, const std::string& dist) {
  for (const auto& d : env.distributions) {
    if (d.name == dist) return d.installer;
  }
  return "";
}

// A file of an NVIDIA pip wheel: site-packages/nvidia/<package>/lib or, from
// CUDA 13, site-packages/nvidia/cu13/lib (NVIDIA/cuml#7304).
bool in_nvidia_wheel(std::string_view path) {
  auto site = path.find("-packages/");  // site-packages, dist-packages
  return site != std::string_view::npos && path.find("/nvidia/", site) != std::string_view::npos;
}

std::string dir_of(std::string_view path) {
  auto slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(0, slash));
}

Finding& Checker::add(FindingId id) {
  out_.push_back(make_finding(id));
  auto& x = out_.back();
  x.scope = scope_;
  // pip runs with the interpreter itself, so it installs into this environment.
  x.args.set("framework", enum_string(fw_.framework))
      .set("version", fw_.version)
      .set("python", env_.executable.value_or(env_.interpreter));
  if (fw_.cuda_version) x.args.set("cuda", *fw_.cuda_version);
  // The tested configuration gives the cuDNN minor TensorFlow records no more of.
  if (auto built = built_cudnn()) x.args.set("cudnn", built->version);
  return x;
}

// A framework that pins no CUDA wheel (TensorFlow before 2.14 has no
// [and-cuda] extra) is told to install the CUDA and cuDNN its build_info.py
// names by hand.
void Checker::install_fix(Finding& x) const {
  if (fw_.cuda_wheels.empty()) {
    x.args.set("fix", "cuda_yourself");
  } else {
    x.args.set("fix", "install");
    install_args(x);
  }
}

// What installs what the framework pins and is missing,
// keeping the installed release: pip leaves a requirement that is already
// satisfied alone and installs its missing dependencies (tests/ground_truth
// applies this to every wheel removed in turn). A torch from PyTorch's own
// index (2.10.0+cu126) is found there again.
void Checker::install_args(Finding& x) const {
  std::string extra = fw_.framework == Framework::tensorflow ? "and-cuda"
                      : fw_.framework == Framework::jax
                          ? "cuda" + fw_.cuda_version.value_or("12").substr(0, 2)
                      : fw_.cuda_wheels.empty() ? ""
                                                : fw_.cuda_wheels.front().extra;
  const std::string dist = fw_.framework == Framework::jax ? "jax" : fw_.distribution;
  x.args.set("requirement",
             fmt::format("{}{}=={}", dist, extra.empty() ? "" : "[" + extra + "]", fw_.version));
  const auto local = fw_.version.find("+cu");
  if (fw_.framework == Framework::torch && local != std::string::npos) {
    x.args.set("extra_index_url",
               "https://download.pytorch.org/whl/" + fw_.version.substr(local + 1));
  }
}

}  // namespace ongpu::framework_check
