// The checks of one framework in one Python environment, by concern:
//   framework_build_rules.cc    platform, wheel, build, conflicting installs, environment, JAX skew
//   framework_library_rules.cc  the CUDA wheels and libraries it loads, mixed releases
//   framework_compat_rules.cc   cuDNN, driver and GPU architecture against its build
//   framework_checker.cc        shared helpers and the args every finding carries
// The findings carry args; render/words_framework*.cc word them.
// framework_rules.cc turns the findings into a verdict per framework.
// Internal to rules/: the public entry point is rules/framework_rules.h.
#pragma once

#include <fmt/format.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "facts/factset.h"
#include "knowledge/knowledge.h"
#include "rules/catalog.h"
#include "rules/finding.h"

namespace ongpu::framework_check {

// "12.5.1" -> {12, 5}; "12" -> {12, 0}.
std::optional<std::pair<int, int>> major_minor(std::string_view v);
// The release part of a package version: "2.16.0rc0" -> "2.16.0", "2.3.0+cu121" -> "2.3.0".
std::string_view release_of(std::string_view v);
// The installer a distribution records (pip, conda, uv, ...), "" when none.
std::string installer_of(const PythonEnv& env, const std::string& dist);
// A file of an NVIDIA pip wheel: site-packages/nvidia/<package>/lib or, from
// CUDA 13, site-packages/nvidia/cu13/lib (NVIDIA/cuml#7304).
bool in_nvidia_wheel(std::string_view path);
std::string dir_of(std::string_view path);

class Checker {
 public:
  Checker(const FactSet& f, const PythonEnv& env, const FrameworkFacts& fw,
          const knowledge::Knowledge& k, std::vector<Finding>& out)
      : f_(f),
        env_(env),
        fw_(fw),
        k_(k),
        out_(out),
        scope_(fmt::format("{} in {}", fw.framework, env.interpreter)) {}

  void run() {
    platform();
    wheel_architecture();
    build();
    conflicts();
    environment();
    jax_skew();
    if (fw_.flavor != BuildFlavor::cuda) return;
    wheels();
    cudnn();
    mixed_releases();
    driver();
    architectures();
  }

 private:
  // A finding of this framework, with the args every framework wording may
  // read: framework, version, python, and cuda and cudnn when known.
  Finding& add(FindingId id);

  std::string installer() const { return installer_of(env_, fw_.distribution); }

  void platform();

  void wheel_architecture();

  void build();

  void conflicts();

  void environment();

  void jax_skew();

  void wheels();

  // The fix that installs the libraries the framework needs: its own
  // requirement with every wheel it pins ("install"), or, when it pins none,
  // its build's CUDA and cuDNN by hand ("cuda_yourself").
  void install_fix(Finding& x) const;

  // The args of the pip install of what the framework pins (requirement,
  // extra_index_url).
  void install_args(Finding& x) const;

  void wheels_missing(const std::vector<std::string>& sonames);

  void libraries(bool none_installed);

  void later_missing(const LibraryFact& l);

  // The cuDNN the framework was built with. TensorFlow's build_info.py
  // records only its major ('9'); the tested build configuration of the
  // release gives the minor it was compiled against (tensorflow_gpu.csv:
  // 2.21 with cuDNN 9.3), kept only when the majors agree.
  struct BuiltCudnn {
    std::string version;  // "9.3"
    std::string
        source;  // the tested build configuration it came from; "" = the framework's own files
  };
  std::optional<BuiltCudnn> built_cudnn() const;

  void cudnn();

  // The CUDA release a resolved library belongs to, where the evidence is
  // clear: a toolkit directory named for its version (/usr/local/cuda-13.0),
  // a CUDA 13 wheel's nvidia/cu13, the -cuNN suffix of the NVIDIA wheel whose
  // directory holds it, or a soname whose major is CUDA's own (cudart,
  // cuBLAS, nvrtc, nvJitLink). Other sonames say nothing by themselves:
  // libcurand.so.10 is in CUDA 11, 12 and 13, libcusparse.so.12 in 12 and 13
  // (the CUDA 13.0 toolkit's lib), libcudnn.so.9 is built for 12 and 13.
  struct Release {
    int major = 0;
    std::string version;  // "13.0" from a toolkit directory, else ""
    // What told it, for the wording: by "directory" (version), "wheel_directory"
    // (the nvidia/cuNN package), "wheel" (the distribution) or "soname".
    std::string by;
    std::string source;  // the package or the distribution, else ""
  };
  std::optional<Release> cuda_release_of(const LibraryFact& l) const;

  void mixed_releases();

  void driver();

  void architectures();

  const FactSet& f_;
  const PythonEnv& env_;
  const FrameworkFacts& fw_;
  const knowledge::Knowledge& k_;
  std::vector<Finding>& out_;
  std::string scope_;
};

}  // namespace ongpu::framework_check
