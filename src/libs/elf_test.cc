#include "libs/elf.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <random>
#include <sstream>

#include "libs/test_elf.h"
#include "util/strings.h"

namespace ongpu::libs {
namespace {

using testing::build_elf;
using testing::ElfSpec;

std::string run(const std::string& cmd) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> p(::popen(cmd.c_str(), "r"), ::pclose);
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p.get())) > 0) out.append(buf, n);
  return out;
}

bool have(const std::string& tool) { return !run("command -v " + tool + " 2>/dev/null").empty(); }

ElfSpec cudnn_like() {
  ElfSpec s;
  s.needed = {"libcudnn_graph.so.9", "libdl.so.2", "libc.so.6"};
  s.soname = "libcudnn_ops.so.9";
  s.runpath = "$ORIGIN:$ORIGIN/../../cublas/lib";
  return s;
}

TEST(Elf, Parses64BitLittleEndian) {
  auto spec = cudnn_like();
  spec.flags_1 = kDf1Nodeflib | 0x1;
  auto info = parse_elf(build_elf(spec));
  ASSERT_TRUE(info.ok()) << info.error();
  EXPECT_EQ(info->header.elf_class, ElfClass::elf64);
  EXPECT_EQ(info->header.data, ElfData::little);
  EXPECT_EQ(info->header.machine, kEmX86_64);
  EXPECT_EQ(info->header.type, kEtDyn);
  EXPECT_TRUE(info->has_dynamic);
  EXPECT_EQ(info->needed,
            (std::vector<std::string>{"libcudnn_graph.so.9", "libdl.so.2", "libc.so.6"}));
  EXPECT_EQ(info->soname, "libcudnn_ops.so.9");
  ASSERT_TRUE(info->runpath);
  EXPECT_EQ(*info->runpath, (std::vector<std::string>{"$ORIGIN", "$ORIGIN/../../cublas/lib"}));
  EXPECT_FALSE(info->rpath);
  EXPECT_TRUE(info->nodeflib());
}

TEST(Elf, Parses32BitBigEndian) {
  ElfSpec spec = cudnn_like();
  spec.elf_class = ElfClass::elf32;
  spec.data = ElfData::big;
  spec.machine = kEmPpc64;
  spec.runpath.reset();
  spec.rpath = "/opt/a::/opt/b";
  spec.interpreter = "/lib/ld.so.1";
  auto info = parse_elf(build_elf(spec));
  ASSERT_TRUE(info.ok()) << info.error();
  EXPECT_EQ(info->header.elf_class, ElfClass::elf32);
  EXPECT_EQ(info->header.data, ElfData::big);
  EXPECT_EQ(info->header.machine, kEmPpc64);
  EXPECT_EQ(info->interpreter, "/lib/ld.so.1");
  EXPECT_EQ(info->needed.size(), 3u);
  ASSERT_TRUE(info->rpath);
  EXPECT_EQ(*info->rpath, (std::vector<std::string>{"/opt/a", "", "/opt/b"}));
  EXPECT_FALSE(info->runpath);
  EXPECT_FALSE(info->nodeflib());
}

TEST(Elf, EmptyRunpathIsPresentWithNoEntries) {
  // An empty DT_RUNPATH still switches DT_RPATH off, so presence matters
  // (measured with glibc 2.36: `-Wl,-rpath,''` searches no directory).
  ElfSpec spec;
  spec.runpath = "";
  spec.rpath = "/x";
  auto info = parse_elf(build_elf(spec));
  ASSERT_TRUE(info.ok()) << info.error();
  ASSERT_TRUE(info->runpath);
  EXPECT_TRUE(info->runpath->empty());
  EXPECT_EQ(*info->rpath, std::vector<std::string>{"/x"});
}

TEST(Elf, NoDynamicSegmentIsStatic) {
  ElfSpec spec;
  spec.dynamic = false;
  spec.type = kEtExec;
  auto info = parse_elf(build_elf(spec));
  ASSERT_TRUE(info.ok()) << info.error();
  EXPECT_FALSE(info->has_dynamic);
  EXPECT_TRUE(info->needed.empty());
}

TEST(Elf, HeaderErrors) {
  EXPECT_FALSE(parse_elf("").ok());
  EXPECT_FALSE(parse_elf("GROUP ( libc.so.6 )").ok());
  EXPECT_NE(parse_elf(std::string(100, 'x')).error().find("not an ELF"), std::string::npos);
  std::string bad_class = build_elf({});
  bad_class[4] = 7;
  EXPECT_NE(parse_elf(bad_class).error().find("class"), std::string::npos);
  std::string bad_data = build_elf({});
  bad_data[5] = 0;
  EXPECT_NE(parse_elf(bad_data).error().find("data encoding"), std::string::npos);
}

TEST(Elf, EveryTruncationIsAnErrorNotACrash) {
  // The dynamic section is the last thing in the built file, so every strict
  // prefix lacks something the parser needs.
  for (auto cls : {ElfClass::elf32, ElfClass::elf64}) {
    ElfSpec spec = cudnn_like();
    spec.elf_class = cls;
    spec.interpreter = "/lib64/ld-linux-x86-64.so.2";
    std::string full = build_elf(spec);
    ASSERT_TRUE(parse_elf(full).ok());
    for (size_t n = 0; n < full.size(); ++n) {
      auto r = parse_elf(std::string_view(full).substr(0, n));
      EXPECT_FALSE(r.ok()) << "prefix of " << n << " bytes";
    }
  }
}

// Overwrites `width` bytes at `off` in little-endian order.
void poke(std::string& b, size_t off, uint64_t v, size_t width) {
  for (size_t i = 0; i < width; ++i) b[off + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

TEST(Elf, HostileCountsAndOffsets) {
  const std::string good = build_elf(cudnn_like());
  auto with = [&good](size_t off, uint64_t v, size_t width) {
    std::string b = good;
    poke(b, off, v, width);
    return parse_elf(b);
  };
  EXPECT_FALSE(with(32, 0xffffffffffffff00ull, 8).ok());  // e_phoff past everything
  EXPECT_FALSE(with(54, 8, 2).ok());                      // e_phentsize too small
  EXPECT_FALSE(with(56, 0xfffe, 2).ok());                 // e_phnum far past the file
  // e_phnum = PN_XNUM with no section header to hold the real count.
  EXPECT_FALSE(with(56, 0xffff, 2).ok());
  // PN_XNUM pointing at a section header 0 whose sh_info is absurd.
  {
    std::string b = good;
    size_t shoff = b.size();
    b.append(64, '\0');
    poke(b, shoff + 44, 0xffffffff, 4);
    poke(b, 40, shoff, 8);
    poke(b, 56, 0xffff, 2);
    auto r = parse_elf(b);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find("not believable"), std::string::npos) << r.error();
  }
  // The PT_DYNAMIC header is the second program header (PT_LOAD first).
  const size_t dyn_ph = 64 + 56;
  EXPECT_FALSE(with(dyn_ph + 32, uint64_t{1} << 40, 8).ok());     // p_filesz huge
  EXPECT_FALSE(with(dyn_ph + 8, 0xfffffffffffffff0ull, 8).ok());  // p_offset wraps
}

TEST(Elf, StringTableMustMapAndTerminate) {
  ElfSpec spec = cudnn_like();
  std::string good = build_elf(spec);
  auto info = parse_elf(good);
  ASSERT_TRUE(info.ok());
  // Find the DT_STRTAB entry (tag 5) in the dynamic section at the end.
  const size_t entries = 3 + 1 + 1 + 3;  // needed, soname, runpath, strtab/strsz/null
  size_t dyn = good.size() - entries * 16;
  size_t strtab_entry = dyn + 5 * 16;
  ASSERT_EQ(static_cast<uint8_t>(good[strtab_entry]), 5);
  {
    std::string b = good;
    poke(b, strtab_entry + 8, 0x10, 8);  // below the PT_LOAD's address
    auto r = parse_elf(b);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find("PT_LOAD"), std::string::npos) << r.error();
  }
  {
    std::string b = good;
    poke(b, strtab_entry + 16 + 8, 3, 8);  // DT_STRSZ cuts every string short
    EXPECT_FALSE(parse_elf(b).ok());
  }
  {
    std::string b = good;
    poke(b, dyn + 8, 0xffffffff, 8);  // DT_NEEDED offset outside the table
    EXPECT_FALSE(parse_elf(b).ok());
  }
}

TEST(Elf, RandomBytesNeverCrash) {
  std::mt19937 rng(12345);
  const std::string seed = build_elf(cudnn_like());
  for (int i = 0; i < 20000; ++i) {
    std::string b = seed;
    int flips = 1 + static_cast<int>(rng() % 8);
    for (int k = 0; k < flips; ++k) b[rng() % b.size()] = static_cast<char>(rng());
    (void)parse_elf(b);
    (void)parse_elf(std::string_view(b).substr(0, rng() % b.size()));
  }
}

TEST(Elf, PrefixReaderStopsAtItsLimit) {
  testing::TempDir tmp("ongpu-elf");
  ASSERT_FALSE(tmp.path().empty());
  std::string bytes = build_elf(cudnn_like());
  testing::write_file(tmp.path(), "/lib/libx.so", bytes);
  auto fs = sys::make_file_system(tmp.path());
  auto whole = read_elf(*fs, "/lib/libx.so");
  ASSERT_TRUE(whole.ok()) << whole.error();
  EXPECT_EQ(whole->needed.size(), 3u);
  auto limited = read_elf(*fs, "/lib/libx.so", bytes.size() - 8);
  ASSERT_FALSE(limited.ok());
  EXPECT_NE(limited.error().find("beyond the first"), std::string::npos) << limited.error();
  EXPECT_NE(limited.error().find("/lib/libx.so"), std::string::npos);
  EXPECT_FALSE(read_elf(*fs, "/lib/missing.so").ok());
}

struct ReadelfView {
  std::vector<std::string> needed;
  std::string soname, rpath, runpath;
  bool nodeflib = false;
};

// The parts of `readelf -dW` output that ElfInfo holds.
ReadelfView readelf_dynamic(const std::string& path) {
  ReadelfView v;
  std::istringstream in(run("LC_ALL=C readelf -dW '" + path + "' 2>/dev/null"));
  std::string line;
  auto bracketed = [](const std::string& l) {
    auto a = l.find('['), b = l.rfind(']');
    return a == std::string::npos || b == std::string::npos ? std::string()
                                                            : l.substr(a + 1, b - a - 1);
  };
  while (std::getline(in, line)) {
    if (line.find("(NEEDED)") != std::string::npos) v.needed.push_back(bracketed(line));
    if (line.find("(SONAME)") != std::string::npos) v.soname = bracketed(line);
    if (line.find("(RPATH)") != std::string::npos) v.rpath = bracketed(line);
    if (line.find("(RUNPATH)") != std::string::npos) v.runpath = bracketed(line);
    if (line.find("(FLAGS_1)") != std::string::npos)
      v.nodeflib = line.find("NODEFLIB") != std::string::npos;
  }
  return v;
}

std::string joined(const std::optional<std::vector<std::string>>& parts) {
  std::string out;
  if (!parts) return out;
  for (size_t i = 0; i < parts->size(); ++i) out += (i ? ":" : "") + (*parts)[i];
  return out;
}

TEST(Elf, RealLibrariesAgreeWithReadelf) {
  if (!have("readelf")) GTEST_SKIP() << "readelf is not installed";
  // Small and large real files: cuDNN's .dynstr sits at the end of the file
  // (patchelf), libcublas's .dynamic 54 MB in, 32-bit libc, an executable.
  const std::vector<std::string> files = {"/usr/local/cuda/lib64/libcudart.so.13",
                                          "/usr/local/cuda/lib64/libcudnn.so.9",
                                          "/usr/local/cuda/lib64/libcudnn_graph.so.9",
                                          "/usr/local/cuda/lib64/libcublas.so.13",
                                          "/lib/x86_64-linux-gnu/libc.so.6",
                                          "/lib32/libc.so.6",
                                          "/usr/bin/ls"};
  auto fs = sys::make_file_system("/");
  int checked = 0;
  for (const auto& f : files) {
    if (!fs->exists(f)) continue;
    ++checked;
    auto info = read_elf(*fs, f);
    ASSERT_TRUE(info.ok()) << info.error();
    auto expect = readelf_dynamic(f);
    EXPECT_EQ(info->needed, expect.needed) << f;
    EXPECT_EQ(info->soname.value_or(""), expect.soname) << f;
    EXPECT_EQ(joined(info->rpath), expect.rpath) << f;
    EXPECT_EQ(joined(info->runpath), expect.runpath) << f;
    EXPECT_EQ(info->nodeflib(), expect.nodeflib) << f;
  }
  if (checked == 0) GTEST_SKIP() << "none of the sample libraries is on this machine";
}

TEST(Elf, Names) {
  EXPECT_EQ(machine_name(kEmX86_64), "x86-64");
  EXPECT_EQ(machine_name(kEmI386), "i386");
  EXPECT_EQ(machine_name(9999), "machine 9999");
  EXPECT_EQ(class_name(ElfClass::elf32), "32-bit");
}

}  // namespace
}  // namespace ongpu::libs

namespace ongpu::libs {

// The dynamic symbol table of a real file: this test program, which needs
// posix_spawnattr_destroy from the C library (sys/process.cc) and defines
// none of that name.
TEST(ElfSymbols, ReadsTheDynamicSymbolsOfARealFile) {
  auto fs = sys::make_file_system("/");
  char self[4096];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  ASSERT_GT(n, 0);
  self[n] = '\0';
  auto syms = read_dynamic_symbols(*fs, self, {"posix_spawnattr_", "nothing_has_this_"});
  ASSERT_TRUE(syms.ok()) << syms.error();
  EXPECT_NE(std::find(syms->needed.begin(), syms->needed.end(), "posix_spawnattr_destroy"),
            syms->needed.end());
  EXPECT_TRUE(syms->defined.empty());
  for (const auto& s : syms->needed) EXPECT_EQ(s.rfind("posix_spawnattr_", 0), 0u) << s;
  // A file that is not ELF is an error, not a crash.
  EXPECT_FALSE(read_dynamic_symbols(*fs, "/proc/self/status", {"x"}).ok());
}

}  // namespace ongpu::libs
