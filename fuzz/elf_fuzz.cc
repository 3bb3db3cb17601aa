// Shared objects on the library search path: ongpu reads the ELF header and
// dynamic section of any file that has a library's name, so the parser must
// take any bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.h"
#include "libs/elf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto header = ongpu::libs::parse_elf_header(bytes);
  auto info = ongpu::libs::parse_elf(bytes);
  if (!info) {
    FUZZ_CHECK(!info.error().empty());
    return 0;
  }
  // Whatever parses as a file parses as a header, the same way.
  FUZZ_CHECK(header.ok());
  FUZZ_CHECK(info->header.elf_class == header->elf_class);
  FUZZ_CHECK(info->header.machine == header->machine);
  if (!info->has_dynamic) {
    FUZZ_CHECK(info->needed.empty() && !info->soname && !info->rpath && !info->runpath);
    FUZZ_CHECK(info->flags_1 == 0);
  }
  FUZZ_CHECK(info->needed.size() <= 4096);
  // Strings end at their NUL; search lists are split on ':'.
  for (const auto& n : info->needed) FUZZ_CHECK(n.find('\0') == std::string::npos);
  if (info->soname) FUZZ_CHECK(info->soname->find('\0') == std::string::npos);
  for (const auto* list : {&info->rpath, &info->runpath}) {
    if (!*list) continue;
    for (const auto& e : **list) {
      FUZZ_CHECK(e.find(':') == std::string::npos && e.find('\0') == std::string::npos);
    }
  }
  FUZZ_CHECK(info->interpreter.size() <= 4096);
  return 0;
}
