// Saved facts (--facts-from) are a file users edit and send around. Reading
// any bytes must not throw or crash, and whatever the reader accepts must
// survive a second trip through the writer and reader unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "facts/json.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto doc = ongpu::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return 0;
  auto facts = ongpu::facts_from_json(doc);
  if (!facts) return 0;

  std::string first = ongpu::facts_to_json(*facts).dump();
  auto reparsed = ongpu::json::parse(first, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(!reparsed.is_discarded());
  auto again = ongpu::facts_from_json(reparsed);
  if (!again)
    std::fprintf(stderr, "fuzz: re-reading the written facts failed: %s\n", again.error().c_str());
  FUZZ_CHECK(again.ok());
  std::string second = ongpu::facts_to_json(*again).dump();
  FUZZ_CHECK(second == first);
  return 0;
}
