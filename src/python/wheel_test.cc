#include "python/wheel.h"

#include <gtest/gtest.h>

namespace ongpu::python {

TEST(WheelFile, TagLinesInOrderWithoutRepeats) {
  // tensorflow 2.21.0's WHEEL (setuptools writes one Tag line per tag).
  auto tags = parse_wheel_tags(
      "Wheel-Version: 1.0\r\nGenerator: setuptools (78.1.1)\r\nRoot-Is-Purelib: false\r\n"
      "Tag: cp311-cp311-manylinux_2_27_x86_64\r\ntag:  cp311-cp311-manylinux2014_x86_64 \r\n"
      "Tag: cp311-cp311-manylinux_2_27_x86_64\r\n\r\nTag: after-the-headers-any\r\n");
  EXPECT_EQ(tags, (std::vector<std::string>{"cp311-cp311-manylinux_2_27_x86_64",
                                            "cp311-cp311-manylinux2014_x86_64"}));
  EXPECT_TRUE(parse_wheel_tags("").empty());
  EXPECT_TRUE(parse_wheel_tags("Tag:\nTagged: x\n").empty());
}

TEST(WheelFile, PlatformsOfATagAndOfACompressedSet) {
  EXPECT_EQ(platforms_of_tag("py3-none-manylinux2010_x86_64.manylinux_2_12_x86_64"),
            (std::vector<std::string>{"manylinux2010_x86_64", "manylinux_2_12_x86_64"}));
  EXPECT_EQ(platforms_of_tag("py3-none-any"), std::vector<std::string>{"any"});
  EXPECT_TRUE(platforms_of_tag("cp311").empty());
  EXPECT_TRUE(platforms_of_tag("a-b-c-d").empty());
}

TEST(WheelFile, PlatformTagFamilies) {
  auto p = parse_platform_tag("manylinux_2_17_aarch64");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->os, "linux");
  EXPECT_EQ(p->arch, "aarch64");
  EXPECT_EQ(parse_platform_tag("musllinux_1_1_x86_64")->arch, "x86_64");
  EXPECT_EQ(parse_platform_tag("manylinux2014_ppc64le")->arch, "ppc64le");
  EXPECT_EQ(parse_platform_tag("linux_x86_64")->arch, "x86_64");
  EXPECT_EQ(parse_platform_tag("manylinux1_i686")->arch, "x86");
  EXPECT_EQ(parse_platform_tag("macosx_11_0_arm64")->arch, "aarch64");
  EXPECT_EQ(parse_platform_tag("macosx_10_9_universal2")->os, "darwin");
  EXPECT_EQ(parse_platform_tag("win_amd64")->arch, "x86_64");
  EXPECT_EQ(parse_platform_tag("win32")->arch, "x86");
  EXPECT_EQ(parse_platform_tag("any")->os, "any");
  EXPECT_FALSE(parse_platform_tag("manylinux_2_x86_64"));  // one number only
  EXPECT_FALSE(parse_platform_tag("manylinux_"));
  EXPECT_FALSE(parse_platform_tag("android_21_arm64_v8a"));
  EXPECT_FALSE(parse_platform_tag(""));
}

TEST(WheelFile, WhichInterpreterLoadsWhichWheel) {
  EXPECT_EQ(platform_runs_on("manylinux_2_17_x86_64", "linux", "x86_64"), true);
  EXPECT_EQ(platform_runs_on("manylinux_2_17_aarch64", "linux", "x86_64"), false);
  EXPECT_EQ(platform_runs_on("manylinux2014_x86_64", "linux", "aarch64"), false);
  EXPECT_EQ(platform_runs_on("any", "linux", "aarch64"), true);
  EXPECT_EQ(platform_runs_on("macosx_11_0_arm64", "darwin", "arm64"), true);
  EXPECT_EQ(platform_runs_on("macosx_11_0_arm64", "darwin", "x86_64"),
            false);  // a Rosetta interpreter
  EXPECT_EQ(platform_runs_on("macosx_10_9_universal2", "darwin", "x86_64"), true);
  EXPECT_EQ(platform_runs_on("macosx_10_9_universal2", "darwin", "arm64"), true);
  EXPECT_EQ(platform_runs_on("win_amd64", "win32", "AMD64"), true);
  EXPECT_EQ(platform_runs_on("win_amd64", "linux", "x86_64"), false);  // another OS
  EXPECT_EQ(platform_runs_on("manylinux_2_17_x86_64", "darwin", "x86_64"), false);
  // A 32-bit interpreter on a 64-bit kernel: platform.machine() is the kernel's.
  EXPECT_EQ(platform_runs_on("manylinux2014_i686", "linux", "x86_64"), true);
  EXPECT_EQ(platform_runs_on("linux_armv7l", "linux", "aarch64"), true);
  // No verdict without both sides.
  EXPECT_EQ(platform_runs_on("ios_13_0_arm64_iphoneos", "linux", "x86_64"), std::nullopt);
  EXPECT_EQ(platform_runs_on("manylinux_2_17_x86_64", "linux", ""), std::nullopt);
  EXPECT_EQ(platform_runs_on("manylinux_2_17_x86_64", "cygwin", "x86_64"), std::nullopt);
}

}  // namespace ongpu::python
