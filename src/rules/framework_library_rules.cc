// Framework checks of the CUDA wheels it pins and the CUDA libraries it loads:
// missing, unreachable, too old, shadowed, of mixed releases.
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

void Checker::wheels() {
  if (fw_.cuda_wheels.empty()) {
    // No pins (TensorFlow before 2.14): the libraries its build implies.
    if (!fw_.libraries.empty()) libraries(false);
    return;
  }
  std::vector<std::string> missing_wheels;
  for (const auto& w : fw_.cuda_wheels) {
    if (w.installed.empty()) missing_wheels.push_back(w.name);
  }
  const bool none_installed = missing_wheels.size() == fw_.cuda_wheels.size();
  if (!fw_.libraries.empty()) {
    libraries(none_installed);
  } else if (none_installed) {
    // No resolution to go by (an older snapshot): judge by the wheels alone.
    wheels_missing({});
  }
  if (!missing_wheels.empty() && !none_installed) {
    std::string list;
    for (const auto& m : missing_wheels) list += (list.empty() ? "" : ", ") + m;
    auto& x = add("framework.cuda_wheels_partial");
    x.args.set("missing_wheels", missing_wheels);
    install_args(x);
    x.evidence.push_back({"frameworks[].cuda_wheels[].installed", list + ": not installed"});
  }
}

void Checker::wheels_missing(const std::vector<std::string>& sonames) {
  auto& x = add("framework.cuda_wheels_missing");
  x.args.set("pinned", fw_.cuda_wheels.size());
  if (!fw_.cuda_wheels.front().extra.empty()) x.args.set("extra", fw_.cuda_wheels.front().extra);
  if (!sonames.empty()) x.args.set("libraries", sonames);  // with no other copy either
  install_args(x);
  x.evidence.push_back({"frameworks[].cuda_wheels[].installed",
                        "none of " + std::to_string(fw_.cuda_wheels.size())});
}

void Checker::libraries(bool none_installed) {
  std::vector<const LibraryFact*> missing;
  for (const auto& l : fw_.libraries) {
    if (l.outcome == LibraryOutcome::found) continue;
    if (l.role == LibraryRole::later) {
      later_missing(l);
    } else {
      missing.push_back(&l);
    }
  }
  if (!missing.empty() && none_installed) {
    std::vector<std::string> sonames;
    for (const auto* l : missing) sonames.push_back(l->soname);
    wheels_missing(sonames);
  } else if (missing.size() > 1 && fw_.cuda_wheels.empty()) {
    // No pins: one fix (install the build's CUDA and cuDNN) for them all.
    std::vector<std::string> sonames;
    std::vector<std::string> dirs;  // copies where the loader does not look
    for (const auto* l : missing) sonames.push_back(l->soname);
    auto& x = add("framework.cuda_library_missing");
    x.args.set("libraries", sonames);
    install_fix(x);
    for (const auto* l : missing) {
      x.evidence.push_back(
          {"frameworks[].libraries[].outcome", fmt::format("{}: {}", l->soname, l->outcome)});
      for (const auto& c : l->other_copies) {
        if (c.status != OtherCopy::Status::not_on_search_path) continue;
        const std::string dir = dir_of(c.path);
        if (std::find(dirs.begin(), dirs.end(), dir) == dirs.end()) dirs.push_back(dir);
      }
    }
    if (!dirs.empty()) x.args.set("copy_dirs", dirs);
  } else {
    for (const auto* l : missing) {
      bool wheel_installed = std::any_of(
          fw_.cuda_wheels.begin(), fw_.cuda_wheels.end(),
          [&](const PinnedWheel& w) { return w.name == l->wanted_by && !w.installed.empty(); });
      auto& x = add(wheel_installed ? FindingId("framework.cuda_wheels_unreachable")
                                    : FindingId("framework.cuda_library_missing"));
      x.args.set("library", l->soname).set("wanted_by", l->wanted_by);
      if (!l->requester.empty()) x.args.set("requester", l->requester);
      x.evidence.push_back(
          {"frameworks[].libraries[].outcome", fmt::format("{}: {}", l->soname, l->outcome)});
      const auto w = std::find_if(fw_.cuda_wheels.begin(), fw_.cuda_wheels.end(),
                                  [&](const PinnedWheel& p) { return p.name == l->wanted_by; });
      if (!l->wheel_copy.empty()) {
        // The framework's own search misses the wheel's directory (TensorFlow
        // 2.21.0's RUNPATH lacks nvidia/cusolver/lib): reinstalling the same
        // release changes nothing, the loader's path does.
        x.args.set("fix", "wheel_path").set("wheel_copy", l->wheel_copy);
        x.args.set("wheel_dir", dir_of(l->wheel_copy));
      } else if (wheel_installed) {
        // The wheel is recorded as installed, its file is gone: that wheel
        // again, at its version, and nothing else.
        x.args.set("fix", "reinstall_wheel")
            .set("wheel", w->name)
            .set("wheel_version", w->installed);
      } else if (w != fw_.cuda_wheels.end()) {
        x.args.set("fix", "install_pin").set("wheel", w->name).set("specifier", w->specifier);
      } else {
        // No wheel to name (the library follows from build_info.py), or wanted
        // by the framework's own object (DT_NEEDED) or its preload, not by one
        // pin: the framework with every wheel it pins.
        install_fix(x);
      }
      // A copy exists where the loader does not look: say how to use it.
      for (const auto& c : l->other_copies) {
        if (c.status != OtherCopy::Status::not_on_search_path) continue;
        x.args.set("copy_dir", dir_of(c.path));
        break;
      }
    }
  }
  for (const auto& l : fw_.libraries) {
    if (!l.missing_symbols.empty() && l.outcome == LibraryOutcome::found) {
      // Another copy than the one the framework was linked with, and older:
      // the loader stops at the first symbol it lacks.
      auto& x = add("framework.cuda_library_too_old");
      x.args.set("library", l.soname).set("found_by", l.found_by);
      x.args.set("missing_symbols", l.missing_symbols);
      x.args.set("object", l.needed_by.substr(l.needed_by.rfind('/') + 1));
      if (l.real_path) x.args.set("path", *l.real_path);
      install_fix(x);
      std::string list;
      for (const auto& sym : l.missing_symbols) list += (list.empty() ? "" : ", ") + sym;
      x.evidence.push_back({"frameworks[].libraries[].missing_symbols", list});
    }
    for (const auto& dep : l.missing_dependencies) {
      auto& x = add("framework.cuda_library_dependency_missing");
      x.args.set("library", l.soname).set("dependency", dep);
      if (l.path) x.args.set("path", *l.path);
      install_fix(x);
      x.evidence.push_back({"frameworks[].libraries[].missing_dependencies", dep});
    }
    // The framework's own pip copy loses to another one earlier in the search.
    if (l.outcome == LibraryOutcome::found && l.real_path && !in_nvidia_wheel(*l.real_path)) {
      for (const auto& c : l.other_copies) {
        if (in_nvidia_wheel(c.path) && c.status == OtherCopy::Status::shadowed) {
          auto& x = add("framework.cuda_library_shadowed");
          x.args.set("library", l.soname).set("path", *l.real_path).set("found_by", l.found_by);
          x.args.set("wheel_copy", c.path);
          x.args.flag("by_ld_library_path", l.found_step == LoaderStep::ld_library_path);
          x.evidence.push_back({"frameworks[].libraries[].found_by", l.found_by});
          break;
        }
      }
    }
  }
}

// A library the framework opens on first use, not to register a GPU.
void Checker::later_missing(const LibraryFact& l) {
  auto& x = add("framework.cuda_library_later_missing");
  x.args.set("library", l.soname);
  if (!l.wheel_copy.empty()) {
    x.args.set("fix", "wheel_path").set("wheel_copy", l.wheel_copy);
    x.args.set("wheel_dir", dir_of(l.wheel_copy));
  } else if (!fw_.cuda_wheels.empty()) {
    install_fix(x);
  }
  x.evidence.push_back(
      {"frameworks[].libraries[].outcome", fmt::format("{}: {}", l.soname, l.outcome)});
}

std::optional<Checker::Release> Checker::cuda_release_of(const LibraryFact& l) const {
  const std::string path = l.real_path.value_or("");
  for (auto part : split(path, '/')) {
    if (!starts_with(part, "cuda-")) continue;
    auto v = part.substr(5);
    auto mm = major_minor(v);
    if (mm && knowledge::parse_version(v)) {
      return Release{mm->first, std::string(v), "directory", ""};
    }
  }
  if (in_nvidia_wheel(path)) {
    auto at = path.find("/nvidia/", path.find("-packages/")) + 8;
    std::string pkg = path.substr(at, path.find('/', at) - at);
    if (starts_with(pkg, "cu")) {
      if (auto n = parse_number<int>(std::string_view(pkg).substr(2))) {
        return Release{*n, "", "wheel_directory", pkg};
      }
    }
    std::replace(pkg.begin(), pkg.end(), '_', '-');
    const std::string prefix = "nvidia-" + pkg + "-cu";
    for (const auto& d : env_.distributions) {
      if (!starts_with(d.name, prefix)) continue;
      if (auto n = parse_number<int>(std::string_view(d.name).substr(prefix.size()))) {
        return Release{*n, "", "wheel", d.name};
      }
    }
  }
  for (std::string_view stem :
       {"libcudart.so.", "libcublas.so.", "libcublasLt.so.", "libnvrtc.so.", "libnvJitLink.so."}) {
    if (!starts_with(l.soname, stem)) continue;
    auto rest = std::string_view(l.soname).substr(stem.size());
    if (auto n = parse_number<int>(rest.substr(0, rest.find('.')))) {
      return Release{*n, "", "soname", ""};
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
void Checker::mixed_releases() {
  struct Seen {
    const LibraryFact* lib;
    Release release;
  };
  std::vector<Seen> seen;
  for (const auto& l : fw_.libraries) {
    // Only what the framework loads to register a GPU: a library it opens
    // later may never be loaded at all.
    if (l.outcome != LibraryOutcome::found || l.role == LibraryRole::later) continue;
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
  // Each library, where it is, its release and what tells it: lists in step.
  std::vector<std::string> sonames, dirs_of, majors_of, versions, by, sources;
  for (const auto& x : seen) {
    sonames.push_back(x.lib->soname);
    dirs_of.push_back(dir_of(x.lib->real_path.value_or("")));
    majors_of.push_back(std::to_string(x.release.major));
    versions.push_back(x.release.version);
    by.push_back(x.release.by);
    sources.push_back(x.release.source);
  }
  auto& x = add("framework.cuda_libraries_mixed");
  x.args.set("libraries", sonames).set("dirs", dirs_of).set("majors", majors_of);
  x.args.set("releases", versions).set("by", by).set("sources", sources);
  for (const auto& s : seen) {
    x.evidence.push_back(
        {"frameworks[].libraries[].real_path",
         fmt::format(
             "{}: {} (CUDA {}; by {}{}; {})", s.lib->soname, s.lib->real_path.value_or("?"),
             s.release.version.empty() ? std::to_string(s.release.major) : s.release.version,
             s.release.by, s.release.source.empty() ? "" : " " + s.release.source,
             s.lib->found_by)});
  }
  // Where the libraries of another release come in: the way out of each.
  // The release to keep is the build's (its toolkit directory, if one
  // matches the build's major.minor); without a build version, the first.
  const int keep = built ? *built : seen.front().release.major;
  std::string keep_toolkit;
  for (const auto& t : toolkits) {
    if (fw_.cuda_version && major_minor(t) == major_minor(*fw_.cuda_version)) keep_toolkit = t;
  }
  std::vector<std::string> dirs, remove_dirs, remove_steps;
  for (const auto& s : seen) {
    const bool other_toolkit =
        !keep_toolkit.empty() && !s.release.version.empty() && s.release.version != keep_toolkit;
    if (s.release.major == keep && !other_toolkit) continue;
    const std::string dir = dir_of(s.lib->path.value_or(s.lib->real_path.value_or("")));
    if (std::find(dirs.begin(), dirs.end(), dir) != dirs.end()) continue;
    dirs.push_back(dir);
    if (s.lib->found_step == LoaderStep::ld_library_path ||
        s.lib->found_step == LoaderStep::ld_so_cache) {
      remove_dirs.push_back(dir);
      remove_steps.push_back(enum_string(*s.lib->found_step));
    }
  }
  x.args.set("keep", keep).set("remove_dirs", remove_dirs).set("remove_steps", remove_steps);
  install_fix(x);
}

}  // namespace ongpu::framework_check
