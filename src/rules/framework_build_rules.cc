// Framework checks of the build itself: platform, wheel architecture, a CPU
// or stub build, conflicting installs, the environment, JAX's version skew.
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

void Checker::platform() {
  const std::string plat = env_.platform.value_or("linux");
  if (plat == "darwin") {
    auto& x = add("framework.platform_unsupported",
                  fmt::format("{} on macOS has no CUDA support", name_));
    x.evidence.push_back({"python.environments[].platform", plat});
    x.fix.push_back("use a Linux machine with an NVIDIA GPU");
  } else if (plat == "win32" && fw_.framework == Framework::tensorflow &&
             knowledge::version_at_least(release_of(fw_.version), "2.11")) {
    // tensorflow.org/install/pip: 2.10 was the last release with GPU support on native Windows.
    auto& x =
        add("framework.platform_unsupported",
            fmt::format("TensorFlow {} has no GPU support on native Windows (the last was 2.10)",
                        fw_.version));
    x.evidence.push_back({"python.environments[].platform", plat});
    x.fix.push_back("run TensorFlow in WSL2: pip install 'tensorflow[and-cuda]' there");
    x.fix.push_back(
        "or pin the last native build: pip install \"tensorflow<2.11\" with CUDA 11.2 and cuDNN "
        "8.1");
  }
}

// The wheel pip installed was built for another CPU or OS than this
// interpreter's: its compiled modules cannot load here. Happens when
// site-packages are copied between machines or filled with
// pip --platform/--target for another one.
void Checker::wheel_architecture() {
  if (!fw_.wheel_tags || !env_.machine) return;
  const std::string plat = env_.platform.value_or("");
  bool runs = false;
  std::vector<std::string> wrong;
  for (const auto& tag : *fw_.wheel_tags) {
    for (const auto& p : python::platforms_of_tag(tag)) {
      auto ok = python::platform_runs_on(p, plat, *env_.machine);
      if (!ok) continue;  // a platform ongpu cannot judge decides nothing
      if (*ok)
        runs = true;
      else if (std::find(wrong.begin(), wrong.end(), p) == wrong.end())
        wrong.push_back(p);
    }
  }
  if (runs || wrong.empty()) return;
  // JAX's compiled part is jaxlib (detect.cc reads its WHEEL).
  std::string dist = fw_.distribution, version = fw_.version;
  if (fw_.framework == Framework::jax) {
    auto it = fw_.components.find("jaxlib");
    dist = "jaxlib";
    version = it == fw_.components.end() ? "" : it->second;
  }
  std::string platforms, tags;
  for (const auto& w : wrong) platforms += (platforms.empty() ? "" : ", ") + w;
  for (const auto& t : *fw_.wheel_tags) tags += (tags.empty() ? "" : ", ") + t;
  auto& x = add("framework.wheel_wrong_architecture",
                fmt::format("{} {} is a wheel for {}, but this interpreter runs on {} {}", dist,
                            version, platforms, plat.empty() ? "?" : plat, *env_.machine));
  x.evidence.push_back({"frameworks[].wheel_tags", tags});
  x.evidence.push_back({"python.environments[].machine", *env_.machine});
  if (installer_of(env_, dist) == "conda") {
    x.fix.push_back(shell_command("installed by conda: reinstall {} from a channel for {}", dist,
                                  *env_.machine));
  } else {
    // The interpreter's own pip chooses the wheels for its own platform;
    // the dependencies come again too (copied site-packages hold theirs
    // for the same other machine).
    x.fix.push_back(pip(env_, shell_command("install --force-reinstall {}",
                                            version.empty() ? dist : dist + "==" + version)));
  }
}

void Checker::build() {
  if (fw_.flavor == BuildFlavor::unknown) {
    // Its package directory or its METADATA cannot be read: never a
    // verdict of GPU (nor of CPU) from what is not known.
    auto& x =
        add("framework.build_unknown",
            fmt::format(
                "what {} {} is built for cannot be read ({}): whether it uses the GPU is unknown",
                name_, fw_.version, fw_.cuda_version.reason));
    x.evidence.push_back({"frameworks[].flavor", "unknown"});
    x.evidence.push_back({"frameworks[].cuda_version", fw_.cuda_version.reason});
    x.fix.push_back(pip(env_, "install --force-reinstall --no-deps " +
                                  shell_quote(fw_.distribution + "==" + fw_.version)) +
                    "   # restores its files; or make them readable by this user");
    return;
  }
  if (fw_.flavor == BuildFlavor::stub) {
    auto& x = add(
        "framework.tensorflow_gpu_stub",
        fmt::format("tensorflow-gpu {} is the empty error package, not TensorFlow", fw_.version));
    x.evidence.push_back({"frameworks[].distribution", fw_.distribution});
    x.fix.push_back(pip(env_, "uninstall -y tensorflow-gpu"));
    x.fix.push_back(pip(env_, "install 'tensorflow[and-cuda]'"));
    return;
  }
  if (fw_.distribution == "tensorflow-gpu") {
    auto& x =
        add("framework.tensorflow_gpu_outdated",
            fmt::format(
                "tensorflow-gpu {} is installed; GPU support is in the plain tensorflow package",
                fw_.version));
    x.evidence.push_back({"frameworks[].distribution", fw_.distribution});
    x.fix.push_back(pip(env_, "uninstall -y tensorflow-gpu"));
    x.fix.push_back(pip(env_, "install 'tensorflow[and-cuda]'"));
  }
  if (fw_.flavor != BuildFlavor::cpu && fw_.flavor != BuildFlavor::rocm) return;
  std::string what, fix;
  if (fw_.framework == Framework::tensorflow) {
    what = fw_.distribution == "tensorflow-cpu"
               ? "tensorflow-cpu is the CPU-only package"
               : fmt::format("this TensorFlow {} is not a CUDA build", fw_.version);
    fix = pip(env_, shell_command("uninstall -y {}", fw_.distribution) + " && " +
                        pip(env_, "install 'tensorflow[and-cuda]'"));
  } else if (fw_.framework == Framework::torch) {
    what =
        fw_.flavor == BuildFlavor::rocm
            ? fmt::format("torch {} is a ROCm build (for AMD GPUs)", fw_.version)
            : fmt::format("torch {} is a CPU-only build (torch.version.cuda is None)", fw_.version);
    fix = pip(
        env_,
        "install --force-reinstall torch --index-url https://download.pytorch.org/whl/cu126   " +
            shell_command("# or the cuXYZ your driver supports: ongpu compat {}",
                          "torch==" + fw_.version));
  } else if (fw_.framework == Framework::jax) {
    what = fmt::format(
        "jax {} is installed without a CUDA plugin (jax-cuda12-plugin / jax-cuda13-plugin)",
        fw_.version);
    fix = pip(env_, "install -U 'jax[cuda12]'   # or 'jax[cuda13]' with a driver >= 580");
  } else if (fw_.framework == Framework::onnxruntime) {
    what =
        fmt::format("{} {} is the CPU package; the CUDA execution provider is in onnxruntime-gpu",
                    fw_.distribution, fw_.version);
    fix = pip(env_, shell_command("uninstall -y {}", fw_.distribution) + " && " +
                        pip(env_, "install onnxruntime-gpu"));
  } else if (fw_.framework == Framework::cupy) {
    what = fmt::format("{} is a ROCm build", fw_.distribution);
    fix = pip(env_, shell_command("uninstall -y {}", fw_.distribution) + " && " +
                        pip(env_, "install cupy-cuda12x"));
  }
  auto& x = add("framework.cpu_only_build", what);
  x.evidence.push_back({"frameworks[].flavor", enum_string(fw_.flavor)});
  x.evidence.push_back({"frameworks[].distribution", fw_.distribution + " " + fw_.version});
  if (installer() == "conda") {
    x.fix.push_back(fmt::format(
        "installed by conda: install your channel's CUDA build of {} instead", fw_.framework));
  } else {
    x.fix.push_back(fix);
  }
}

void Checker::conflicts() {
  if (fw_.conflicts.empty()) return;
  std::string list;
  for (const auto& c : fw_.conflicts) list += (list.empty() ? "" : ", ") + c;
  auto& x =
      add("framework.conflicting_distributions",
          fmt::format("{} {} is installed together with {}", fw_.distribution, fw_.version, list));
  x.evidence.push_back({"frameworks[].conflicts", list});
  std::string all = fw_.distribution;
  for (const auto& c : fw_.conflicts) {
    all += ' ';
    all += c.substr(0, c.find(' '));
  }
  std::string gpu = fw_.framework == Framework::tensorflow    ? "'tensorflow[and-cuda]'"
                    : fw_.framework == Framework::onnxruntime ? "onnxruntime-gpu"
                                                              : fw_.distribution;
  x.fix.push_back(pip(env_, "uninstall -y " + all));
  x.fix.push_back(pip(env_, "install " + gpu));
}

void Checker::environment() {
  if (fw_.framework == Framework::jax && f_.env.jax_platforms) {
    auto v = to_lower(*f_.env.jax_platforms);
    if (v.find("cuda") == std::string::npos && v.find("gpu") == std::string::npos) {
      auto& x =
          add("framework.jax_platforms_cpu",
              fmt::format("JAX_PLATFORMS=\"{}\" keeps JAX off the GPU", *f_.env.jax_platforms));
      x.evidence.push_back({"env.jax_platforms", *f_.env.jax_platforms});
      x.fix.push_back("unset JAX_PLATFORMS");
    }
  }
  if (fw_.framework == Framework::tensorflow && f_.env.tf_cpp_min_log_level) {
    auto level = parse_number<int>(*f_.env.tf_cpp_min_log_level);
    if (level && *level >= 1) {
      auto& x =
          add("framework.tf_log_level_hides_warnings",
              fmt::format(
                  "TF_CPP_MIN_LOG_LEVEL={} hides TensorFlow's warnings about missing GPU libraries",
                  *level));
      x.evidence.push_back({"env.tf_cpp_min_log_level", *f_.env.tf_cpp_min_log_level});
      x.fix.push_back("unset TF_CPP_MIN_LOG_LEVEL");
    }
  }
}

void Checker::jax_skew() {
  if (fw_.framework != Framework::jax) return;
  // The CUDA plugin and its PJRT part are released with jaxlib, at its
  // version (jax's [cuda12] extra pins all three to one version). jax itself
  // may be newer than jaxlib (jax-only releases, such as 0.4.37 over jaxlib
  // 0.4.36), so it is not compared.
  auto jaxlib = fw_.components.find("jaxlib");
  if (jaxlib == fw_.components.end()) return;
  const std::string base = jaxlib->second.substr(0, jaxlib->second.find('+'));
  std::vector<std::string> off;
  for (const auto& [name, version] : fw_.components) {
    if (name != "jaxlib" && version.substr(0, version.find('+')) != base)
      off.push_back(name + " " + version);
  }
  if (off.empty()) return;
  std::string list;
  for (const auto& o : off) list += (list.empty() ? "" : ", ") + o;
  auto& x =
      add("framework.jax_version_skew", fmt::format("jaxlib {} with {}", jaxlib->second, list));
  x.evidence.push_back({"frameworks[].components", list});
  x.fix.push_back(pip(env_, install_args()));
}

}  // namespace ongpu::framework_check
