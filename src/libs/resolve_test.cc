#include "libs/resolve.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <utility>

#include "libs/test_elf.h"

namespace ongpu::libs {
namespace {

using testing::build_elf;
using testing::build_ld_cache;
using testing::ElfSpec;

const char* kTf = "/venv/lib/python3.11/site-packages/tensorflow/libtensorflow_framework.so.2";
const char* kPipCudnn = "/venv/lib/python3.11/site-packages/nvidia/cudnn/lib/libcudnn.so.9";

ElfSpec lib(std::string soname, std::vector<std::string> needed = {}) {
  ElfSpec s;
  s.soname = std::move(soname);
  s.needed = std::move(needed);
  return s;
}

// A fixture root in a temporary directory and a FileSystem over it.
class ResolveFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(tmp_.path().empty());
    ctx_.default_dirs = debian_x86_64_default_dirs();
    ctx_.cwd = "/home/user";
  }
  std::unique_ptr<sys::FileSystem> fs() { return sys::make_file_system(tmp_.path()); }
  void put(const std::string& path, const ElfSpec& spec) {
    testing::write_file(tmp_.path(), path, build_elf(spec));
  }
  void put_bytes(const std::string& path, const std::string& bytes) {
    testing::write_file(tmp_.path(), path, bytes);
  }
  void link(const std::string& path, const std::string& target) {
    auto full = std::filesystem::path(tmp_.path()) / std::filesystem::path(path).relative_path();
    std::filesystem::create_directories(full.parent_path());
    std::filesystem::create_directory_symlink(target, full);
  }
  Requester requester(const std::string& path, const ElfSpec& spec) {
    put(path, spec);
    auto obj = load_object(*fs(), path);
    EXPECT_TRUE(obj.ok()) << obj.error();
    return Requester{obj.ok() ? *obj : LoadedObject{path, {}}, {}};
  }
  Resolution resolve(const std::string& soname, const Requester& who) {
    return resolve_library(*fs(), soname, who, ctx_);
  }
  const Copy* copy_at(const Resolution& r, const std::string& path) {
    for (const auto& c : r.copies) {
      if (c.path == path) return &c;
    }
    ADD_FAILURE() << "no copy at " << path;
    return nullptr;
  }
  // The TensorFlow wheel: RUNPATH into the pip NVIDIA wheels next to it.
  Requester tensorflow() {
    ElfSpec tf = lib("libtensorflow_framework.so.2", {"libcudnn.so.9"});
    tf.runpath = "$ORIGIN/../nvidia/cudnn/lib:$ORIGIN/../nvidia/cublas/lib";
    return requester(kTf, tf);
  }

  testing::TempDir tmp_{"ongpu-resolve"};
  SearchContext ctx_;
};

TEST_F(ResolveFixture, RunpathOriginIntoPipWheels) {
  auto tf = tensorflow();
  put(kPipCudnn, lib("libcudnn.so.9"));
  put("/usr/lib/x86_64-linux-gnu/libcudnn.so.9", lib("libcudnn.so.9"));
  auto r = resolve("libcudnn.so.9", tf);
  ASSERT_EQ(r.outcome, Outcome::found) << r.error;
  EXPECT_EQ(r.path,
            "/venv/lib/python3.11/site-packages/tensorflow/../nvidia/cudnn/lib/libcudnn.so.9");
  EXPECT_EQ(r.real_path, kPipCudnn);
  EXPECT_EQ(r.step, SearchStep::dt_runpath);
  EXPECT_EQ(r.found_by, std::string("DT_RUNPATH of ") + kTf + " ($ORIGIN/../nvidia/cudnn/lib)");
  ASSERT_EQ(r.copies.size(), 2u);
  EXPECT_EQ(r.copies[0].status, CopyStatus::chosen);
  EXPECT_EQ(r.copies[1].path, "/usr/lib/x86_64-linux-gnu/libcudnn.so.9");
  EXPECT_EQ(r.copies[1].status, CopyStatus::shadowed);
  EXPECT_EQ(r.copies[1].step, SearchStep::default_dir);
  EXPECT_EQ(r.copies[1].reason, "later in the search order than " + r.path);
}

TEST_F(ResolveFixture, LdLibraryPathComesBeforeRunpath) {
  auto tf = tensorflow();
  put(kPipCudnn, lib("libcudnn.so.9"));
  put("/usr/local/cuda/lib64/libcudnn.so.9", lib("libcudnn.so.9"));
  ctx_.ld_library_path = split_ld_library_path("/usr/local/cuda/lib64");
  auto r = resolve("libcudnn.so.9", tf);
  ASSERT_EQ(r.outcome, Outcome::found);
  EXPECT_EQ(r.path, "/usr/local/cuda/lib64/libcudnn.so.9");
  EXPECT_EQ(r.step, SearchStep::ld_library_path);
  EXPECT_EQ(r.found_by, "LD_LIBRARY_PATH entry /usr/local/cuda/lib64");
  ASSERT_EQ(r.copies.size(), 2u);
  EXPECT_EQ(r.copies[1].real_path, kPipCudnn);
  EXPECT_EQ(r.copies[1].status, CopyStatus::shadowed);
}

TEST_F(ResolveFixture, RpathWithoutRunpathComesBeforeLdLibraryPath) {
  ElfSpec spec = lib("libold.so.1", {"libcudart.so.12"});
  spec.rpath = "/opt/vendor/lib";
  auto who = requester("/opt/vendor/bin/libold.so.1", spec);
  put("/opt/vendor/lib/libcudart.so.12", lib("libcudart.so.12"));
  put("/usr/local/cuda/lib64/libcudart.so.12", lib("libcudart.so.12"));
  ctx_.ld_library_path = {"/usr/local/cuda/lib64"};
  auto r = resolve("libcudart.so.12", who);
  ASSERT_EQ(r.outcome, Outcome::found);
  EXPECT_EQ(r.path, "/opt/vendor/lib/libcudart.so.12");
  EXPECT_EQ(r.found_by, "DT_RPATH of /opt/vendor/bin/libold.so.1 (/opt/vendor/lib)");
  EXPECT_EQ(copy_at(r, "/usr/local/cuda/lib64/libcudart.so.12")->status, CopyStatus::shadowed);
}

TEST_F(ResolveFixture, RunpathSwitchesRpathOff) {
  ElfSpec spec = lib("libboth.so.1");
  spec.rpath = "/opt/rpath";
  spec.runpath = "/opt/runpath";
  auto who = requester("/opt/libboth.so.1", spec);
  put("/opt/rpath/libx.so.1", lib("libx.so.1"));
  put("/opt/runpath/libx.so.1", lib("libx.so.1"));
  auto r = resolve("libx.so.1", who);
  ASSERT_EQ(r.outcome, Outcome::found);
  EXPECT_EQ(r.path, "/opt/runpath/libx.so.1");
  // The DT_RPATH directory is not a search location at all.
  EXPECT_EQ(r.copies.size(), 1u);
  for (const auto& d : r.search->dirs) EXPECT_NE(d.step, SearchStep::dt_rpath);
}

TEST_F(ResolveFixture, LoadersAndExecutableRpathAreSearched) {
  // Conda's python has DT_RPATH $ORIGIN/../lib; an extension module without
  // search paths of its own then finds conda's libraries through it.
  ElfSpec py = lib("", {"libpython3.11.so.1.0"});
  py.soname.reset();
  py.rpath = "$ORIGIN/../lib";
  put("/conda/bin/python3.11", py);
  auto exe = load_object(*fs(), "/conda/bin/python3.11");
  ASSERT_TRUE(exe.ok()) << exe.error();
  ctx_.executable = *exe;
  auto ext =
      requester("/conda/lib/python3.11/site-packages/cupy/_core.so", lib("", {"libnvrtc.so.12"}));
  put("/conda/lib/libnvrtc.so.12", lib("libnvrtc.so.12"));
  auto r = resolve("libnvrtc.so.12", ext);
  ASSERT_EQ(r.outcome, Outcome::found) << r.error;
  EXPECT_EQ(r.path, "/conda/bin/../lib/libnvrtc.so.12");
  EXPECT_EQ(r.found_by, "DT_RPATH of the executable /conda/bin/python3.11 ($ORIGIN/../lib)");

  // A loader in between with its own DT_RPATH comes first; $ORIGIN is its own.
  ElfSpec mid = lib("libmid.so");
  mid.rpath = "$ORIGIN/private";
  put("/opt/mid/libmid.so", mid);
  put("/opt/mid/private/libnvrtc.so.12", lib("libnvrtc.so.12"));
  auto mid_obj = load_object(*fs(), "/opt/mid/libmid.so");
  ASSERT_TRUE(mid_obj.ok());
  ext.loaders = {*mid_obj};
  r = resolve("libnvrtc.so.12", ext);
  EXPECT_EQ(r.path, "/opt/mid/private/libnvrtc.so.12");
  EXPECT_EQ(r.found_by, "DT_RPATH of /opt/mid/libmid.so ($ORIGIN/private)");

  // With a DT_RUNPATH of its own, the requester ignores every DT_RPATH.
  ElfSpec ext_runpath = lib("", {"libnvrtc.so.12"});
  ext_runpath.runpath = "/nowhere";
  auto ext2 = requester("/conda/lib/python3.11/site-packages/cupy/_other.so", ext_runpath);
  r = resolve("libnvrtc.so.12", ext2);
  EXPECT_EQ(r.outcome, Outcome::not_found);
}

TEST_F(ResolveFixture, LdCacheEntryOfTheProcessAbi) {
  auto who = requester("/app/libapp.so", lib("libapp.so", {"libcudart.so.13"}));
  put("/usr/local/cuda-13.0/lib/libcudart.so.13", lib("libcudart.so.13"));
  ElfSpec i386 = lib("libcudart.so.13");
  i386.elf_class = ElfClass::elf32;
  i386.machine = kEmI386;
  put("/usr/lib32/libcudart.so.13", i386);
  put_bytes("/etc/ld.so.cache",
            build_ld_cache({{"libcudart.so.13", "/usr/lib32/libcudart.so.13", kCacheFlagElfLibc6},
                            {"libcudart.so.13", "/usr/local/cuda-13.0/lib/libcudart.so.13"}}));
  auto cache = read_ld_cache(*fs());
  ASSERT_TRUE(cache.ok()) << cache.error();
  ctx_.ld_cache = *cache;
  auto r = resolve("libcudart.so.13", who);
  ASSERT_EQ(r.outcome, Outcome::found) << r.error;
  EXPECT_EQ(r.path, "/usr/local/cuda-13.0/lib/libcudart.so.13");
  EXPECT_EQ(r.step, SearchStep::ld_so_cache);
  EXPECT_EQ(r.found_by, "ld.so.cache");
  const Copy* other = copy_at(r, "/usr/lib32/libcudart.so.13");
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(other->status, CopyStatus::not_searched);
  EXPECT_EQ(other->problem, "wrong ELF class: 32-bit");
  EXPECT_NE(other->reason.find("libc6,x86-64"), std::string::npos) << other->reason;
}

TEST_F(ResolveFixture, StaleCacheEntryFallsThroughToDefaultDirectories) {
  // The loader takes one path from the cache; when that file is gone it goes
  // on to the default directories, even to a file a later entry names.
  auto who = requester("/app/libapp.so", lib("libapp.so"));
  put("/usr/lib/x86_64-linux-gnu/libz.so.1", lib("libz.so.1"));
  put_bytes("/etc/ld.so.cache",
            build_ld_cache({{"libz.so.1", "/opt/removed/libz.so.1"},
                            {"libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1"}}));
  ctx_.ld_cache = *read_ld_cache(*fs());
  auto r = resolve("libz.so.1", who);
  ASSERT_EQ(r.outcome, Outcome::found);
  EXPECT_EQ(r.step, SearchStep::default_dir);
  ASSERT_EQ(r.copies.size(), 2u);
  EXPECT_EQ(r.copies[0].status, CopyStatus::not_searched);
  EXPECT_EQ(r.copies[1].status, CopyStatus::chosen);
  EXPECT_EQ(r.copies[1].path, "/usr/lib/x86_64-linux-gnu/libz.so.1");
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_EQ(r.notes[0], "ld.so.cache names /opt/removed/libz.so.1, which does not exist");
}

TEST_F(ResolveFixture, DefaultDirectoriesLast) {
  auto who = requester("/app/libapp.so", lib("libapp.so"));
  put("/usr/lib/x86_64-linux-gnu/libz.so.1", lib("libz.so.1"));
  put("/usr/lib64/libz.so.1", lib("libz.so.1"));  // not searched on Debian
  auto r = resolve("libz.so.1", who);
  ASSERT_EQ(r.outcome, Outcome::found);
  EXPECT_EQ(r.found_by, "default directory /usr/lib/x86_64-linux-gnu");
  EXPECT_EQ(r.copies.size(), 1u);

  ctx_.default_dirs = rhel_x86_64_default_dirs();
  r = resolve("libz.so.1", who);
  EXPECT_EQ(r.path, "/usr/lib64/libz.so.1");
  EXPECT_EQ(guess_default_dirs(*fs()), debian_x86_64_default_dirs());
}

TEST_F(ResolveFixture, OtherClassAndMachineAreSkipped) {
  auto who = requester("/app/libapp.so", lib("libapp.so"));
  ElfSpec i386 = lib("libcuda.so.1");
  i386.elf_class = ElfClass::elf32;
  i386.machine = kEmI386;
  put("/first/libcuda.so.1", i386);
  ElfSpec arm = lib("libcuda.so.1");
  arm.machine = kEmAarch64;
  put("/second/libcuda.so.1", arm);
  put("/third/libcuda.so.1", lib("libcuda.so.1"));
  ctx_.ld_library_path = {"/first", "/second", "/third"};
  auto r = resolve("libcuda.so.1", who);
  ASSERT_EQ(r.outcome, Outcome::found);
  EXPECT_EQ(r.path, "/third/libcuda.so.1");
  ASSERT_EQ(r.copies.size(), 3u);
  EXPECT_EQ(r.copies[0].status, CopyStatus::skipped);
  EXPECT_EQ(r.copies[0].reason, "skipped by the loader: wrong ELF class: 32-bit");
  EXPECT_EQ(r.copies[1].status, CopyStatus::skipped);
  EXPECT_EQ(r.copies[1].problem, "wrong machine: AArch64");
}

TEST_F(ResolveFixture, AnUnusableFileStopsTheLoad) {
  auto who = requester("/app/libapp.so", lib("libapp.so"));
  put_bytes("/first/libcuda.so.1", "GROUP ( libcuda.so.1.1 )\n");
  put("/second/libcuda.so.1", lib("libcuda.so.1"));
  ctx_.ld_library_path = {"/first", "/second"};
  auto r = resolve("libcuda.so.1", who);
  EXPECT_EQ(r.outcome, Outcome::load_error);
  EXPECT_EQ(r.path, "/first/libcuda.so.1");
  EXPECT_EQ(r.error, "/first/libcuda.so.1: file too short");
  ASSERT_EQ(r.copies.size(), 2u);
  EXPECT_EQ(r.copies[0].status, CopyStatus::broken);
  EXPECT_EQ(r.copies[1].status, CopyStatus::unreached);

  // The other checks, in the loader's order and with its messages.
  auto broken = [&](std::string bytes) {
    put_bytes("/first/libcuda.so.1", bytes);
    return resolve("libcuda.so.1", who).error;
  };
  const std::string good = build_elf(lib("libcuda.so.1"));
  auto patched = [&good](size_t off, char v) {
    std::string b = good;
    b[off] = v;
    return b;
  };
  EXPECT_EQ(broken(std::string(200, 'x')), "/first/libcuda.so.1: invalid ELF header");
  EXPECT_EQ(broken(patched(5, 2)), "/first/libcuda.so.1: ELF file data encoding not little-endian");
  EXPECT_EQ(broken(patched(7, 97)), "/first/libcuda.so.1: ELF file OS ABI invalid");
  EXPECT_EQ(broken(patched(8, 1)), "/first/libcuda.so.1: ELF file ABI version invalid");
  EXPECT_EQ(broken(patched(10, 1)), "/first/libcuda.so.1: nonzero padding in e_ident");
  EXPECT_EQ(broken(patched(16, 1)), "/first/libcuda.so.1: only ET_DYN and ET_EXEC can be loaded");
  EXPECT_EQ(broken(patched(16, 2)), "/first/libcuda.so.1: cannot dynamically load executable");
  EXPECT_EQ(broken(patched(54, 64)),
            "/first/libcuda.so.1: ELF file's phentsize not the expected size");
  EXPECT_EQ(broken(good.substr(0, 64)), "/first/libcuda.so.1: cannot read file data");
  // ELFOSABI_GNU with ABI version 3 still loads (glibc 2.36).
  std::string gnu = patched(7, 3);
  gnu[8] = 3;
  put_bytes("/first/libcuda.so.1", gnu);
  EXPECT_EQ(resolve("libcuda.so.1", who).outcome, Outcome::found);
  // A directory of that name.
  std::filesystem::remove(std::filesystem::path(tmp_.path()) / "first/libcuda.so.1");
  std::filesystem::create_directories(std::filesystem::path(tmp_.path()) / "first/libcuda.so.1");
  EXPECT_EQ(resolve("libcuda.so.1", who).error,
            "/first/libcuda.so.1: cannot read file data: Is a directory");
}

TEST_F(ResolveFixture, NodeflibLeavesOutDefaultDirectories) {
  ElfSpec spec = lib("libstrict.so");
  spec.flags_1 = kDf1Nodeflib;
  auto who = requester("/opt/libstrict.so", spec);
  put("/usr/lib/x86_64-linux-gnu/libz.so.1", lib("libz.so.1"));
  put("/opt/cached/libm.so.6", lib("libm.so.6"));
  put("/lib/x86_64-linux-gnu/libm.so.6", lib("libm.so.6"));
  put_bytes("/etc/ld.so.cache",
            build_ld_cache({{"libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1"},
                            {"libm.so.6", "/opt/cached/libm.so.6"}}));
  ctx_.ld_cache = *read_ld_cache(*fs());
  auto z = resolve("libz.so.1", who);
  EXPECT_EQ(z.outcome, Outcome::not_found);
  ASSERT_EQ(z.copies.size(), 1u);
  EXPECT_EQ(z.copies[0].status, CopyStatus::not_searched);
  EXPECT_NE(z.copies[0].reason.find("DF_1_NODEFLIB"), std::string::npos);
  // A cache entry outside the default directories is still used.
  auto m = resolve("libm.so.6", who);
  ASSERT_EQ(m.outcome, Outcome::found);
  EXPECT_EQ(m.path, "/opt/cached/libm.so.6");
  EXPECT_EQ(copy_at(m, "/lib/x86_64-linux-gnu/libm.so.6")->status, CopyStatus::not_searched);
}

TEST_F(ResolveFixture, RepeatedEntriesAreSearchedOnceAndOnePlanServesEveryName) {
  // TensorFlow's DT_RUNPATH names each wheel directory dozens of times.
  ElfSpec tf = lib("libtensorflow_framework.so.2");
  tf.runpath =
      "$ORIGIN/../nvidia/cudnn/lib:$ORIGIN/../nvidia/cublas/lib:$ORIGIN/../nvidia/cudnn/lib/:"
      "$ORIGIN/../nvidia/cublas/lib:/usr/lib/x86_64-linux-gnu";
  auto who = requester(kTf, tf);
  put(kPipCudnn, lib("libcudnn.so.9"));
  put("/usr/lib/x86_64-linux-gnu/libcudnn.so.9", lib("libcudnn.so.9"));
  put_bytes("/etc/ld.so.cache",
            build_ld_cache({{"libcudnn.so.9", "/usr/lib/x86_64-linux-gnu/libcudnn.so.9"}}));
  ctx_.ld_cache = *read_ld_cache(*fs());

  auto plan = std::make_shared<const SearchPlan>(plan_search(who, ctx_));
  // 5 DT_RUNPATH entries, the cache step, 4 default directories; the
  // repeats marked: cudnn/lib twice (once with a slash), cublas/lib once, and
  // /usr/lib/x86_64-linux-gnu as a default directory after DT_RUNPATH.
  ASSERT_EQ(plan->dirs.size(), 10u);
  EXPECT_EQ(plan->dirs[5].step, SearchStep::ld_so_cache);
  std::vector<bool> repeats;
  for (const auto& d : plan->dirs) repeats.push_back(d.repeat);
  EXPECT_EQ(repeats,
            (std::vector<bool>{false, false, true, true, false, false, false, true, false, false}));

  auto fs_ = fs();
  for (const char* name : {"libcudnn.so.9", "libcublas.so.12"}) {
    EXPECT_EQ(resolve_library(*fs_, name, who, ctx_, plan).search, plan);
  }
  auto cudnn = resolve_library(*fs_, "libcudnn.so.9", who, ctx_, plan);
  ASSERT_EQ(cudnn.outcome, Outcome::found);
  EXPECT_EQ(cudnn.real_path, kPipCudnn);
  // Each file once: the cache's copy and the default directory's are one file.
  ASSERT_EQ(cudnn.copies.size(), 2u);
  EXPECT_EQ(cudnn.copies[1].path, "/usr/lib/x86_64-linux-gnu/libcudnn.so.9");
  EXPECT_EQ(cudnn.copies[1].status, CopyStatus::shadowed);
  // Directories counted once each: cudnn/lib, cublas/lib and the four defaults.
  EXPECT_EQ(resolve_library(*fs_, "libcublas.so.12", who, ctx_, plan).error,
            "libcublas.so.12: not found in 6 directories or ld.so.cache");
}

// Passing over the repeated directories of a plan changes no answer: the same
// copies with the same statuses and reasons, notes and outcome, as walking
// every entry (Search::consider drops a path it has seen).
void ExpectSameAsWithoutRepeats(const sys::FileSystem& fs, const std::string& soname,
                                const Requester& who, const SearchContext& ctx) {
  SCOPED_TRACE(soname);
  auto plan = std::make_shared<const SearchPlan>(plan_search(who, ctx));
  auto every = std::make_shared<SearchPlan>(*plan);
  size_t repeats = 0;
  for (auto& d : every->dirs) repeats += std::exchange(d.repeat, false);
  EXPECT_GT(repeats, 0u);
  auto a = resolve_library(fs, soname, who, ctx, plan);
  auto b = resolve_library(fs, soname, who, ctx, every);
  EXPECT_EQ(a.outcome, b.outcome);
  EXPECT_EQ(a.path, b.path);
  EXPECT_EQ(a.found_by, b.found_by);
  EXPECT_EQ(a.notes, b.notes);
  ASSERT_EQ(a.copies.size(), b.copies.size());
  for (size_t i = 0; i < a.copies.size(); ++i) {
    EXPECT_EQ(a.copies[i].path, b.copies[i].path);
    EXPECT_EQ(a.copies[i].status, b.copies[i].status);
    EXPECT_EQ(a.copies[i].location, b.copies[i].location);
    EXPECT_EQ(a.copies[i].reason, b.copies[i].reason);
  }
}

TEST_F(ResolveFixture, PassingOverRepeatsChangesNoAnswer) {
  // DT_RUNPATH repeating its directories and naming a default directory; a
  // requester with DF_1_NODEFLIB; glibc-hwcaps copies; a stale cache entry.
  ElfSpec spec = lib("libtf.so.2");
  spec.runpath = "/opt/a:/opt/b:/opt/a:/usr/lib/x86_64-linux-gnu:/opt/b/";
  auto plain = requester("/opt/app/libtf.so.2", spec);
  spec.flags_1 = kDf1Nodeflib;
  auto strict = requester("/opt/app/libstrict.so.2", spec);
  put("/opt/b/libx.so.1", lib("libx.so.1"));
  put("/opt/b/glibc-hwcaps/x86-64-v2/liby.so.1", lib("liby.so.1"));
  put("/usr/lib/x86_64-linux-gnu/libx.so.1", lib("libx.so.1"));
  put("/usr/lib/x86_64-linux-gnu/libz.so.1", lib("libz.so.1"));
  put("/lib/x86_64-linux-gnu/libz.so.1", lib("libz.so.1"));
  put_bytes("/etc/ld.so.cache",
            build_ld_cache({{"libz.so.1", "/opt/gone/libz.so.1"},
                            {"libx.so.1", "/usr/lib/x86_64-linux-gnu/libx.so.1"}}));
  ctx_.ld_cache = *read_ld_cache(*fs());
  ctx_.hwcaps_subdirs = {"x86-64-v3", "x86-64-v2"};
  auto fs_ = fs();
  for (const auto* who : {&plain, &strict}) {
    for (const char* name : {"libx.so.1", "liby.so.1", "libz.so.1", "libnone.so.1"}) {
      ExpectSameAsWithoutRepeats(*fs_, name, *who, ctx_);
    }
  }
}

TEST_F(ResolveFixture, APlanForAnotherCacheStepIsMadeAgain) {
  auto who = requester("/app/libapp.so", lib("libapp.so"));
  put("/opt/cached/libz.so.1", lib("libz.so.1"));
  auto without_cache = std::make_shared<const SearchPlan>(plan_search(who, ctx_));
  put_bytes("/etc/ld.so.cache", build_ld_cache({{"libz.so.1", "/opt/cached/libz.so.1"}}));
  ctx_.ld_cache = *read_ld_cache(*fs());
  auto r = resolve_library(*fs(), "libz.so.1", who, ctx_, without_cache);
  EXPECT_NE(r.search, without_cache);
  ASSERT_EQ(r.outcome, Outcome::found);
  EXPECT_EQ(r.path, "/opt/cached/libz.so.1");
}

TEST_F(ResolveFixture, EmptyAndRelativeEntriesUseTheWorkingDirectory) {
  auto who = requester("/app/libapp.so", lib("libapp.so"));
  put("/home/user/libx.so.1", lib("libx.so.1"));
  put("/home/user/sub/liby.so.1", lib("liby.so.1"));
  ctx_.ld_library_path = split_ld_library_path("/nowhere::sub");
  auto x = resolve("libx.so.1", who);
  ASSERT_EQ(x.outcome, Outcome::found);
  EXPECT_EQ(x.found_by, "LD_LIBRARY_PATH entry /home/user");
  EXPECT_EQ(resolve("liby.so.1", who).path, "/home/user/sub/liby.so.1");
  ctx_.cwd.clear();
  auto unknown = resolve("libx.so.1", who);
  EXPECT_EQ(unknown.outcome, Outcome::not_found);
  size_t left_out = 0;
  for (const auto& n : unknown.notes) left_out += n.find("left out") != std::string::npos;
  EXPECT_EQ(left_out, 2u);
}

TEST_F(ResolveFixture, LinkedPathsAreTheSameFile) {
  // /usr/local/cuda -> cuda-13.0 and lib64 -> lib, as the CUDA installer makes them.
  put("/usr/local/cuda-13.0/lib/libcublasLt.so.13", lib("libcublasLt.so.13"));
  link("/usr/local/cuda", "cuda-13.0");
  link("/usr/local/cuda-13.0/lib64", "lib");
  ElfSpec cublas = lib("libcublas.so.13", {"libcublasLt.so.13"});
  cublas.runpath = "$ORIGIN";
  auto who = requester("/usr/local/cuda/lib64/libcublas.so.13", cublas);
  put_bytes("/etc/ld.so.cache",
            build_ld_cache({{"libcublasLt.so.13", "/usr/local/cuda-13.0/lib/libcublasLt.so.13"}}));
  ctx_.ld_cache = *read_ld_cache(*fs());
  auto r = resolve("libcublasLt.so.13", who);
  ASSERT_EQ(r.outcome, Outcome::found);
  EXPECT_EQ(r.path, "/usr/local/cuda/lib64/libcublasLt.so.13");
  EXPECT_EQ(r.real_path, "/usr/local/cuda-13.0/lib/libcublasLt.so.13");
  ASSERT_EQ(r.copies.size(), 2u);
  EXPECT_EQ(r.copies[1].status, CopyStatus::same_file);
  EXPECT_EQ(r.copies[1].reason, "the same file as /usr/local/cuda/lib64/libcublasLt.so.13");
}

TEST_F(ResolveFixture, GlibcHwcapsSubdirectoriesFirst) {
  auto who = requester("/app/libapp.so", lib("libapp.so"));
  put("/usr/lib/x86_64-linux-gnu/libz.so.1", lib("libz.so.1"));
  put("/usr/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/libz.so.1", lib("libz.so.1"));
  EXPECT_EQ(resolve("libz.so.1", who).path, "/usr/lib/x86_64-linux-gnu/libz.so.1");
  ctx_.hwcaps_subdirs = {"x86-64-v3", "x86-64-v2"};
  auto r = resolve("libz.so.1", who);
  EXPECT_EQ(r.path, "/usr/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/libz.so.1");
  EXPECT_EQ(r.found_by, "default directory /usr/lib/x86_64-linux-gnu (glibc-hwcaps/x86-64-v3)");
}

TEST_F(ResolveFixture, NamesWithASlashArePaths) {
  auto who = requester("/opt/app/libapp.so", lib("libapp.so"));
  put("/opt/app/plugins/libp.so", lib("libp.so"));
  put("/usr/lib/x86_64-linux-gnu/libp.so", lib("libp.so"));
  auto r = resolve("$ORIGIN/plugins/libp.so", who);
  ASSERT_EQ(r.outcome, Outcome::found) << r.error;
  EXPECT_EQ(r.path, "/opt/app/plugins/libp.so");
  EXPECT_EQ(r.step, SearchStep::path);
  EXPECT_EQ(r.copies.size(), 1u);
  EXPECT_EQ(resolve("/opt/none/libp.so", who).outcome, Outcome::not_found);
  EXPECT_EQ(resolve("plugins/libp.so", who).outcome, Outcome::not_found);  // cwd is /home/user
}

TEST(ResolveTokens, Expansion) {
  SearchContext ctx;
  EXPECT_EQ(expand_tokens("$ORIGIN/../lib", "/a/b", ctx), "/a/b/../lib");
  EXPECT_EQ(expand_tokens("${ORIGIN}/x:$LIB", "/a", ctx), "/a/x:lib/x86_64-linux-gnu");
  EXPECT_EQ(expand_tokens("/opt/$PLATFORM/${LIB}", "", ctx), "/opt/x86_64/lib/x86_64-linux-gnu");
  EXPECT_EQ(expand_tokens("$ORIGINAL/$HOME/${X}/$", "/a", ctx), "$ORIGINAL/$HOME/${X}/$");
  EXPECT_EQ(expand_tokens("${ORIGIN", "/a", ctx), "${ORIGIN");
  EXPECT_FALSE(expand_tokens("$ORIGIN/x", "", ctx));
  ctx.lib_token = "lib64";
  EXPECT_EQ(expand_tokens("/usr/$LIB", "", ctx), "/usr/lib64");
}

TEST(ResolveTokens, LdLibraryPathSplitsOnColonAndSemicolon) {
  EXPECT_EQ(split_ld_library_path("/a:/b;/c::"),
            (std::vector<std::string>{"/a", "/b", "/c", "", ""}));
  EXPECT_TRUE(split_ld_library_path("").empty());
}

TEST(ResolveTokens, OriginOf) {
  EXPECT_EQ(origin_of("/a/b/libx.so", ""), "/a/b");
  EXPECT_EQ(origin_of("/libx.so", ""), "/");
  EXPECT_EQ(origin_of("rel/libx.so", "/cwd"), "/cwd/rel");
  EXPECT_EQ(origin_of("rel/libx.so", ""), "");
  EXPECT_EQ(origin_of("libx.so", "/cwd"), "");
}

TEST_F(ResolveFixture, RealPathFollowsLinks) {
  put("/real/dir/file", lib("x"));
  link("/a", "real");
  link("/real/up", "..");
  link("/abs", "/real/dir");
  link("/loop1", "loop2");
  link("/loop2", "loop1");
  auto f = fs();
  EXPECT_EQ(real_path(*f, "/a/dir/file"), "/real/dir/file");
  EXPECT_EQ(real_path(*f, "/a/up/a/dir/../dir/./file"), "/real/dir/file");
  EXPECT_EQ(real_path(*f, "/abs/file"), "/real/dir/file");
  EXPECT_EQ(real_path(*f, "/nonexistent/x"), "/nonexistent/x");
  (void)real_path(*f, "/loop1/x");  // ends
}

TEST_F(ResolveFixture, TreeReportsTransitiveMiss) {
  // libcusolver is there, but its libnvJitLink is nowhere.
  ElfSpec app = lib("libapp.so", {"libcusolver.so.12", "libcublas.so.12"});
  app.runpath = "$ORIGIN/../nvidia/cusolver/lib:$ORIGIN/../nvidia/cublas/lib";
  auto root = requester("/sp/tf/libapp.so", app);
  ElfSpec cusolver = lib("libcusolver.so.12", {"libnvJitLink.so.12", "libcublas.so.12"});
  cusolver.runpath = "$ORIGIN";
  put("/sp/nvidia/cusolver/lib/libcusolver.so.12", cusolver);
  put("/sp/nvidia/cublas/lib/libcublas.so.12", lib("libcublas.so.12"));
  auto tree = resolve_tree(*fs(), root, ctx_);
  ASSERT_EQ(tree.nodes.size(), 5u);  // root, cusolver, cublas, nvJitLink, cublas again
  EXPECT_EQ(tree.nodes[1].soname, "libcusolver.so.12");
  EXPECT_EQ(tree.nodes[1].resolution.outcome, Outcome::found);
  EXPECT_EQ(tree.nodes[2].soname, "libcublas.so.12");
  EXPECT_EQ(tree.nodes[3].soname, "libnvJitLink.so.12");
  EXPECT_EQ(tree.nodes[3].depth, 2u);
  // libcusolver asks for libcublas too: the loader reuses the one loaded.
  EXPECT_TRUE(tree.nodes[4].already_loaded);
  EXPECT_EQ(tree.nodes[4].resolution.path, tree.nodes[2].resolution.path);
  auto misses = tree.misses();
  ASSERT_EQ(misses.size(), 1u);
  EXPECT_EQ(tree.nodes[misses[0]].soname, "libnvJitLink.so.12");
  EXPECT_EQ(tree.chain(misses[0]),
            (std::vector<std::string>{"/sp/tf/libapp.so",
                                      "/sp/tf/../nvidia/cusolver/lib/libcusolver.so.12"}));
  EXPECT_FALSE(tree.truncated);
}

TEST_F(ResolveFixture, TreeEndsCyclesAndHonoursLimits) {
  ElfSpec a = lib("liba.so", {"libb.so"});
  a.runpath = "$ORIGIN";
  auto root = requester("/l/liba.so", a);
  ElfSpec b = lib("libb.so", {"liba.so", "libc.so"});
  b.runpath = "$ORIGIN";
  put("/l/libb.so", b);
  ElfSpec c = lib("libc.so", {"libb.so", "libd.so"});
  c.runpath = "$ORIGIN";
  put("/l/libc.so", c);
  put("/l/libd.so", lib("libd.so", {"libe.so"}));
  put("/l/libe.so", lib("libe.so"));
  auto tree = resolve_tree(*fs(), root, ctx_);
  // root, b, a (the root itself), c, b again, d, e. Nothing finds e: d has
  // no DT_RUNPATH, and the DT_RUNPATH of its loaders does not count.
  ASSERT_EQ(tree.nodes.size(), 7u);
  EXPECT_TRUE(tree.nodes[2].already_loaded);
  EXPECT_EQ(tree.nodes[2].resolution.path, "/l/liba.so");
  EXPECT_TRUE(tree.nodes[4].already_loaded);
  EXPECT_EQ(tree.nodes[6].soname, "libe.so");
  EXPECT_EQ(tree.nodes[6].resolution.outcome, Outcome::not_found);

  TreeOptions small;
  small.max_objects = 3;
  auto cut = resolve_tree(*fs(), root, ctx_, small);
  EXPECT_TRUE(cut.truncated);
  EXPECT_EQ(cut.nodes.size(), 3u);
  TreeOptions shallow;
  shallow.max_depth = 1;
  auto flat = resolve_tree(*fs(), root, ctx_, shallow);
  EXPECT_TRUE(flat.truncated);
  EXPECT_EQ(flat.nodes.size(), 2u);
}

TEST_F(ResolveFixture, TreeInheritsTheExecutablesRpath) {
  // An executable with DT_RPATH $ORIGIN/lib: its dependencies' own
  // dependencies are found there too (they have no DT_RUNPATH).
  ElfSpec app = lib("", {"liba.so.1"});
  app.soname.reset();
  app.rpath = "$ORIGIN/lib";
  auto root = requester("/opt/app/bin/app", app);
  ctx_.executable = root.object;
  put("/opt/app/bin/lib/liba.so.1", lib("liba.so.1", {"libb.so.1"}));
  put("/opt/app/bin/lib/libb.so.1", lib("libb.so.1"));
  auto tree = resolve_tree(*fs(), root, ctx_);
  ASSERT_EQ(tree.nodes.size(), 3u);
  EXPECT_EQ(tree.nodes[2].resolution.outcome, Outcome::found);
  EXPECT_EQ(tree.nodes[2].resolution.found_by, "DT_RPATH of /opt/app/bin/app ($ORIGIN/lib)");
  EXPECT_TRUE(tree.misses().empty());
}

TEST_F(ResolveFixture, TreeUnreadableWinnerIsNoted) {
  ElfSpec a = lib("liba.so", {"libbad.so"});
  a.runpath = "$ORIGIN";
  auto root = requester("/l/liba.so", a);
  // A valid header whose dynamic section is cut off.
  std::string bad = build_elf(lib("libbad.so", {"libz.so.1"}));
  put_bytes("/l/libbad.so", bad.substr(0, bad.size() - 20));
  auto tree = resolve_tree(*fs(), root, ctx_);
  ASSERT_EQ(tree.nodes.size(), 2u);
  EXPECT_EQ(tree.nodes[1].resolution.outcome, Outcome::found);
  EXPECT_NE(tree.nodes[1].elf_error.find("truncated"), std::string::npos)
      << tree.nodes[1].elf_error;
}

TEST(ResolveKeys, StableNames) {
  EXPECT_EQ(enum_name(SearchStep::dt_runpath), "dt_runpath");
  EXPECT_EQ(enum_name(SearchStep::ld_so_cache), "ld_so_cache");
  EXPECT_EQ(copy_status_key(CopyStatus::same_file), "same_file");
  EXPECT_EQ(copy_status_key(CopyStatus::not_searched), "not_searched");
}

}  // namespace
}  // namespace ongpu::libs
