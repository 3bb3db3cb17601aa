// The platform a wheel was built for, from its dist-info WHEEL file (PEP 427:
// one "Tag: <python>-<abi>-<platform>" line per tag), and whether an
// interpreter can load it. Platform tags: PEP 425 (linux_*, win_*, any),
// PEP 600 (manylinux_X_Y_*), PEP 656 (musllinux_X_Y_*), the legacy
// manylinux1 / 2010 / 2014 aliases (PEP 513, 571, 599) and macosx_X_Y_* as
// packaging.tags writes them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ongpu::python {

// The Tag values of a WHEEL file, in order and without repeats
// ("cp311-cp311-manylinux_2_17_x86_64").
std::vector<std::string> parse_wheel_tags(std::string_view wheel_file);

// The platform tags of one wheel tag: its third part, split at '.' (a
// compressed tag set: "manylinux_2_17_x86_64.manylinux2014_x86_64"). Empty
// when the tag has no third part.
std::vector<std::string> platforms_of_tag(std::string_view tag);

struct WheelPlatform {
  std::string os;    // linux, darwin, win32; "any" for a pure-Python wheel
  std::string arch;  // x86_64, aarch64, x86, ppc64le, ..., universal2 (macOS); "" for any
};
// nullopt for a platform family ongpu does not know (android, ios, emscripten).
std::optional<WheelPlatform> parse_platform_tag(std::string_view platform);

// Whether a wheel built for `platform` loads in an interpreter with this
// sys.platform and platform.machine() (x86_64, aarch64, arm64, AMD64).
// nullopt when either side is unknown: no verdict.
std::optional<bool> platform_runs_on(std::string_view platform, std::string_view sys_platform,
                                     std::string_view machine);

}  // namespace ongpu::python
