#include "python/wheel.h"

#include <algorithm>

#include "util/strings.h"

namespace ongpu::python {
namespace {

// One spelling per architecture: Linux and pip say x86_64 and aarch64, macOS
// says arm64, Windows' platform.machine() says AMD64 and ARM64, and wheel
// tags say amd64 (win_amd64) and i686 (manylinux2014_i686).
std::string normalize_arch(std::string_view arch) {
  std::string a = to_lower(arch);
  if (a == "amd64" || a == "x64") return "x86_64";
  if (a == "arm64") return "aarch64";
  if (a == "i386" || a == "i486" || a == "i586" || a == "i686" || a == "x86") return "x86";
  return a;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "2_17_x86_64" -> "x86_64": the architecture after two numeric fields
// (manylinux_2_17_, musllinux_1_1_, macosx_11_0_); "" when they are not there.
std::string after_two_numbers(std::string_view rest) {
  auto a = rest.find('_');
  if (a == std::string_view::npos) return "";
  auto b = rest.find('_', a + 1);
  if (b == std::string_view::npos) return "";
  if (!all_digits(rest.substr(0, a)) || !all_digits(rest.substr(a + 1, b - a - 1))) return "";
  return std::string(rest.substr(b + 1));
}

}  // namespace

std::vector<std::string> parse_wheel_tags(std::string_view wheel_file) {
  std::vector<std::string> tags;
  for (auto line : split(wheel_file, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;  // the headers end at the first blank line
    auto colon = line.find(':');
    if (colon == std::string_view::npos || to_lower(trim(line.substr(0, colon))) != "tag") continue;
    std::string tag = sanitize_text(trim(line.substr(colon + 1)));
    if (tag.empty() || std::find(tags.begin(), tags.end(), tag) != tags.end()) continue;
    tags.push_back(std::move(tag));
    if (tags.size() >= 256) break;  // a real wheel has a handful
  }
  return tags;
}

std::vector<std::string> platforms_of_tag(std::string_view tag) {
  auto parts = split(tag, '-');
  if (parts.size() != 3) return {};
  std::vector<std::string> out;
  for (auto p : split(parts[2], '.')) {
    if (!p.empty()) out.emplace_back(p);
  }
  return out;
}

std::optional<WheelPlatform> parse_platform_tag(std::string_view platform) {
  const std::string p = to_lower(trim(platform));
  if (p == "any") return WheelPlatform{"any", ""};
  std::string os, arch;
  if (starts_with(p, "manylinux_") || starts_with(p, "musllinux_")) {
    os = "linux";
    arch = after_two_numbers(std::string_view(p).substr(10));
  } else if (starts_with(p, "manylinux1_") || starts_with(p, "manylinux2010_") ||
             starts_with(p, "manylinux2014_") || starts_with(p, "linux_")) {
    os = "linux";
    arch = p.substr(p.find('_') + 1);
  } else if (starts_with(p, "macosx_")) {
    os = "darwin";
    arch = after_two_numbers(std::string_view(p).substr(7));
  } else if (p == "win32") {
    os = "win32";
    arch = "x86";
  } else if (starts_with(p, "win_")) {
    os = "win32";
    arch = p.substr(4);
  }
  if (os.empty() || arch.empty()) return std::nullopt;
  return WheelPlatform{os, normalize_arch(arch)};
}

std::optional<bool> platform_runs_on(std::string_view platform, std::string_view sys_platform,
                                     std::string_view machine) {
  auto wheel = parse_platform_tag(platform);
  if (!wheel) return std::nullopt;
  if (wheel->os == "any") return true;
  const std::string os = starts_with(sys_platform, "linux") ? "linux"
                         : sys_platform == "darwin"         ? "darwin"
                         : sys_platform == "win32"          ? "win32"
                                                            : "";
  const std::string m = normalize_arch(trim(machine));
  if (os.empty() || m.empty()) return std::nullopt;
  if (wheel->os != os) return false;
  const std::string& w = wheel->arch;
  if (w == m) return true;
  if (os == "darwin") {
    // packaging.tags: universal2 = x86_64 + arm64; intel = i386 + x86_64;
    // universal = i386 + ppc + ppc64 + x86_64; the fat* sets of old PowerPC
    // era builds are not judged.
    if (w == "universal2") return m == "x86_64" || m == "aarch64";
    if (w == "intel" || w == "universal") return m == "x86_64" || m == "x86";
    if (starts_with(w, "fat")) return std::nullopt;
  }
  // A 32-bit interpreter on a 64-bit kernel reports the kernel's machine
  // (platform.machine() is uname's), and pip rightly gives it 32-bit wheels.
  if (m == "x86_64" && w == "x86") return true;
  if (m == "aarch64" && starts_with(w, "armv")) return true;
  return false;
}

}  // namespace ongpu::python
