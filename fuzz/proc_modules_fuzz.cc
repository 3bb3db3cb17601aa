// /proc/modules as the kernel writes it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "facts/parsers.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const auto& name : ongpu::parse_proc_modules(text)) {
    // A kernel module name (MODULE_NAME_LEN is 64 with the NUL).
    FUZZ_CHECK(!name.empty() && name.size() < 64);
    for (char c : name) {
      FUZZ_CHECK((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-');
    }
    FUZZ_CHECK(text.find(name) != std::string_view::npos);
  }
  return 0;
}
