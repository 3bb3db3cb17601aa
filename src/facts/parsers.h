// Parsers for files written by other people's software (the kernel, the
// NVIDIA driver). They take text and never throw or crash on any input; each
// has a unit test and a libFuzzer target (fuzz/).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace ongpu {

// /proc/driver/nvidia/version, first line, e.g.
//   NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  Tue Mar  5 ...
//   NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.65.06  Release Build ...
struct NvidiaVersionFile {
  std::string version;  // "" when no version was found
  std::string flavor;   // "open", "proprietary", or "" when the line does not say
  std::string line;     // the NVRM line itself
};
NvidiaVersionFile parse_nvidia_version_file(std::string_view text);

// The "Device Minor: 0" line of /proc/driver/nvidia/gpus/<bus id>/information.
std::optional<uint32_t> parse_device_minor(std::string_view text);

// Module names from /proc/modules ("nvidia_uvm 1802240 0 - Live 0x0 (POE)").
std::set<std::string> parse_proc_modules(std::string_view text);

// gid -> group name from /etc/group ("video:x:44:alice").
std::map<uint32_t, std::string> parse_etc_group(std::string_view text);

// One line of /etc/passwd ("alice:x:1000:1000:Alice:/home/alice:/bin/bash").
struct PasswdEntry {
  std::string name;
  uint32_t uid = 0;
  std::string home;
};
// The entry of this uid in /etc/passwd; nullopt when there is none.
std::optional<PasswdEntry> find_passwd_entry(std::string_view text, uint32_t uid);

// The distribution's name from os-release(5): PRETTY_NAME, else NAME and
// VERSION_ID ("Ubuntu 22.04.4 LTS"); nullopt when the file names neither.
std::optional<std::string> parse_os_release_name(std::string_view text);

// A sysfs number such as "0x10de\n" (vendor, device, class).
std::optional<uint32_t> parse_sysfs_hex(std::string_view text);

// The SecureBoot EFI variable: 4 attribute bytes, then 1 = enabled.
std::optional<bool> parse_secure_boot_efivar(std::string_view bytes);

// A PCI bus id as NVML ("00000000:65:00.0") or CUDA ("0000:65:00.0") writes
// it, in sysfs's form ("0000:65:00.0", lower case). nullopt if malformed.
std::optional<std::string> normalize_pci_bus_id(std::string_view id);

}  // namespace ongpu
