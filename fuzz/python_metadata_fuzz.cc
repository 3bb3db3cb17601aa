// Files written by Python packaging tools and by the frameworks' builds:
// dist-info METADATA and WHEEL, Requires-Dist lines, and generated modules
// such as tensorflow/python/platform/build_info.py and torch/version.py.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.h"
#include "python/metadata.h"
#include "python/wheel.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto m = ongpu::python::parse_core_metadata(text);
  FUZZ_CHECK(m.name.find('\n') == std::string::npos);
  for (const auto& line : m.requires_dist) {
    if (auto r = ongpu::python::parse_requirement(line)) {
      FUZZ_CHECK(!r->name.empty());
      FUZZ_CHECK(ongpu::python::normalize_name(r->name) == r->name);  // already normalized
      (void)ongpu::python::lowest_allowed_version(r->specifier);
    }
  }
  if (auto r = ongpu::python::parse_requirement(text)) FUZZ_CHECK(!r->name.empty());
  for (const auto& tag : ongpu::python::parse_wheel_tags(text)) {
    FUZZ_CHECK(!tag.empty() && tag.find('\n') == std::string::npos);
    for (const auto& p : ongpu::python::platforms_of_tag(tag)) {
      if (auto w = ongpu::python::parse_platform_tag(p)) FUZZ_CHECK(!w->os.empty());
      (void)ongpu::python::platform_runs_on(p, "linux", "x86_64");
    }
  }
  (void)ongpu::python::platform_runs_on(text, "darwin", text);
  auto a = ongpu::python::parse_python_assignments(text);
  for (const auto& [k, v] : a) FUZZ_CHECK(!k.empty());
  return 0;
}
