// The small sysfs, efivarfs and /etc parsers, one target: the first byte picks
// the parser, the rest is its input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "facts/parsers.h"
#include "fuzz_check.h"

namespace {

void fuzz_pci_bus_id(std::string_view text) {
  auto id = ongpu::normalize_pci_bus_id(text);
  if (!id) return;
  // sysfs's form, "dddd:bb:dd.f" in lower-case hex, and normalizing it again
  // changes nothing.
  FUZZ_CHECK(id->size() == 12);
  for (size_t i = 0; i < id->size(); ++i) {
    char c = (*id)[i];
    if (i == 4 || i == 7)
      FUZZ_CHECK(c == ':');
    else if (i == 10)
      FUZZ_CHECK(c == '.');
    else
      FUZZ_CHECK((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  }
  auto again = ongpu::normalize_pci_bus_id(*id);
  FUZZ_CHECK(again && *again == *id);
}

void fuzz_etc_group(std::string_view text) {
  for (const auto& [gid, name] : ongpu::parse_etc_group(text)) {
    (void)gid;
    FUZZ_CHECK(name.find(':') == std::string::npos);
    FUZZ_CHECK(name.find('\n') == std::string::npos);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      (void)ongpu::parse_sysfs_hex(text);
      break;
    case 1: {
      auto on = ongpu::parse_secure_boot_efivar(text);
      // Anything shorter than the 4 attribute bytes plus the value is not an answer.
      FUZZ_CHECK(!on || text.size() >= 5);
      break;
    }
    case 2:
      fuzz_pci_bus_id(text);
      break;
    case 3:
      fuzz_etc_group(text);
      break;
  }
  return 0;
}
