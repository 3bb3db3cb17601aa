// /proc/driver/nvidia/version as the kernel module writes it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "facts/parsers.h"
#include "fuzz_check.h"

namespace {

bool looks_like_version(std::string_view v) {
  if (v.find('.') == std::string_view::npos) return false;
  for (char c : v) {
    if (!((c >= '0' && c <= '9') || c == '.')) return false;
  }
  return v.front() != '.' && v.back() != '.';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto f = ongpu::parse_nvidia_version_file(text);
  FUZZ_CHECK(f.version.empty() || looks_like_version(f.version));
  FUZZ_CHECK(f.flavor.empty() || f.flavor == "open" || f.flavor == "proprietary");
  // Version and flavor come from the NVRM line, so neither can exist without it.
  FUZZ_CHECK(f.version.empty() || !f.line.empty());
  FUZZ_CHECK(f.flavor.empty() || !f.line.empty());
  FUZZ_CHECK(f.line.find('\n') == std::string::npos);
  return 0;
}
