// The words of the framework findings (render/wordings.h): its build, its
// environment, and its build against the machine. The CUDA wheels and
// libraries are in words_framework_libraries.cc.
#include "render/words_framework.h"

#include <fmt/format.h>

namespace ongpu::wording {
namespace {

// A Python environment whose probe did not answer: why, from its status.
std::string why_unchecked(const Args& a) {
  const std::string status = a["status"];
  const std::string said = a.get_or("stderr", "");
  if (status == "timed_out")
    return fmt::format("it did not answer within {:.0f} s", a.number("deadline_ms") / 1000);
  if (status == "spawn_failed")
    return "it cannot be run: " + (said.empty() ? "no reason given" : said);
  if (status == "crashed") return fmt::format("it was killed by signal {}", a["signal"]);
  if (status == "exited")
    return fmt::format("it exited with status {}{}", a["exit_code"],
                       said.empty() ? "" : ": " + said);
  return "its answer could not be read" + (said.empty() ? "" : ": " + said);
}

// A CPU-only (or ROCm) build: what it is, and the command for its CUDA build.
Words cpu_only_build(const Args& a) {
  const auto fw = enum_from_name<Framework>(a["framework"]);
  const std::string dist = a["distribution"], version = a["version"];
  std::string what, fix;
  switch (fw.value_or(Framework::tensorflow)) {
    case Framework::tensorflow:
      what = dist == "tensorflow-cpu"
                 ? "tensorflow-cpu is the CPU-only package"
                 : fmt::format("this TensorFlow {} is not a CUDA build", version);
      fix = pip(a, shell_command("uninstall -y {}", dist) + " && " +
                       pip(a, "install 'tensorflow[and-cuda]'"));
      break;
    case Framework::torch:
      what =
          a["flavor"] == "rocm"
              ? fmt::format("torch {} is a ROCm build (for AMD GPUs)", version)
              : fmt::format("torch {} is a CPU-only build (torch.version.cuda is None)", version);
      fix = pip(
          a,
          "install --force-reinstall torch --index-url https://download.pytorch.org/whl/cu126   " +
              shell_command("# or the cuXYZ your driver supports: ongpu compat {}",
                            "torch==" + version));
      break;
    case Framework::jax:
      what = fmt::format(
          "jax {} is installed without a CUDA plugin (jax-cuda12-plugin / jax-cuda13-plugin)",
          version);
      fix = pip(a, "install -U 'jax[cuda12]'   # or 'jax[cuda13]' with a driver >= 580");
      break;
    case Framework::onnxruntime:
      what =
          fmt::format("{} {} is the CPU package; the CUDA execution provider is in onnxruntime-gpu",
                      dist, version);
      fix = pip(
          a, shell_command("uninstall -y {}", dist) + " && " + pip(a, "install onnxruntime-gpu"));
      break;
    case Framework::cupy:
      what = fmt::format("{} is a ROCm build", dist);
      fix =
          pip(a, shell_command("uninstall -y {}", dist) + " && " + pip(a, "install cupy-cuda12x"));
      break;
  }
  if (a.has("conda")) {
    fix = fmt::format("installed by conda: install your channel's CUDA build of {} instead",
                      a["framework"]);
  }
  return {what, {fix}};
}

// cuDNN older than the build's, or of another major: the copy to replace.
Words cudnn_mismatch(const Args& a) {
  const std::string what =
      a["by"] == "wheel"
          ? fmt::format("{} {} is installed", a["wheel"], a["have"])
          : fmt::format("it loads cuDNN {} ({}, {})", a["have"], a["loaded"], a["found_by"]);
  Words w{fmt::format("{} {} was built with cuDNN {}, but {}", framework_name(a), a["version"],
                      a["cudnn"], what),
          {}};
  if (a["fix"] != "system") {
    w.fix.push_back(pip(a, shell_command("install {}", a["cudnn_requirement"])));
    return w;
  }
  const std::string cuda_major = a.get_or("cuda_major", "");
  w.fix.push_back(fmt::format(
      "install cuDNN {}.{} or a newer {}.x{} where the loader finds it (now {}, by {}): "
      "NVIDIA's cuDNN packages or your distribution's",
      a["need_major"], a["need_minor"], a["need_major"],
      cuda_major.empty() ? "" : " built for CUDA " + shell_quote(cuda_major), shell_quote(a["dir"]),
      shell_quote(a["found_by"])));
  if (!a.has("cudnn_requirement")) return w;
  const std::string install = pip(a, shell_command("install {}", a["cudnn_requirement"]));
  if (a.has("first_on_path")) {
    w.fix.push_back(
        fmt::format("or: {}, and put its nvidia/cudnn/lib first on LD_LIBRARY_PATH in place of {}",
                    install, shell_quote(a["dir"])));
  } else {
    w.fix.push_back("or: " + install);  // its RUNPATH reaches the wheel before ld.so.cache does
  }
  return w;
}

constexpr Wording kWordings[] = {
    // The platform and the build.
    {"framework.platform_unsupported",
     [](const Args& a) -> Words {
       if (a["platform"] == "darwin") {
         return {fmt::format("{} on macOS has no CUDA support", framework_name(a)),
                 {"use a Linux machine with an NVIDIA GPU"}};
       }
       return {fmt::format("TensorFlow {} has no GPU support on native Windows (the last was 2.10)",
                           a["version"]),
               {"run TensorFlow in WSL2: pip install 'tensorflow[and-cuda]' there",
                "or pin the last native build: pip install \"tensorflow<2.11\" with CUDA 11.2 and "
                "cuDNN 8.1"}};
     }},
    {"framework.wheel_wrong_architecture",
     [](const Args& a) -> Words {
       const std::string dist = a["dist"], version = a["dist_version"];
       Words w{fmt::format("{} {} is a wheel for {}, but this interpreter runs on {} {}", dist,
                           version, a["platforms"], a.get_or("os", "?"), a["machine"]),
               {}};
       if (a.has("conda")) {
         w.fix.push_back(shell_command("installed by conda: reinstall {} from a channel for {}",
                                       dist, a["machine"]));
       } else {
         w.fix.push_back(pip(a, shell_command("install --force-reinstall {}",
                                              version.empty() ? dist : dist + "==" + version)));
       }
       return w;
     }},
    {"framework.build_unknown",
     [](const Args& a) -> Words {
       return {fmt::format("what {} {} is built for cannot be read ({}): whether it uses the GPU "
                           "is unknown",
                           framework_name(a), a["version"], a["reason"]),
               {pip(a, "install --force-reinstall --no-deps " +
                           shell_quote(a["distribution"] + "==" + a["version"])) +
                "   # restores its files; or make them readable by this user"}};
     }},
    {"framework.tensorflow_gpu_stub",
     [](const Args& a) -> Words {
       return {fmt::format("tensorflow-gpu {} is the empty error package, not TensorFlow",
                           a["version"]),
               {pip(a, "uninstall -y tensorflow-gpu"), pip(a, "install 'tensorflow[and-cuda]'")}};
     }},
    {"framework.tensorflow_gpu_outdated",
     [](const Args& a) -> Words {
       return {fmt::format(
                   "tensorflow-gpu {} is installed; GPU support is in the plain tensorflow package",
                   a["version"]),
               {pip(a, "uninstall -y tensorflow-gpu"), pip(a, "install 'tensorflow[and-cuda]'")}};
     }},
    {"framework.cpu_only_build", cpu_only_build},
    {"framework.conflicting_distributions",
     [](const Args& a) -> Words {
       const auto fw = enum_from_name<Framework>(a["framework"]);
       const std::string gpu = fw == Framework::tensorflow    ? "'tensorflow[and-cuda]'"
                               : fw == Framework::onnxruntime ? "onnxruntime-gpu"
                                                              : a["distribution"];
       return {fmt::format("{} {} is installed together with {}", a["distribution"], a["version"],
                           a["conflicts"]),
               {pip(a, fmt::format("uninstall -y {}", fmt::join(a.list("remove"), " "))),
                pip(a, "install " + gpu)}};
     }},
    // The environment.
    {"framework.environment_unchecked",
     [](const Args& a) -> Words {
       const std::string interpreter = a["interpreter"];
       return {
           fmt::format("could not check the Python environment of {}: {}", interpreter,
                       why_unchecked(a)),
           {a["status"] == "timed_out"
                ? shell_command("ongpu doctor --python {} --timeout 60   # a slow start (a "
                                "loaded machine, a network file system) needs a longer deadline",
                                interpreter)
                : shell_command("{} -c 'import sys; print(sys.version)'   # shows why it does "
                                "not run",
                                interpreter)}};
     }},
    {"framework.jax_platforms_cpu",
     [](const Args& a) -> Words {
       return {fmt::format("JAX_PLATFORMS=\"{}\" keeps JAX off the GPU", a["jax_platforms"]),
               {"unset JAX_PLATFORMS"}};
     }},
    {"framework.tf_log_level_hides_warnings",
     [](const Args& a) -> Words {
       return {
           fmt::format(
               "TF_CPP_MIN_LOG_LEVEL={} hides TensorFlow's warnings about missing GPU libraries",
               a["level"]),
           {"unset TF_CPP_MIN_LOG_LEVEL"}};
     }},
    {"framework.jax_version_skew",
     [](const Args& a) -> Words {
       return {fmt::format("jaxlib {} with {}", a["jaxlib"], a["skewed"]), {pip_install(a)}};
     }},
    // The build against the machine: cuDNN, driver, GPU architecture.
    {"framework.cudnn_mismatch", cudnn_mismatch},
    {"framework.minor_version_compatibility",
     [](const Args& a) -> Words {
       return {fmt::format("{} is built with CUDA {}; driver {} supports CUDA {}: it runs through "
                           "minor-version compatibility, but PTX newer than CUDA {} cannot be "
                           "JIT-compiled",
                           framework_name(a), a["cuda"], a["driver"], a["driver_cuda"],
                           a["driver_cuda"]),
               {a.has("own_min")
                    ? fmt::format(
                          "upgrade the NVIDIA driver to {} or newer, CUDA {}'s own minimum ({})",
                          a["own_min"], a["own_release"], a["own_source"])
                    : fmt::format("upgrade the NVIDIA driver to one that supports CUDA {}",
                                  a["cuda"])}};
     }},
    {"framework.driver_too_old",
     [](const Args& a) -> Words {
       Words w{fmt::format("{} is built with CUDA {}, but driver {} supports CUDA {} at most",
                           framework_name(a), a["cuda"], a.get_or("driver", "?"), a["driver_cuda"]),
               {}};
       if (a.has("own_min")) {
         w.fix.push_back(fmt::format("upgrade the NVIDIA driver to {} or newer (CUDA {}; {})",
                                     a["own_min"], a["own_release"], a["own_source"]));
       }
       if (a.has("floor")) {
         w.fix.push_back(fmt::format(
             "at least {} runs CUDA {}.x builds through minor-version compatibility ({})",
             a["floor"], a["cuda_major"], a["floor_source"]));
       }
       if (w.fix.empty()) w.fix.push_back("upgrade the NVIDIA driver");
       return w;
     }},
    {"framework.gpu_arch_unsupported",
     [](const Args& a) -> Words {
       return {
           fmt::format("GPU {} ({}, compute capability {}) is not among {} {}'s GPU targets ({})",
                       a["gpu"], a.get_or("gpu_name", "?"), a["compute_capability"],
                       framework_name(a), a["version"], a["targets"]),
           {shell_command("install a {} build compiled for compute capability {}",
                          framework_name(a), a["compute_capability"])}};
     }},
    {"framework.gpu_arch_ptx_only",
     [](const Args& a) -> Words {
       return {fmt::format("{} {} has no SASS for GPU {} (compute capability {}); its PTX is "
                           "JIT-compiled at first start",
                           framework_name(a), a["version"], a["gpu"], a["compute_capability"]),
               {"expect minutes on the first run; set CUDA_CACHE_MAXSIZE high enough to keep the "
                "JIT cache"}};
     }},
};

}  // namespace

std::span<const Wording> framework_wordings() { return kWordings; }

}  // namespace ongpu::wording
