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
    auto& x = add("framework.platform_unsupported");
    x.args.set("platform", plat);
    x.evidence.push_back({"python.environments[].platform", plat});
  } else if (plat == "win32" && fw_.framework == Framework::tensorflow &&
             knowledge::version_at_least(release_of(fw_.version), "2.11")) {
    // tensorflow.org/install/pip: 2.10 was the last release with GPU support on native Windows.
    auto& x = add("framework.platform_unsupported");
    x.args.set("platform", plat);
    x.evidence.push_back({"python.environments[].platform", plat});
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
  std::string tags;
  for (const auto& t : *fw_.wheel_tags) tags += (tags.empty() ? "" : ", ") + t;
  auto& x = add("framework.wheel_wrong_architecture");
  x.args.set("dist", dist).set("dist_version", version).set("platforms", wrong);
  x.args.set("machine", *env_.machine);
  if (!plat.empty()) x.args.set("os", plat);
  // Reinstalled by the interpreter's own pip unless conda installed it.
  x.args.flag("conda", installer_of(env_, dist) == "conda");
  x.evidence.push_back({"frameworks[].wheel_tags", tags});
  x.evidence.push_back({"python.environments[].machine", *env_.machine});
}

void Checker::build() {
  if (fw_.flavor == BuildFlavor::unknown) {
    // Its package directory or its METADATA cannot be read: never a
    // verdict of GPU (nor of CPU) from what is not known.
    auto& x = add("framework.build_unknown");
    x.args.set("reason", fw_.cuda_version.reason).set("distribution", fw_.distribution);
    x.evidence.push_back({"frameworks[].flavor", "unknown"});
    x.evidence.push_back({"frameworks[].cuda_version", fw_.cuda_version.reason});
    return;
  }
  if (fw_.flavor == BuildFlavor::stub) {
    auto& x = add("framework.tensorflow_gpu_stub");
    x.evidence.push_back({"frameworks[].distribution", fw_.distribution});
    return;
  }
  if (fw_.distribution == "tensorflow-gpu") {
    auto& x = add("framework.tensorflow_gpu_outdated");
    x.evidence.push_back({"frameworks[].distribution", fw_.distribution});
  }
  if (fw_.flavor != BuildFlavor::cpu && fw_.flavor != BuildFlavor::rocm) return;
  // The wording tells the packages apart by framework, distribution and flavor.
  auto& x = add("framework.cpu_only_build");
  x.args.set("distribution", fw_.distribution).set("flavor", enum_string(fw_.flavor));
  x.args.flag("conda", installer() == "conda");
  x.evidence.push_back({"frameworks[].flavor", enum_string(fw_.flavor)});
  x.evidence.push_back({"frameworks[].distribution", fw_.distribution + " " + fw_.version});
}

void Checker::conflicts() {
  if (fw_.conflicts.empty()) return;
  std::string list;
  for (const auto& c : fw_.conflicts) list += (list.empty() ? "" : ", ") + c;
  // Each conflict is "<distribution> <version>": all of them go, with the framework's own.
  std::vector<std::string> remove{fw_.distribution};
  for (const auto& c : fw_.conflicts) remove.push_back(c.substr(0, c.find(' ')));
  auto& x = add("framework.conflicting_distributions");
  x.args.set("distribution", fw_.distribution).set("conflicts", fw_.conflicts);
  x.args.set("remove", remove);
  x.evidence.push_back({"frameworks[].conflicts", list});
}

void Checker::environment() {
  if (fw_.framework == Framework::jax && f_.env.jax_platforms) {
    auto v = to_lower(*f_.env.jax_platforms);
    if (v.find("cuda") == std::string::npos && v.find("gpu") == std::string::npos) {
      auto& x = add("framework.jax_platforms_cpu");
      x.args.set("jax_platforms", *f_.env.jax_platforms);
      x.evidence.push_back({"env.jax_platforms", *f_.env.jax_platforms});
    }
  }
  if (fw_.framework == Framework::tensorflow && f_.env.tf_cpp_min_log_level) {
    auto level = parse_number<int>(*f_.env.tf_cpp_min_log_level);
    if (level && *level >= 1) {
      auto& x = add("framework.tf_log_level_hides_warnings");
      x.args.set("level", *level);
      x.evidence.push_back({"env.tf_cpp_min_log_level", *f_.env.tf_cpp_min_log_level});
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
  auto& x = add("framework.jax_version_skew");
  x.args.set("jaxlib", jaxlib->second).set("skewed", off);
  install_args(x);
  x.evidence.push_back({"frameworks[].components", list});
}

}  // namespace ongpu::framework_check
