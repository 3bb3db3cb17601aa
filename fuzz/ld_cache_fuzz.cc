// /etc/ld.so.cache as ldconfig writes it (old, new and combined formats),
// or anything else found at that path.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.h"
#include "libs/ld_cache.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto cache = ongpu::libs::parse_ld_cache(bytes);
  if (!cache) {
    FUZZ_CHECK(!cache.error().empty());
    return 0;
  }
  FUZZ_CHECK(cache->format == "new" || cache->format == "old" || cache->format == "old+new");
  // Every entry takes at least 12 bytes of the file (24 in the new format).
  FUZZ_CHECK(cache->entries.size() <= size / 12);
  for (const auto& e : cache->entries) {
    FUZZ_CHECK(e.soname.size() <= 4096 && e.path.size() <= 4096);
    FUZZ_CHECK(e.soname.find('\0') == std::string::npos && e.path.find('\0') == std::string::npos);
    FUZZ_CHECK(!ongpu::libs::describe_cache_flags(e.flags).empty());
  }
  if (!cache->entries.empty()) {
    const auto& first = cache->entries.front();
    for (const auto* e :
         ongpu::libs::ld_cache_lookup(*cache, first.soname, first.flags, {"x86-64-v3"})) {
      FUZZ_CHECK(e->soname == first.soname && e->flags == first.flags);
    }
  }
  return 0;
}
