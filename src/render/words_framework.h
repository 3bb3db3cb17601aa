// Internal to render/: what the two framework wording tables share (the
// framework's display name and the fix commands built from a finding's args).
// The framework rules' common args: framework (its enum name), version,
// python (the interpreter to run pip with), cuda and cudnn when known;
// requirement and extra_index_url where the framework's own install applies.
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>

#include "facts/framework.h"
#include "render/verdict_words.h"
#include "render/wordings.h"
#include "util/strings.h"

namespace ongpu::wording {

// The framework's name as users write it, from its enum name.
inline std::string framework_name(const Args& a) {
  const std::string name = a["framework"];
  auto fw = enum_from_name<Framework>(name);
  return fw ? ongpu::framework_name(*fw) : name;
}

// The command that runs pip ARGS with this very environment's interpreter.
inline std::string pip(const Args& a, std::string_view args) {
  return fmt::format("{} -m pip {}", shell_quote(a["python"]), args);
}

// The framework again with every wheel it pins, at its installed release.
inline std::string pip_install(const Args& a) {
  std::string args = "install " + shell_quote(a["requirement"]);
  if (a.has("extra_index_url")) args += " --extra-index-url " + a["extra_index_url"];
  return pip(a, args);
}

// A framework that pins no CUDA wheel: the CUDA and cuDNN of its build, by hand.
inline std::string install_cuda_yourself(const Args& a) {
  const std::string cudnn = a.get_or("cudnn", "?");
  return fmt::format(
      "{} {} pins no NVIDIA wheels (tensorflow[and-cuda] exists from 2.14): install CUDA {} and "
      "cuDNN {} (or a newer {}.x) yourself, from NVIDIA's archives or your distribution, and put "
      "their lib directories on the loader's path (LD_LIBRARY_PATH or /etc/ld.so.conf.d)",
      framework_name(a), a["version"], a.get_or("cuda", "?"), cudnn,
      cudnn.substr(0, cudnn.find('.')));
}

inline std::string ld_library_path_fix(std::string_view dir) {
  return fmt::format("export LD_LIBRARY_PATH={}${{LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}}",
                     shell_quote(dir));
}

}  // namespace ongpu::wording
