// Files written by Python packaging tools and by the frameworks' builds:
// dist-info METADATA, Requires-Dist lines, and generated modules such as
// tensorflow/python/platform/build_info.py and torch/version.py.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.h"
#include "python/metadata.h"

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
  auto a = ongpu::python::parse_python_assignments(text);
  for (const auto& [k, v] : a) FUZZ_CHECK(!k.empty());
  return 0;
}
