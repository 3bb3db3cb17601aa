#include "libs/ld_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <sstream>

#include "libs/test_elf.h"

namespace ongpu::libs {
namespace {

using testing::build_ld_cache;
using testing::build_old_ld_cache;
using testing::CacheEntrySpec;

constexpr int32_t kI386 = kCacheFlagElfLibc6;  // "libc6"

std::vector<CacheEntrySpec> sample() {
  return {{"libz.so.1", "/lib/x86_64-linux-gnu/libz.so.1"},
          {"libcudnn.so.9", "/usr/local/cuda-13.0/lib/libcudnn.so.9"},
          {"libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6"},
          {"libc.so.6", "/lib32/libc.so.6", kI386},
          {"libc.so.6", "/libx32/libc.so.6", kCacheFlagElfLibc6 | kCacheFlagX8664LibX32}};
}

void expect_sample(const LdCache& c) {
  ASSERT_EQ(c.entries.size(), 5u);
  EXPECT_EQ(c.entries[1].soname, "libcudnn.so.9");
  EXPECT_EQ(c.entries[1].path, "/usr/local/cuda-13.0/lib/libcudnn.so.9");
  EXPECT_EQ(c.entries[1].flags, kCacheFlagsX8664);
  EXPECT_EQ(c.entries[3].path, "/lib32/libc.so.6");
  EXPECT_EQ(c.entries[3].flags, kI386);
}

TEST(LdCache, NewFormat) {
  auto c = parse_ld_cache(build_ld_cache(sample(), false, {}, "ldconfig (test) 2.36"));
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c->format, "new");
  EXPECT_EQ(c->generator, "ldconfig (test) 2.36");
  expect_sample(*c);
}

TEST(LdCache, NewFormatBigEndian) {
  auto c = parse_ld_cache(build_ld_cache(sample(), false, {}, "", /*big=*/true));
  ASSERT_TRUE(c.ok()) << c.error();
  expect_sample(*c);
}

TEST(LdCache, OldFormatAloneAndInFrontOfNew) {
  auto old = parse_ld_cache(build_old_ld_cache(sample()));
  ASSERT_TRUE(old.ok()) << old.error();
  EXPECT_EQ(old->format, "old");
  expect_sample(*old);
  auto both = parse_ld_cache(build_ld_cache(sample(), /*old_block=*/true));
  ASSERT_TRUE(both.ok()) << both.error();
  EXPECT_EQ(both->format, "old+new");
  expect_sample(*both);
}

TEST(LdCache, GlibcHwcapsEntries) {
  auto entries = sample();
  entries.insert(entries.begin() + 1,
                 {"libz.so.1", "/usr/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/libz.so.1",
                  kCacheFlagsX8664, (uint64_t{0x40000000} << 32) | 1});
  auto c = parse_ld_cache(build_ld_cache(entries, false, {"x86-64-v2", "x86-64-v3"}));
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c->entries[1].hwcaps_subdir, "x86-64-v3");
  EXPECT_EQ(c->entries[0].hwcaps_subdir, "");

  // Without hwcaps subdirectories the plain entry is the only one...
  auto plain = ld_cache_lookup(*c, "libz.so.1");
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_EQ(plain[0]->path, "/lib/x86_64-linux-gnu/libz.so.1");
  // ...and on a CPU that supports x86-64-v3 the hwcaps entry comes first.
  auto v3 = ld_cache_lookup(*c, "libz.so.1", kCacheFlagsX8664, {"x86-64-v3", "x86-64-v2"});
  ASSERT_EQ(v3.size(), 2u);
  EXPECT_EQ(v3[0]->hwcaps_subdir, "x86-64-v3");
}

TEST(LdCache, LookupKeepsOnlyTheProcessAbi) {
  auto c = parse_ld_cache(build_ld_cache(sample()));
  ASSERT_TRUE(c.ok());
  auto x86_64 = ld_cache_lookup(*c, "libc.so.6");
  ASSERT_EQ(x86_64.size(), 1u);
  EXPECT_EQ(x86_64[0]->path, "/lib/x86_64-linux-gnu/libc.so.6");
  auto i386 = ld_cache_lookup(*c, "libc.so.6", kI386);
  ASSERT_EQ(i386.size(), 1u);
  EXPECT_EQ(i386[0]->path, "/lib32/libc.so.6");
  EXPECT_TRUE(ld_cache_lookup(*c, "libnope.so.1").empty());
}

TEST(LdCache, DescribesFlagsAsLdconfigDoes) {
  EXPECT_EQ(describe_cache_flags(kCacheFlagsX8664), "libc6,x86-64");
  EXPECT_EQ(describe_cache_flags(kI386), "libc6");
  EXPECT_EQ(describe_cache_flags(kCacheFlagElfLibc6 | kCacheFlagX8664LibX32), "libc6,x32");
  EXPECT_EQ(describe_cache_flags(kCacheFlagElfLibc6 | kCacheFlagAarch64Lib64), "libc6,AArch64");
}

TEST(LdCache, GarbageAndTruncation) {
  EXPECT_FALSE(parse_ld_cache("").ok());
  EXPECT_FALSE(parse_ld_cache("hello world, not a cache").ok());
  EXPECT_FALSE(parse_ld_cache("glibc-ld.so.cache1.1").ok());
  EXPECT_FALSE(parse_ld_cache("ld.so-1.7.0").ok());
  for (bool old : {false, true}) {
    std::string full = build_ld_cache(sample(), old);
    ASSERT_TRUE(parse_ld_cache(full).ok());
    // Strings end the new cache; every prefix that still holds its magic
    // loses one. (A prefix cut inside the new magic reads as an old-format
    // cache, as the loader would read it.)
    size_t new_at = full.size() - build_ld_cache(sample()).size();
    for (size_t n = 0; n < full.size(); ++n) {
      auto r = parse_ld_cache(std::string_view(full).substr(0, n));
      if (!old || n >= new_at + 20) {
        EXPECT_FALSE(r.ok()) << n << " bytes";
      }
    }
  }
  std::string huge = build_ld_cache(sample());
  huge[20] = '\xff';
  huge[21] = '\xff';
  huge[22] = '\xff';
  huge[23] = '\x7f';
  auto r = parse_ld_cache(huge);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("announced"), std::string::npos) << r.error();
  std::string invalid_order = build_ld_cache(sample());
  invalid_order[28] = 1;
  EXPECT_FALSE(parse_ld_cache(invalid_order).ok());
}

TEST(LdCache, BrokenExtensionLosesOnlyTheExtension) {
  std::string b = build_ld_cache(sample(), false, {"x86-64-v3"}, "gen");
  b[32] = '\xf0';  // extension offset far away
  b[33] = '\xff';
  auto c = parse_ld_cache(b);
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c->generator, "");
  EXPECT_EQ(c->entries.size(), 5u);
}

TEST(LdCache, RandomBytesNeverCrash) {
  std::mt19937 rng(7);
  const std::string seeds[] = {build_ld_cache(sample(), false, {"x86-64-v3"}, "gen"),
                               build_ld_cache(sample(), true), build_old_ld_cache(sample())};
  for (const auto& seed : seeds) {
    for (int i = 0; i < 10000; ++i) {
      std::string b = seed;
      int flips = 1 + static_cast<int>(rng() % 6);
      for (int k = 0; k < flips; ++k) b[rng() % b.size()] = static_cast<char>(rng());
      (void)parse_ld_cache(b);
    }
  }
}

std::string run(const std::string& cmd) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> p(::popen(cmd.c_str(), "r"), ::pclose);
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p.get())) > 0) out.append(buf, n);
  return out;
}

TEST(LdCache, ThisMachineAgreesWithLdconfig) {
  std::string ldconfig;
  for (const char* p : {"/sbin/ldconfig", "/usr/sbin/ldconfig"}) {
    if (::access(p, X_OK) == 0) {
      ldconfig = p;
      break;
    }
  }
  // glibc's ldconfig and its cache are on every machine this project builds
  // on (Debian's essential libc-bin): no skip, which would pass silently.
  ASSERT_FALSE(ldconfig.empty()) << "ldconfig is not installed (Debian: libc-bin)";
  auto fs = sys::make_file_system("/");
  ASSERT_TRUE(fs->exists(kLdCachePath)) << "no /etc/ld.so.cache (run ldconfig)";
  auto cache = read_ld_cache(*fs);
  ASSERT_TRUE(cache.ok()) << cache.error();

  // "\tlibz.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libz.so.1", in cache order.
  std::istringstream in(run("LC_ALL=C " + ldconfig + " -p 2>/dev/null"));
  std::string line;
  std::vector<std::string> expected;
  size_t announced = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line[0] != '\t') {
      // "649 libs found in cache `/etc/ld.so.cache'", and since glibc 2.33
      // "Cache generated by: ldconfig (...)" at the end.
      if (line.find("libs found") != std::string::npos) {
        announced = std::strtoul(line.c_str(), nullptr, 10);
      }
      const std::string generated = "Cache generated by: ";
      if (line.rfind(generated, 0) == 0) {
        EXPECT_EQ(cache->generator, line.substr(generated.size()));
      }
      continue;
    }
    expected.push_back(line.substr(1));
  }
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(announced, cache->entries.size());
  ASSERT_EQ(expected.size(), cache->entries.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const auto& e = cache->entries[i];
    std::string extra;
    if (!e.hwcaps_subdir.empty()) extra = ", hwcap: \"" + e.hwcaps_subdir + "\"";
    if (e.hwcaps_subdir.empty() && e.hwcap != 0) continue;  // legacy hwcap text not modelled
    EXPECT_EQ(e.soname + " (" + describe_cache_flags(e.flags) + extra + ") => " + e.path,
              expected[i]);
  }
}

}  // namespace
}  // namespace ongpu::libs
