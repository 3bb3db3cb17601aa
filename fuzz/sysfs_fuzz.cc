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

void fuzz_etc_passwd(std::string_view text) {
  // The uid to look for comes from the input too, so that matching lines are found.
  const uint32_t uid = text.empty() ? 0 : static_cast<unsigned char>(text.front()) % 4 * 500;
  if (auto e = ongpu::find_passwd_entry(text, uid)) {
    FUZZ_CHECK(e->uid == uid);
    FUZZ_CHECK(!e->name.empty() && e->name.find(':') == std::string::npos);
    FUZZ_CHECK(e->home.find(':') == std::string::npos && e->home.find('\n') == std::string::npos);
  }
}

void fuzz_os_release(std::string_view text) {
  if (auto name = ongpu::parse_os_release_name(text)) {
    // One line: the report puts it into a table cell.
    FUZZ_CHECK(name->find('\n') == std::string::npos && name->find('\r') == std::string::npos);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 6) {
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
    case 4:
      fuzz_etc_passwd(text);
      break;
    case 5:
      fuzz_os_release(text);
      break;
  }
  return 0;
}
