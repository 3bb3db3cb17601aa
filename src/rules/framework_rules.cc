// Rules for each framework in each Python environment: its build, the CUDA
// wheels it pins, and whether the driver and GPU can run what it was built
// for. The driver stack's verdict (rules.cc) is carried into every framework.
#include "rules/framework_rules.h"

#include <fmt/format.h>

#include <algorithm>

#include "knowledge/version.h"
#include "python/metadata.h"
#include "python/wheel.h"
#include "rules/catalog.h"
#include "rules/visible.h"
#include "util/strings.h"

namespace ongpu {
namespace {

std::string pretty(const std::string& framework) {
  if (framework == "tensorflow") return "TensorFlow";
  if (framework == "torch") return "PyTorch";
  if (framework == "jax") return "JAX";
  if (framework == "cupy") return "CuPy";
  if (framework == "onnxruntime") return "ONNX Runtime";
  return framework;
}

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

// The command that installs `what` into this very environment.
std::string pip(const PythonEnv& env, const std::string& args) {
  return fmt::format("{} -m pip {}", shell_quote(env.executable.value_or(env.interpreter)), args);
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

class Checker {
 public:
  Checker(const FactSet& f, const PythonEnv& env, const FrameworkFacts& fw,
          const knowledge::Knowledge& k, std::vector<Finding>& out)
      : f_(f),
        env_(env),
        fw_(fw),
        k_(k),
        out_(out),
        scope_(fmt::format("{} in {}", fw.framework, env.interpreter)),
        name_(pretty(fw.framework)) {}

  void run() {
    platform();
    wheel_architecture();
    build();
    conflicts();
    environment();
    jax_skew();
    if (fw_.flavor != "cuda") return;
    wheels();
    cudnn();
    mixed_releases();
    driver();
    architectures();
  }

 private:
  Finding& add(std::string_view id, std::string summary) {
    out_.push_back(make_finding(id, std::move(summary)));
    out_.back().scope = scope_;
    return out_.back();
  }

  std::string installer() const { return installer_of(env_, fw_.distribution); }

  void platform() {
    const std::string plat = env_.platform.value_or("linux");
    if (plat == "darwin") {
      auto& x = add("framework.platform_unsupported",
                    fmt::format("{} on macOS has no CUDA support", name_));
      x.evidence.push_back({"python.environments[].platform", plat});
      x.fix.push_back("use a Linux machine with an NVIDIA GPU");
    } else if (plat == "win32" && fw_.framework == "tensorflow" &&
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
  void wheel_architecture() {
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
    if (fw_.framework == "jax") {
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

  void build() {
    if (fw_.flavor == "unknown") {
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
    if (fw_.flavor == "stub") {
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
    if (fw_.flavor != "cpu" && fw_.flavor != "rocm") return;
    std::string what, fix;
    if (fw_.framework == "tensorflow") {
      what = fw_.distribution == "tensorflow-cpu"
                 ? "tensorflow-cpu is the CPU-only package"
                 : fmt::format("this TensorFlow {} is not a CUDA build", fw_.version);
      fix = pip(env_, shell_command("uninstall -y {}", fw_.distribution) + " && " +
                          pip(env_, "install 'tensorflow[and-cuda]'"));
    } else if (fw_.framework == "torch") {
      what = fw_.flavor == "rocm"
                 ? fmt::format("torch {} is a ROCm build (for AMD GPUs)", fw_.version)
                 : fmt::format("torch {} is a CPU-only build (torch.version.cuda is None)",
                               fw_.version);
      fix = pip(
          env_,
          "install --force-reinstall torch --index-url https://download.pytorch.org/whl/cu126   " +
              shell_command("# or the cuXYZ your driver supports: ongpu compat {}",
                            "torch==" + fw_.version));
    } else if (fw_.framework == "jax") {
      what = fmt::format(
          "jax {} is installed without a CUDA plugin (jax-cuda12-plugin / jax-cuda13-plugin)",
          fw_.version);
      fix = pip(env_, "install -U 'jax[cuda12]'   # or 'jax[cuda13]' with a driver >= 580");
    } else if (fw_.framework == "onnxruntime") {
      what =
          fmt::format("{} {} is the CPU package; the CUDA execution provider is in onnxruntime-gpu",
                      fw_.distribution, fw_.version);
      fix = pip(env_, shell_command("uninstall -y {}", fw_.distribution) + " && " +
                          pip(env_, "install onnxruntime-gpu"));
    } else if (fw_.framework == "cupy") {
      what = fmt::format("{} is a ROCm build", fw_.distribution);
      fix = pip(env_, shell_command("uninstall -y {}", fw_.distribution) + " && " +
                          pip(env_, "install cupy-cuda12x"));
    }
    auto& x = add("framework.cpu_only_build", what);
    x.evidence.push_back({"frameworks[].flavor", fw_.flavor});
    x.evidence.push_back({"frameworks[].distribution", fw_.distribution + " " + fw_.version});
    if (installer() == "conda") {
      x.fix.push_back(fmt::format(
          "installed by conda: install your channel's CUDA build of {} instead", fw_.framework));
    } else {
      x.fix.push_back(fix);
    }
  }

  void conflicts() {
    if (fw_.conflicts.empty()) return;
    std::string list;
    for (const auto& c : fw_.conflicts) list += (list.empty() ? "" : ", ") + c;
    auto& x = add(
        "framework.conflicting_distributions",
        fmt::format("{} {} is installed together with {}", fw_.distribution, fw_.version, list));
    x.evidence.push_back({"frameworks[].conflicts", list});
    std::string all = fw_.distribution;
    for (const auto& c : fw_.conflicts) {
      all += ' ';
      all += c.substr(0, c.find(' '));
    }
    std::string gpu = fw_.framework == "tensorflow"    ? "'tensorflow[and-cuda]'"
                      : fw_.framework == "onnxruntime" ? "onnxruntime-gpu"
                                                       : fw_.distribution;
    x.fix.push_back(pip(env_, "uninstall -y " + all));
    x.fix.push_back(pip(env_, "install " + gpu));
  }

  void environment() {
    if (fw_.framework == "jax" && f_.env.jax_platforms) {
      auto v = to_lower(*f_.env.jax_platforms);
      if (v.find("cuda") == std::string::npos && v.find("gpu") == std::string::npos) {
        auto& x =
            add("framework.jax_platforms_cpu",
                fmt::format("JAX_PLATFORMS=\"{}\" keeps JAX off the GPU", *f_.env.jax_platforms));
        x.evidence.push_back({"env.jax_platforms", *f_.env.jax_platforms});
        x.fix.push_back("unset JAX_PLATFORMS");
      }
    }
    if (fw_.framework == "tensorflow" && f_.env.tf_cpp_min_log_level) {
      auto level = parse_number<int>(*f_.env.tf_cpp_min_log_level);
      if (level && *level >= 1) {
        auto& x = add(
            "framework.tf_log_level_hides_warnings",
            fmt::format(
                "TF_CPP_MIN_LOG_LEVEL={} hides TensorFlow's warnings about missing GPU libraries",
                *level));
        x.evidence.push_back({"env.tf_cpp_min_log_level", *f_.env.tf_cpp_min_log_level});
        x.fix.push_back("unset TF_CPP_MIN_LOG_LEVEL");
      }
    }
  }

  void jax_skew() {
    if (fw_.framework != "jax") return;
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

  void wheels() {
    if (fw_.cuda_wheels.empty()) {
      // No pins (TensorFlow before 2.14): the libraries its build implies.
      if (!fw_.libraries.empty()) libraries(false, "");
      return;
    }
    std::vector<std::string> missing_wheels;
    for (const auto& w : fw_.cuda_wheels) {
      if (w.installed.empty()) missing_wheels.push_back(w.name);
    }
    const bool none_installed = missing_wheels.size() == fw_.cuda_wheels.size();
    const std::string install = install_args();
    if (!fw_.libraries.empty()) {
      libraries(none_installed, install);
    } else if (none_installed) {
      // No resolution to go by (an older snapshot): judge by the wheels alone.
      wheels_missing(install, {});
    }
    if (!missing_wheels.empty() && !none_installed) {
      std::string list;
      for (const auto& m : missing_wheels) list += (list.empty() ? "" : ", ") + m;
      auto& x = add("framework.cuda_wheels_partial",
                    fmt::format("{} pins NVIDIA wheels that are not installed: {}", name_, list));
      x.evidence.push_back({"frameworks[].cuda_wheels[].installed", list + ": not installed"});
      x.fix.push_back(pip(env_, install));
    }
  }

  // The fix for a framework that pins no CUDA wheel (TensorFlow before 2.14
  // has no [and-cuda] extra): the CUDA and cuDNN its build_info.py names,
  // installed by hand. The tested configuration gives the cuDNN minor.
  std::string install_cuda_yourself() const {
    std::string cudnn = fw_.cudnn_version.value_or("?");
    if (auto built = built_cudnn()) cudnn = built->version;
    return fmt::format(
        "{} {} pins no NVIDIA wheels (tensorflow[and-cuda] exists from 2.14): install CUDA {} and "
        "cuDNN {} (or a newer {}.x) yourself, from NVIDIA's archives or your distribution, and put "
        "their lib directories on the loader's path (LD_LIBRARY_PATH or /etc/ld.so.conf.d)",
        name_, fw_.version, fw_.cuda_version.value_or("?"), cudnn,
        cudnn.substr(0, cudnn.find('.')));
  }

  // The pip arguments that install what the framework pins and is missing,
  // keeping the installed release: pip leaves a requirement that is already
  // satisfied alone and installs its missing dependencies (tests/ground_truth
  // applies this to every wheel removed in turn). A torch from PyTorch's own
  // index (2.10.0+cu126) is found there again.
  std::string install_args() const {
    std::string extra = fw_.framework == "tensorflow" ? "and-cuda"
                        : fw_.framework == "jax"
                            ? "cuda" + fw_.cuda_version.value_or("12").substr(0, 2)
                        : fw_.cuda_wheels.empty() ? ""
                                                  : fw_.cuda_wheels.front().extra;
    const std::string dist = fw_.framework == "jax" ? "jax" : fw_.distribution;
    std::string args =
        "install " + shell_quote(fmt::format("{}{}=={}", dist,
                                             extra.empty() ? "" : "[" + extra + "]", fw_.version));
    const auto local = fw_.version.find("+cu");
    if (fw_.framework == "torch" && local != std::string::npos) {
      args +=
          " --extra-index-url https://download.pytorch.org/whl/" + fw_.version.substr(local + 1);
    }
    return args;
  }

  void wheels_missing(const std::string& install, const std::vector<std::string>& sonames) {
    std::string extra = fw_.cuda_wheels.front().extra;
    std::string libs;
    for (const auto& so : sonames) libs += (libs.empty() ? "" : ", ") + so;
    auto& x = add(
        "framework.cuda_wheels_missing",
        fmt::format(
            "{} {} is a CUDA {} build, but none of the {} NVIDIA wheels it pins{} is installed{}",
            name_, fw_.version, fw_.cuda_version.value_or("?"), fw_.cuda_wheels.size(),
            extra.empty() ? "" : " (extra [" + extra + "])",
            libs.empty() ? "" : ", and the loader finds no other copy of " + libs));
    x.evidence.push_back({"frameworks[].cuda_wheels[].installed",
                          "none of " + std::to_string(fw_.cuda_wheels.size())});
    x.fix.push_back(pip(env_, install));
  }

  void libraries(bool none_installed, const std::string& install) {
    std::vector<const LibraryFact*> missing;
    for (const auto& l : fw_.libraries) {
      if (l.outcome == "found") continue;
      if (l.role == "later") {
        later_missing(l, install);
      } else {
        missing.push_back(&l);
      }
    }
    if (!missing.empty() && none_installed) {
      std::vector<std::string> sonames;
      for (const auto* l : missing) sonames.push_back(l->soname);
      wheels_missing(install, sonames);
    } else if (missing.size() > 1 && fw_.cuda_wheels.empty()) {
      // No pins: one fix (install the build's CUDA and cuDNN) for them all.
      std::string list;
      std::vector<std::string> dirs;  // copies where the loader does not look
      for (const auto* l : missing) list += (list.empty() ? "" : ", ") + l->soname;
      auto& x = add("framework.cuda_library_missing",
                    fmt::format("{} {} needs {}, and the loader finds them nowhere", name_,
                                fw_.version, list));
      for (const auto* l : missing) {
        x.evidence.push_back({"frameworks[].libraries[].outcome", l->soname + ": " + l->outcome});
        for (const auto& c : l->other_copies) {
          if (c.status != OtherCopy::Status::not_on_search_path) continue;
          const std::string dir = dir_of(c.path);
          if (std::find(dirs.begin(), dirs.end(), dir) == dirs.end()) dirs.push_back(dir);
        }
      }
      x.fix.push_back(install_cuda_yourself());
      if (!dirs.empty()) {
        std::string joined;
        for (const auto& d : dirs) joined += (joined.empty() ? "" : ":") + d;
        x.summary += fmt::format(" (copies are in {}, which it does not search)", joined);
        x.fix.push_back("or: " + ld_library_path_fix(joined));
      }
    } else {
      for (const auto* l : missing) {
        bool wheel_installed = std::any_of(
            fw_.cuda_wheels.begin(), fw_.cuda_wheels.end(),
            [&](const PinnedWheel& w) { return w.name == l->wanted_by && !w.installed.empty(); });
        auto& x = add(
            wheel_installed ? "framework.cuda_wheels_unreachable"
                            : "framework.cuda_library_missing",
            wheel_installed
                ? fmt::format("{} is installed, but the loader will not find {} from {}",
                              l->wanted_by, l->soname,
                              l->requester.empty() ? "the framework" : l->requester)
                : fmt::format("{} needs {}, and the loader finds it nowhere", name_, l->soname));
        x.evidence.push_back({"frameworks[].libraries[].outcome", l->soname + ": " + l->outcome});
        const bool pinned =
            std::any_of(fw_.cuda_wheels.begin(), fw_.cuda_wheels.end(),
                        [&](const PinnedWheel& w) { return w.name == l->wanted_by; });
        if (!l->wheel_copy.empty()) {
          // The framework's own search misses the wheel's directory (TensorFlow
          // 2.21.0's RUNPATH lacks nvidia/cusolver/lib): reinstalling the same
          // release changes nothing, the loader's path does.
          x.summary += fmt::format(" (the wheel's copy is {})", l->wheel_copy);
          x.fix.push_back(ld_library_path_fix(dir_of(l->wheel_copy)));
        } else if (wheel_installed) {
          // The wheel is recorded as installed, its file is gone: that wheel
          // again, at its version, and nothing else.
          const auto w = std::find_if(fw_.cuda_wheels.begin(), fw_.cuda_wheels.end(),
                                      [&](const PinnedWheel& p) { return p.name == l->wanted_by; });
          x.fix.push_back(pip(env_, "install --force-reinstall --no-deps " +
                                        shell_quote(w->name + "==" + w->installed)));
        } else if (fw_.cuda_wheels.empty()) {
          x.fix.push_back(
              install_cuda_yourself());  // no wheel to name: the library follows from build_info.py
        } else if (pinned) {
          const auto w = std::find_if(fw_.cuda_wheels.begin(), fw_.cuda_wheels.end(),
                                      [&](const PinnedWheel& p) { return p.name == l->wanted_by; });
          x.fix.push_back(pip(env_, "install " + shell_quote(w->name + w->specifier)));
        } else {
          // Wanted by the framework's own object (DT_NEEDED) or its preload, not
          // by one pin: the framework with every wheel it pins.
          x.fix.push_back(pip(env_, install));
        }
        // A copy exists where the loader does not look: say how to use it.
        for (const auto& c : l->other_copies) {
          if (c.status != OtherCopy::Status::not_on_search_path) continue;
          std::string dir = dir_of(c.path);
          x.summary += fmt::format(" (a copy is in {}, which it does not search)", dir);
          x.fix.push_back("or: " + ld_library_path_fix(dir));
          break;
        }
      }
    }
    for (const auto& l : fw_.libraries) {
      if (!l.missing_symbols.empty() && l.outcome == "found") {
        // Another copy than the one the framework was linked with, and older:
        // the loader stops at the first symbol it lacks.
        const std::string object = l.wanted_by.substr(l.wanted_by.rfind(' ') + 1);
        auto& x =
            add("framework.cuda_library_too_old",
                fmt::format(
                    "{} is loaded from {} ({}), which lacks {}{} that {} needs: {} fails to load",
                    l.soname, l.real_path.value_or("?"), l.found_by, l.missing_symbols.front(),
                    l.missing_symbols.size() > 1
                        ? fmt::format(" and {} more", l.missing_symbols.size() - 1)
                        : "",
                    object, name_));
        std::string list;
        for (const auto& sym : l.missing_symbols) list += (list.empty() ? "" : ", ") + sym;
        x.evidence.push_back({"frameworks[].libraries[].missing_symbols", list});
        x.fix.push_back(install.empty() ? install_cuda_yourself() : pip(env_, install));
      }
      for (const auto& dep : l.missing_dependencies) {
        auto& x = add("framework.cuda_library_dependency_missing",
                      fmt::format("{} ({}) needs {}, which the loader does not find", l.soname,
                                  l.path.value_or("?"), dep));
        x.evidence.push_back({"frameworks[].libraries[].missing_dependencies", dep});
        x.fix.push_back(install.empty() ? install_cuda_yourself() : pip(env_, install));
      }
      // The framework's own pip copy loses to another one earlier in the search.
      if (l.outcome == "found" && l.real_path && !in_nvidia_wheel(*l.real_path)) {
        for (const auto& c : l.other_copies) {
          if (in_nvidia_wheel(c.path) && c.status == OtherCopy::Status::shadowed) {
            auto& x = add(
                "framework.cuda_library_shadowed",
                fmt::format("{} is loaded from {} ({}), not from the wheel the framework pins ({})",
                            l.soname, *l.real_path, l.found_by, c.path));
            x.evidence.push_back({"frameworks[].libraries[].found_by", l.found_by});
            x.fix.push_back(l.found_by.find("LD_LIBRARY_PATH") != std::string::npos
                                ? "remove that directory from LD_LIBRARY_PATH"
                                : "remove the system copy from the loader's path, or set "
                                  "LD_LIBRARY_PATH to the wheel's lib directory");
            break;
          }
        }
      }
    }
  }

  static std::string ld_library_path_fix(const std::string& dir) {
    return fmt::format("export LD_LIBRARY_PATH={}${{LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}}",
                       shell_quote(dir));
  }

  // A library the framework opens on first use, not to register a GPU.
  void later_missing(const LibraryFact& l, const std::string& install) {
    auto& x =
        add("framework.cuda_library_later_missing",
            fmt::format("{} does not need {} to register a GPU, but opens it on first use, and the "
                        "loader finds "
                        "it nowhere{}",
                        name_, l.soname,
                        l.wheel_copy.empty() ? "" : " (the wheel's copy is " + l.wheel_copy + ")"));
    x.evidence.push_back({"frameworks[].libraries[].outcome", l.soname + ": " + l.outcome});
    if (!l.wheel_copy.empty()) {
      x.fix.push_back(ld_library_path_fix(dir_of(l.wheel_copy)));
    } else if (!install.empty()) {
      x.fix.push_back(pip(env_, install));
    }
  }

  // The cuDNN the framework was built with. TensorFlow's build_info.py
  // records only its major ('9'); the tested build configuration of the
  // release gives the minor it was compiled against (tensorflow_gpu.csv:
  // 2.21 with cuDNN 9.3), kept only when the majors agree.
  struct BuiltCudnn {
    std::string version;  // "9.3"
    std::string
        source;  // the tested build configuration it came from; "" = the framework's own files
  };
  std::optional<BuiltCudnn> built_cudnn() const {
    if (!fw_.cudnn_version) return std::nullopt;
    const std::string own = *fw_.cudnn_version;
    if (own.find('.') == std::string::npos && fw_.framework == "tensorflow") {
      auto tested = k_.tensorflow_build(release_of(fw_.version));
      if (tested.build && split(tested.build->cudnn, '.')[0] == own) {
        return BuiltCudnn{
            tested.build->cudnn,
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
  void cudnn() {
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
      if (starts_with(l.soname, "libcudnn.so.") && l.outcome == "found") lib = &l;
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
    if (got->first == need->first && !(need_minor && got_minor && got->second < need->second))
      return;

    const std::string what = field == "frameworks[].cuda_wheels[].installed"
                                 ? fmt::format("{} {} is installed", wheel->name, wheel->installed)
                                 : fmt::format("it loads cuDNN {} ({}, {})", have,
                                               lib->real_path.value_or(lib->soname), lib->found_by);
    auto& x =
        add("framework.cudnn_mismatch", fmt::format("{} {} was built with cuDNN {}, but {}", name_,
                                                    fw_.version, built->version, what));
    x.evidence.push_back({"frameworks[].cudnn_version", *fw_.cudnn_version});
    if (!built->source.empty())
      x.evidence.push_back({"knowledge:tensorflow_gpu.csv", built->source});
    x.evidence.push_back({field, have});
    const std::string range =
        fmt::format(">={}.{},<{}", need->first, need->second, need->first + 1);
    const std::string cuda_major =
        fw_.cuda_version ? fw_.cuda_version->substr(0, fw_.cuda_version->find('.')) : "";
    if (lib && !from_wheel) {
      // A system install: the copy the loader takes has to be replaced.
      const std::string dir = dir_of(lib->path.value_or(lib->real_path.value_or("")));
      x.fix.push_back(fmt::format(
          "install cuDNN {}.{} or a newer {}.x{} where the loader finds it (now {}, by {}): "
          "NVIDIA's cuDNN packages or your distribution's",
          need->first, need->second, need->first,
          cuda_major.empty() ? "" : " built for CUDA " + shell_quote(cuda_major), shell_quote(dir),
          shell_quote(lib->found_by)));
      if (!cuda_major.empty()) {
        const std::string wheel_name = "nvidia-cudnn-cu" + cuda_major;
        if (lib->found_by.find("LD_LIBRARY_PATH") != std::string::npos || fw_.cuda_wheels.empty()) {
          x.fix.push_back(fmt::format(
              "or: {}, and put its nvidia/cudnn/lib first on LD_LIBRARY_PATH in place of {}",
              pip(env_, shell_command("install {}", wheel_name + range)), shell_quote(dir)));
        } else {
          // The framework's RUNPATH reaches the wheel before ld.so.cache does.
          x.fix.push_back("or: " + pip(env_, shell_command("install {}", wheel_name + range)));
        }
      }
    } else if (wheel) {
      x.fix.push_back(pip(env_, shell_command("install {}", wheel->name + wheel->specifier)));
    } else {
      x.fix.push_back(pip(
          env_, shell_command("install {}",
                              "nvidia-cudnn-cu" +
                                  (cuda_major.empty() ? std::string("12") : cuda_major) + range)));
    }
  }

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
    std::string why;      // "CUDA 13.0 by its directory"
  };
  std::optional<Release> cuda_release_of(const LibraryFact& l) const {
    const std::string path = l.real_path.value_or("");
    for (auto part : split(path, '/')) {
      if (!starts_with(part, "cuda-")) continue;
      auto v = part.substr(5);
      auto mm = major_minor(v);
      if (mm && knowledge::parse_version(v)) {
        return Release{mm->first, std::string(v), fmt::format("CUDA {} by its directory", v)};
      }
    }
    if (in_nvidia_wheel(path)) {
      auto at = path.find("/nvidia/", path.find("-packages/")) + 8;
      std::string pkg = path.substr(at, path.find('/', at) - at);
      if (starts_with(pkg, "cu")) {
        if (auto n = parse_number<int>(std::string_view(pkg).substr(2))) {
          return Release{*n, "", fmt::format("CUDA {} by its wheel directory nvidia/{}", *n, pkg)};
        }
      }
      std::replace(pkg.begin(), pkg.end(), '_', '-');
      const std::string prefix = "nvidia-" + pkg + "-cu";
      for (const auto& d : env_.distributions) {
        if (!starts_with(d.name, prefix)) continue;
        if (auto n = parse_number<int>(std::string_view(d.name).substr(prefix.size()))) {
          return Release{*n, "", fmt::format("CUDA {} by its wheel {}", *n, d.name)};
        }
      }
    }
    for (std::string_view stem : {"libcudart.so.", "libcublas.so.", "libcublasLt.so.",
                                  "libnvrtc.so.", "libnvJitLink.so."}) {
      if (!starts_with(l.soname, stem)) continue;
      auto rest = std::string_view(l.soname).substr(stem.size());
      if (auto n = parse_number<int>(rest.substr(0, rest.find('.')))) {
        return Release{*n, "", fmt::format("CUDA {} by its soname", *n)};
      }
    }
    return std::nullopt;
  }

  // Libraries of one framework from different CUDA releases: a CUDA 12 build
  // that takes libcusparse.so.12 from the CUDA 13 toolkit on ld.so.cache, or
  // a wheel's cuBLAS beside another toolkit's cuFFT. Only clear evidence
  // counts (cuda_release_of): two CUDA majors, two toolkit directories of
  // different versions, or a major other than the one the framework was
  // built with. A wheel copy beside a system copy of the same major is
  // normal (TensorFlow's own pre-2.14 instructions paired a pip cuDNN with a
  // system or conda CUDA) and is not reported.
  void mixed_releases() {
    struct Seen {
      const LibraryFact* lib;
      Release release;
    };
    std::vector<Seen> seen;
    for (const auto& l : fw_.libraries) {
      // Only what the framework loads to register a GPU: a library it opens
      // later may never be loaded at all.
      if (l.outcome != "found" || l.role == "later") continue;
      if (auto r = cuda_release_of(l)) seen.push_back({&l, *r});
    }
    if (seen.empty()) return;
    std::optional<int> built;
    if (fw_.cuda_version) {
      if (auto mm = major_minor(*fw_.cuda_version)) built = mm->first;
    }
    std::vector<int> majors;
    std::vector<std::string> toolkits;
    for (const auto& x : seen) {
      if (std::find(majors.begin(), majors.end(), x.release.major) == majors.end())
        majors.push_back(x.release.major);
      const auto& v = x.release.version;
      if (!v.empty() && std::find(toolkits.begin(), toolkits.end(), v) == toolkits.end())
        toolkits.push_back(v);
    }
    const bool off_build = built && std::any_of(seen.begin(), seen.end(), [&](const Seen& x) {
                             return x.release.major != *built;
                           });
    if (majors.size() < 2 && toolkits.size() < 2 && !off_build) return;
    std::string list;
    for (const auto& x : seen) {
      list += fmt::format("{}{} from {} ({})", list.empty() ? "" : ", ", x.lib->soname,
                          dir_of(x.lib->real_path.value_or("")), x.release.why);
    }
    auto& x =
        add("framework.cuda_libraries_mixed",
            fmt::format(
                "{} {}{} would load CUDA libraries of different releases: {}", name_, fw_.version,
                fw_.cuda_version ? " (built with CUDA " + *fw_.cuda_version + ")" : "", list));
    for (const auto& s : seen) {
      x.evidence.push_back(
          {"frameworks[].libraries[].real_path",
           fmt::format("{}: {} ({}; {})", s.lib->soname, s.lib->real_path.value_or("?"),
                       s.release.why, s.lib->found_by)});
    }
    // Where the libraries of another release come in: the way out of each.
    // The release to keep is the build's (its toolkit directory, if one
    // matches the build's major.minor); without a build version, the first.
    const int keep = built ? *built : seen.front().release.major;
    std::string keep_toolkit;
    for (const auto& t : toolkits) {
      if (fw_.cuda_version && major_minor(t) == major_minor(*fw_.cuda_version)) keep_toolkit = t;
    }
    std::vector<std::string> dirs;
    for (const auto& s : seen) {
      const bool other_toolkit =
          !keep_toolkit.empty() && !s.release.version.empty() && s.release.version != keep_toolkit;
      if (s.release.major == keep && !other_toolkit) continue;
      const std::string dir = dir_of(s.lib->path.value_or(s.lib->real_path.value_or("")));
      if (std::find(dirs.begin(), dirs.end(), dir) != dirs.end()) continue;
      dirs.push_back(dir);
      if (s.lib->found_by.find("LD_LIBRARY_PATH") != std::string::npos) {
        x.fix.push_back(shell_command("remove {} from LD_LIBRARY_PATH", dir));
      } else if (starts_with(s.lib->found_by, "ld.so.cache")) {
        x.fix.push_back(shell_command(
            "{} comes from the loader's cache: remove it from /etc/ld.so.conf.d (then sudo "
            "ldconfig), or put CUDA {}'s lib directory before it on LD_LIBRARY_PATH",
            dir, keep));
      }
    }
    x.fix.push_back(fw_.cuda_wheels.empty()
                        ? install_cuda_yourself()
                        : fmt::format("take every CUDA library from one CUDA {} installation: {}",
                                      keep, pip(env_, install_args())));
  }

  void driver() {
    if (!fw_.cuda_version) return;
    auto need = major_minor(*fw_.cuda_version);
    // The libcuda the framework loads decides (a forward-compatibility libcuda
    // supports a newer CUDA than the kernel driver NVML speaks for).
    std::optional<int> driver_cuda;
    if (f_.cuda.probe.status == "ok" && f_.cuda.driver_version)
      driver_cuda = *f_.cuda.driver_version;
    else if (f_.nvml.cuda_driver_version)
      driver_cuda = *f_.nvml.cuda_driver_version;
    if (!need || !driver_cuda) return;
    const int have_major = *driver_cuda / 1000, have_minor = (*driver_cuda % 1000) / 10;
    const std::string have = fmt::format("{}.{}", have_major, have_minor);
    if (std::make_pair(have_major, have_minor) >= *need) return;
    const std::string driver =
        f_.nvml.driver_version.value_or(f_.kernel_module.version.value_or(""));
    // knowledge/cuda_minor_compat.csv: the floor for minor-version compatibility
    // within the major; knowledge/cuda_driver.csv: the toolkit's own minimum.
    const auto* compat = k_.minor_compat_for_major(std::to_string(need->first));
    std::optional<std::string> floor;
    if (compat && !compat->linux_min.empty()) floor = compat->linux_min;
    auto own = k_.min_driver_for_cuda(*fw_.cuda_version);
    if (have_major == need->first && floor && !driver.empty() &&
        knowledge::version_at_least(driver, *floor)) {
      auto& x = add(
          "framework.minor_version_compatibility",
          fmt::format(
              "{} is built with CUDA {}; driver {} supports CUDA {}: it runs through minor-version "
              "compatibility, but PTX newer than CUDA {} cannot be JIT-compiled",
              name_, *fw_.cuda_version, driver, have, have));
      x.evidence.push_back({"nvml.cuda_driver_version", std::to_string(*driver_cuda)});
      x.fix.push_back(
          own ? fmt::format("upgrade the NVIDIA driver to {} or newer, CUDA {}'s own minimum ({})",
                            own->release.linux_min, own->release.release, own->release.source)
              : fmt::format("upgrade the NVIDIA driver to one that supports CUDA {}",
                            *fw_.cuda_version));
      return;
    }
    auto& x = add("framework.driver_too_old",
                  fmt::format("{} is built with CUDA {}, but driver {} supports CUDA {} at most",
                              name_, *fw_.cuda_version, driver.empty() ? "?" : driver, have));
    x.evidence.push_back({"nvml.cuda_driver_version", std::to_string(*driver_cuda)});
    x.evidence.push_back({"frameworks[].cuda_version", *fw_.cuda_version});
    if (own) {
      x.fix.push_back(fmt::format("upgrade the NVIDIA driver to {} or newer (CUDA {}; {})",
                                  own->release.linux_min, own->release.release,
                                  own->release.source));
    }
    if (floor) {
      x.fix.push_back(
          fmt::format("at least {} runs CUDA {}.x builds through minor-version compatibility ({})",
                      *floor, need->first, compat->source));
    }
    if (!own && !floor) x.fix.push_back("upgrade the NVIDIA driver");
  }

  void architectures() {
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
        auto& x = add(
            "framework.gpu_arch_unsupported",
            fmt::format("GPU {} ({}, compute capability {}) is not among {} {}'s GPU targets ({})",
                        g.index, g.name.value_or("?"), *g.compute_capability, name_, fw_.version,
                        list));
        x.evidence.push_back(
            {fmt::format("nvml.gpus[{}].compute_capability", g.index), *g.compute_capability});
        x.evidence.push_back({"frameworks[].gpu_targets", list});
        x.fix.push_back(shell_command("install a {} build compiled for compute capability {}",
                                      name_, *g.compute_capability));
      } else if (!sass) {
        auto& x = add("framework.gpu_arch_ptx_only",
                      fmt::format("{} {} has no SASS for GPU {} (compute capability {}); its PTX "
                                  "is JIT-compiled at first start",
                                  name_, fw_.version, g.index, *g.compute_capability));
        x.evidence.push_back({"frameworks[].gpu_targets", list});
        x.fix.push_back(
            "expect minutes on the first run; set CUDA_CACHE_MAXSIZE high enough to keep the JIT "
            "cache");
      }
    }
  }

  const FactSet& f_;
  const PythonEnv& env_;
  const FrameworkFacts& fw_;
  const knowledge::Knowledge& k_;
  std::vector<Finding>& out_;
  std::string scope_;
  std::string name_;
};

}  // namespace

// An interpreter whose query did not answer: its frameworks are unknown,
// which is never the same as "none installed".
void environment_unchecked(const PythonEnv& env, std::vector<Finding>& out) {
  const auto& p = env.probe;
  std::string first_line = p.stderr_tail.substr(0, p.stderr_tail.find('\n'));
  std::string why =
      p.status == "timed_out"
          ? fmt::format("it did not answer within {:.0f} s", p.deadline_ms / 1000)
      : p.status == "spawn_failed"
          ? "it cannot be run: " + (first_line.empty() ? "no reason given" : first_line)
      : p.status == "crashed" ? fmt::format("it was killed by signal {}", p.signal)
      : p.status == "exited"
          ? fmt::format("it exited with status {}{}", p.exit_code,
                        first_line.empty() ? "" : ": " + first_line)
          : "its answer could not be read" + (first_line.empty() ? "" : ": " + first_line);
  Finding x = make_finding(
      "framework.environment_unchecked",
      fmt::format("could not check the Python environment of {}: {}", env.interpreter, why));
  x.scope = "python in " + env.interpreter;
  x.evidence.push_back({"python.environments[].probe.status", p.status});
  if (p.status == "timed_out") {
    x.fix.push_back(shell_command(
        "ongpu doctor --python {} --timeout 60   # a slow start (a loaded machine, a network "
        "file system) needs a longer deadline",
        env.interpreter));
  } else {
    x.fix.push_back(shell_command(
        "{} -c 'import sys; print(sys.version)'   # shows why it does not run", env.interpreter));
  }
  out.push_back(std::move(x));
}

std::vector<FrameworkVerdict> framework_rules(const FactSet& f, const Verdict& machine,
                                              const knowledge::Knowledge& k,
                                              std::vector<Finding>& out) {
  std::vector<FrameworkVerdict> verdicts;
  for (const auto& env : f.python.environments) {
    if (env.probe.status != "ok") environment_unchecked(env, out);
    for (const auto& fw : env.frameworks) {
      const size_t first = out.size();
      Checker(f, env, fw, k, out).run();
      FrameworkVerdict v;
      v.interpreter = env.interpreter;
      v.python_version = env.version.value_or("");
      v.framework = fw.framework;
      v.distribution = fw.distribution;
      v.version = fw.version;
      v.scope = fmt::format("{} in {}", fw.framework, env.interpreter);
      // The framework's own links come after the machine's in the chain.
      std::stable_sort(out.begin() + static_cast<long>(first), out.end(),
                       [](const Finding& a, const Finding& b) {
                         return static_cast<int>(a.link) < static_cast<int>(b.link);
                       });
      std::string own_error;
      for (size_t i = first; i < out.size(); ++i) {
        if (out[i].severity == Severity::error) {
          own_error = out[i].id;
          if (v.summary.empty()) v.summary = out[i].summary;
          break;
        }
      }
      if (!machine.gpu_usable) {
        v.root_cause = machine.root_cause;
        v.summary = machine.summary;
      } else if (!own_error.empty()) {
        v.root_cause = own_error;
      }
      v.gpu = machine.gpu_usable && own_error.empty() && fw.flavor != "unknown";
      if (machine.gpu_usable && own_error.empty() && fw.flavor == "unknown") {
        v.unknown = true;
        v.root_cause = "framework.build_unknown";
        for (size_t i = first; i < out.size(); ++i) {
          if (out[i].id == v.root_cause) v.summary = out[i].summary;
        }
      }
      v.details.push_back(fmt::format("build: {}{}{}{}", fw.flavor,
                                      fw.cuda_version ? ", CUDA " + *fw.cuda_version : "",
                                      fw.cudnn_version ? ", cuDNN " + *fw.cudnn_version : "",
                                      fw.package_dir.empty() ? "" : ", in " + fw.package_dir));
      if (fw.gpu_targets && !fw.gpu_targets->empty()) {
        std::string list;
        for (const auto& t : *fw.gpu_targets) list += (list.empty() ? "" : " ") + t;
        v.details.push_back("GPU code: " + list);
      }
      for (const auto& l : fw.libraries) {
        if (l.outcome == "found") {
          v.details.push_back(
              fmt::format("{} → {} ({}{})", l.soname, l.real_path.value_or("?"), l.found_by,
                          l.reported_version ? ", reports " + *l.reported_version : ""));
        } else {
          v.details.push_back(fmt::format("{}: {}", l.soname,
                                          l.outcome == "not_found" ? "not found" : l.path.reason));
        }
        for (const auto& c : l.other_copies) v.details.push_back("  also " + c.to_text());
      }
      if (v.gpu) v.summary = fmt::format("{} {} can use the GPU", pretty(fw.framework), fw.version);
      verdicts.push_back(std::move(v));
    }
  }
  return verdicts;
}

}  // namespace ongpu
