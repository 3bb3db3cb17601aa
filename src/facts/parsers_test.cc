#include "facts/parsers.h"

#include <gtest/gtest.h>

namespace ongpu {

TEST(NvidiaVersionFile, ProprietaryModule) {
  auto v = parse_nvidia_version_file(
      "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  Tue Mar  5 22:23:56 UTC 2024\n"
      "GCC version:  gcc version 12.2.0 (Debian 12.2.0-14) \n");
  EXPECT_EQ(v.version, "550.54.15");
  EXPECT_EQ(v.flavor, "proprietary");
}

TEST(NvidiaVersionFile, OpenModuleSkipsArchitecture) {
  auto v = parse_nvidia_version_file(
      "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.65.06  Release Build  "
      "(dvs-builder@U16-I3-B03-4-3)  Tue Jul 15 19:51:33 UTC 2025\n");
  EXPECT_EQ(v.version, "580.65.06");
  EXPECT_EQ(v.flavor, "open");
}

TEST(NvidiaVersionFile, GarbageGivesNothing) {
  EXPECT_EQ(parse_nvidia_version_file("").version, "");
  EXPECT_EQ(parse_nvidia_version_file("NVRM version: \n").version, "");
  EXPECT_EQ(parse_nvidia_version_file("hello 1.2.3\n").version, "");
}

TEST(ProcModules, NamesOnly) {
  auto m = parse_proc_modules(
      "nvidia_uvm 1802240 0 - Live 0x0000000000000000 (POE)\n"
      "nvidia 62128128 2 nvidia_uvm,nvidia_modeset, Live 0x0000000000000000 (POE)\n\n  \n");
  EXPECT_EQ(m.size(), 2u);
  EXPECT_TRUE(m.count("nvidia_uvm"));
  EXPECT_TRUE(m.count("nvidia"));
  EXPECT_FALSE(m.count("nouveau"));
}

TEST(Sysfs, Hex) {
  EXPECT_EQ(parse_sysfs_hex("0x10de\n"), 0x10deu);
  EXPECT_EQ(parse_sysfs_hex("0x030200\n"), 0x030200u);
  EXPECT_FALSE(parse_sysfs_hex("zz"));
}

TEST(Sysfs, SecureBoot) {
  EXPECT_EQ(parse_secure_boot_efivar(std::string("\x06\x00\x00\x00\x01", 5)), true);
  EXPECT_EQ(parse_secure_boot_efivar(std::string("\x06\x00\x00\x00\x00", 5)), false);
  EXPECT_FALSE(parse_secure_boot_efivar("\x06"));
}

TEST(PciBusId, NormalizesNvmlAndCudaForms) {
  EXPECT_EQ(normalize_pci_bus_id("00000000:65:00.0"), "0000:65:00.0");
  EXPECT_EQ(normalize_pci_bus_id("0000:65:00.0"), "0000:65:00.0");
  EXPECT_EQ(normalize_pci_bus_id("0000:AB:1F.7"), "0000:ab:1f.7");
  EXPECT_FALSE(normalize_pci_bus_id("65:00.0"));
  EXPECT_FALSE(normalize_pci_bus_id("0000:165:00.0"));
  EXPECT_FALSE(normalize_pci_bus_id("0000:65:00"));
}

TEST(EtcGroup, MapsGids) {
  auto g = parse_etc_group("root:x:0:\nvideo:x:44:alice,bob\nbroken\n:x:5:\n");
  EXPECT_EQ(g.at(44), "video");
  EXPECT_EQ(g.at(0), "root");
  EXPECT_EQ(g.count(5), 0u);
}

TEST(ParseDeviceMinor, ReadsTheMinorLine) {
  EXPECT_EQ(parse_device_minor("Model: \t\t NVIDIA H100 80GB HBM3\nIRQ:   \t\t 156\n"
                               "GPU UUID: \t GPU-0f1e\nBus Location: \t 0000:65:00.0\n"
                               "Device Minor: \t 3\nGPU Excluded:\t No\n"),
            3u);
  EXPECT_EQ(parse_device_minor("Device Minor: 12"), 12u);
}

TEST(ParseDeviceMinor, NoOrBadLineIsNothing) {
  EXPECT_EQ(parse_device_minor(""), std::nullopt);
  EXPECT_EQ(parse_device_minor("Model: x\nBus Location: 0000:65:00.0\n"), std::nullopt);
  EXPECT_EQ(parse_device_minor("Device Minor: \t -1\n"), std::nullopt);
  EXPECT_EQ(parse_device_minor("Device Minor: many\n"), std::nullopt);
  EXPECT_EQ(parse_device_minor("  Device Minor: 1\n"), std::nullopt);  // not at a line's start
}

TEST(EtcPasswd, FindsTheEntryOfAUid) {
  const char* text =
      "root:x:0:0:root:/root:/bin/bash\n"
      "broken line\n"
      "short:x:7\n"
      "alice:x:1000:1000:Alice A.,,,:/home/alice:/bin/bash\n"
      "bob:x:1001:1001::/srv/bob:/usr/sbin/nologin\n";
  auto alice = find_passwd_entry(text, 1000);
  ASSERT_TRUE(alice);
  EXPECT_EQ(alice->name, "alice");
  EXPECT_EQ(alice->home, "/home/alice");
  auto bob = find_passwd_entry(text, 1001);
  ASSERT_TRUE(bob);
  EXPECT_EQ(bob->home, "/srv/bob");
  EXPECT_EQ(find_passwd_entry(text, 0)->name, "root");
  EXPECT_FALSE(find_passwd_entry(text, 7));  // a line with too few fields is no entry
  EXPECT_FALSE(find_passwd_entry(text, 4242));
  EXPECT_FALSE(find_passwd_entry("", 0));
}

TEST(OsRelease, PrettyNameFirst) {
  EXPECT_EQ(parse_os_release_name("NAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\n"
                                  "PRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\n"),
            "Ubuntu 22.04.4 LTS");
  EXPECT_EQ(parse_os_release_name("# comment\nNAME='Rocky Linux'\nVERSION_ID=9.3\n"),
            "Rocky Linux 9.3");
  EXPECT_EQ(parse_os_release_name("NAME=Alpine\n"), "Alpine");
  // Escapes inside double quotes; a value never spans lines.
  EXPECT_EQ(parse_os_release_name("PRETTY_NAME=\"A \\\"B\\\" C\"\n"), "A \"B\" C");
  EXPECT_FALSE(parse_os_release_name("ID=debian\nVERSION_ID=12\n"));
  EXPECT_FALSE(parse_os_release_name(""));
}

}  // namespace ongpu
