// The words of the framework findings about its CUDA wheels and libraries
// (render/wordings.h).
#include <fmt/format.h>

#include "render/words_framework.h"

namespace ongpu::wording {
namespace {

// The fix a rule chose by the "fix" arg: the framework's own install, the
// build's CUDA by hand, or the wheel's directory on the loader's path.
std::string install_fix(const Args& a) {
  const std::string fix = a["fix"];
  if (fix == "cuda_yourself") return install_cuda_yourself(a);
  if (fix == "wheel_path") return ld_library_path_fix(a["wheel_dir"]);
  return pip_install(a);
}

// A library the loader does not find: whose it is, and how to get it.
Words not_found(const Args& a, std::string summary) {
  Words w{std::move(summary), {}};
  const std::string fix = a["fix"];
  if (fix == "wheel_path") w.summary += fmt::format(" (the wheel's copy is {})", a["wheel_copy"]);
  if (fix == "reinstall_wheel") {
    w.fix.push_back(pip(a, "install --force-reinstall --no-deps " +
                               shell_quote(a["wheel"] + "==" + a["wheel_version"])));
  } else if (fix == "install_pin") {
    w.fix.push_back(pip(a, "install " + shell_quote(a["wheel"] + a["specifier"])));
  } else {
    w.fix.push_back(install_fix(a));
  }
  if (a.has("copy_dir")) {
    w.summary += fmt::format(" (a copy is in {}, which it does not search)", a["copy_dir"]);
    w.fix.push_back("or: " + ld_library_path_fix(a["copy_dir"]));
  }
  return w;
}

// What tells the CUDA release of one library of cuda_libraries_mixed (item i).
std::string release_why(const Args& a, size_t i) {
  const auto by = a.list("by"), sources = a.list("sources");
  const auto majors = a.list("majors"), releases = a.list("releases");
  if (i >= by.size() || i >= sources.size() || i >= majors.size() || i >= releases.size())
    return "?";  // lists out of step: a rule's bug, shown rather than read past
  if (by[i] == "directory") return fmt::format("CUDA {} by its directory", releases[i]);
  if (by[i] == "wheel_directory")
    return fmt::format("CUDA {} by its wheel directory nvidia/{}", majors[i], sources[i]);
  if (by[i] == "wheel") return fmt::format("CUDA {} by its wheel {}", majors[i], sources[i]);
  return fmt::format("CUDA {} by its soname", majors[i]);
}

Words libraries_mixed(const Args& a) {
  const auto libraries = a.list("libraries"), dirs = a.list("dirs");
  std::string list;
  for (size_t i = 0; i < libraries.size() && i < dirs.size(); ++i) {
    list += fmt::format("{}{} from {} ({})", list.empty() ? "" : ", ", libraries[i], dirs[i],
                        release_why(a, i));
  }
  Words w{
      fmt::format("{} {}{} would load CUDA libraries of different releases: {}", framework_name(a),
                  a["version"], a.has("cuda") ? " (built with CUDA " + a["cuda"] + ")" : "", list),
      {}};
  const auto remove_dirs = a.list("remove_dirs"), steps = a.list("remove_steps");
  for (size_t i = 0; i < remove_dirs.size() && i < steps.size(); ++i) {
    if (steps[i] == "ld_library_path") {
      w.fix.push_back(shell_command("remove {} from LD_LIBRARY_PATH", remove_dirs[i]));
    } else {
      w.fix.push_back(shell_command(
          "{} comes from the loader's cache: remove it from /etc/ld.so.conf.d (then sudo "
          "ldconfig), or put CUDA {}'s lib directory before it on LD_LIBRARY_PATH",
          remove_dirs[i], a["keep"]));
    }
  }
  w.fix.push_back(a["fix"] == "cuda_yourself"
                      ? install_cuda_yourself(a)
                      : fmt::format("take every CUDA library from one CUDA {} installation: {}",
                                    a["keep"], pip_install(a)));
  return w;
}

constexpr Wording kWordings[] = {
    // The NVIDIA wheels it pins.
    {"framework.cuda_wheels_partial",
     [](const Args& a) -> Words {
       return {fmt::format("{} pins NVIDIA wheels that are not installed: {}", framework_name(a),
                           a["missing_wheels"]),
               {pip_install(a)}};
     }},
    {"framework.cuda_wheels_missing",
     [](const Args& a) -> Words {
       return {fmt::format("{} {} is a CUDA {} build, but none of the {} NVIDIA wheels it pins{} "
                           "is installed{}",
                           framework_name(a), a["version"], a.get_or("cuda", "?"), a["pinned"],
                           a.has("extra") ? " (extra [" + a["extra"] + "])" : "",
                           a.has("libraries")
                               ? ", and the loader finds no other copy of " + a["libraries"]
                               : ""),
               {pip_install(a)}};
     }},
    {"framework.cuda_wheels_unreachable",
     [](const Args& a) -> Words {
       return not_found(
           a, fmt::format("{} is installed, but the loader will not find {} from {}",
                          a["wanted_by"], a["library"], a.get_or("requester", "the framework")));
     }},
    // The libraries it loads.
    {"framework.cuda_library_missing",
     [](const Args& a) -> Words {
       if (!a.has("libraries")) {
         return not_found(a, fmt::format("{} needs {}, and the loader finds it nowhere",
                                         framework_name(a), a["library"]));
       }
       // Several, with no pins: one fix for them all.
       Words w{fmt::format("{} {} needs {}, and the loader finds them nowhere", framework_name(a),
                           a["version"], a["libraries"]),
               {install_fix(a)}};
       if (a.has("copy_dirs")) {
         const std::string dirs = fmt::format("{}", fmt::join(a.list("copy_dirs"), ":"));
         w.summary += fmt::format(" (copies are in {}, which it does not search)", dirs);
         w.fix.push_back("or: " + ld_library_path_fix(dirs));
       }
       return w;
     }},
    {"framework.cuda_library_later_missing",
     [](const Args& a) -> Words {
       Words w{
           fmt::format("{} does not need {} to register a GPU, but opens it on first use, and "
                       "the loader finds it nowhere{}",
                       framework_name(a), a["library"],
                       a.has("wheel_copy") ? " (the wheel's copy is " + a["wheel_copy"] + ")" : ""),
           {}};
       if (a.has("fix")) w.fix.push_back(install_fix(a));
       return w;
     }},
    {"framework.cuda_library_too_old",
     [](const Args& a) -> Words {
       const auto symbols = a.list("missing_symbols");
       return {
           fmt::format("{} is loaded from {} ({}), which lacks {}{} that {} needs: {} fails to "
                       "load",
                       a["library"], a.get_or("path", "?"), a["found_by"],
                       symbols.empty() ? "?" : symbols.front(),
                       symbols.size() > 1 ? fmt::format(" and {} more", symbols.size() - 1) : "",
                       a["object"], framework_name(a)),
           {install_fix(a)}};
     }},
    {"framework.cuda_library_dependency_missing",
     [](const Args& a) -> Words {
       return {fmt::format("{} ({}) needs {}, which the loader does not find", a["library"],
                           a.get_or("path", "?"), a["dependency"]),
               {install_fix(a)}};
     }},
    {"framework.cuda_library_shadowed",
     [](const Args& a) -> Words {
       return {fmt::format("{} is loaded from {} ({}), not from the wheel the framework pins ({})",
                           a["library"], a["path"], a["found_by"], a["wheel_copy"]),
               {a.has("by_ld_library_path") ? "remove that directory from LD_LIBRARY_PATH"
                                            : "remove the system copy from the loader's path, or "
                                              "set LD_LIBRARY_PATH to the wheel's lib directory"}};
     }},
    {"framework.cuda_libraries_mixed", libraries_mixed},
};

}  // namespace

std::span<const Wording> framework_library_wordings() { return kWordings; }

}  // namespace ongpu::wording
