#include "frameworks/pathfinder.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "frameworks/libraries.h"
#include "knowledge/test_tables.h"
#include "libs/test_elf.h"
#include "sys/fs.h"

namespace ongpu::frameworks {
namespace {

using libs::testing::ElfSpec;
using libs::testing::TempDir;

using testing::tables;

const std::string kSite = "/venv/lib/python3.11/site-packages";

void put_library(const TempDir& tmp, const std::string& path,
                 std::vector<std::string> needed = {}) {
  ElfSpec s;
  s.soname = path.substr(path.rfind('/') + 1);
  s.needed = std::move(needed);
  libs::testing::write_file(tmp.path(), path, libs::testing::build_elf(s));
}

std::vector<std::string> stems(const std::vector<const knowledge::PathfinderLibrary*>& libs) {
  std::vector<std::string> out;
  for (const auto* l : libs) out.push_back(l->library);
  return out;
}

libs::SearchContext search(std::vector<std::string> ld_library_path) {
  libs::SearchContext ctx;
  ctx.ld_library_path = std::move(ld_library_path);
  ctx.cwd = "/";
  return ctx;
}

// cuda-pathfinder's descriptor for cusolver lists nvJitLink, cusparse,
// cublasLt, cublas; cusparse lists nvJitLink and cublas lists cublasLt: each
// is loaded once, before the library that needs it.
TEST(PathfinderOrder, DependenciesFirstEachOnce) {
  EXPECT_EQ(stems(pathfinder_order(tables(), "libcusolver")),
            (std::vector<std::string>{"libnvJitLink", "libcusparse", "libcublasLt", "libcublas",
                                      "libcusolver"}));
  EXPECT_EQ(stems(pathfinder_order(tables(), "libnvrtc")), std::vector<std::string>{"libnvrtc"});
  EXPECT_TRUE(pathfinder_order(tables(), "libnothing").empty());
}

TEST(PathfinderFind, SitePackagesFirstThenTheLoaderThenCudaPath) {
  TempDir tmp{"ongpu-pathfinder"};
  const auto& cublas = *tables().pathfinder_library("libcublas");
  put_library(tmp, kSite + "/nvidia/cublas/lib/libcublas.so.12");
  put_library(tmp, "/ld/libcublas.so.13");
  put_library(tmp, "/cuda/lib64/libcublas.so.13");
  auto fs = sys::make_file_system(tmp.path());
  PathfinderEnv env;
  env.site_packages = {kSite};
  env.cuda_path = "/cuda";
  // A CUDA 12 wheel in site-packages wins over CUDA 13 on LD_LIBRARY_PATH.
  auto r = pathfinder_find(*fs, cublas, env, search({"/ld"}));
  ASSERT_EQ(r.outcome, libs::Outcome::found);
  EXPECT_EQ(r.path, kSite + "/nvidia/cublas/lib/libcublas.so.12");
  EXPECT_EQ(r.soname, "libcublas.so.12");
  EXPECT_NE(r.found_by.find("site-packages"), std::string::npos) << r.found_by;
  // Without it: the loader's own search, newest soname first.
  env.site_packages = {"/elsewhere"};
  r = pathfinder_find(*fs, cublas, env, search({"/ld"}));
  ASSERT_EQ(r.outcome, libs::Outcome::found);
  EXPECT_EQ(r.path, "/ld/libcublas.so.13");
  EXPECT_NE(r.found_by.find("LD_LIBRARY_PATH"), std::string::npos) << r.found_by;
  // Then $CUDA_PATH (or $CUDA_HOME), lib64 before lib.
  r = pathfinder_find(*fs, cublas, env, search({}));
  ASSERT_EQ(r.outcome, libs::Outcome::found);
  EXPECT_EQ(r.path, "/cuda/lib64/libcublas.so.13");
  env.cuda_path.reset();
  r = pathfinder_find(*fs, cublas, env, search({}));
  EXPECT_EQ(r.outcome, libs::Outcome::not_found);
  EXPECT_NE(r.error.find("libcublas.so.13 or libcublas.so.12"), std::string::npos) << r.error;
}

TEST(PathfinderFind, Cuda13WheelDirectoryBeforeThePerLibraryOne) {
  TempDir tmp{"ongpu-pathfinder"};
  put_library(tmp, kSite + "/nvidia/cublas/lib/libcublas.so.12");
  put_library(tmp, kSite + "/nvidia/cu13/lib/libcublas.so.13");
  auto fs = sys::make_file_system(tmp.path());
  PathfinderEnv env;
  env.site_packages = {kSite};
  auto r = pathfinder_find(*fs, *tables().pathfinder_library("libcublas"), env, search({}));
  EXPECT_EQ(r.path, kSite + "/nvidia/cu13/lib/libcublas.so.13");
}

FrameworkFacts cupy() {
  FrameworkFacts fw;
  fw.framework = Framework::cupy;
  fw.distribution = "cupy-cuda12x";
  fw.version = "14.2.0";
  fw.flavor = BuildFlavor::cuda;
  fw.cuda_version = Fact<std::string>(std::string("12"));
  return fw;
}

const LibraryFact* fact(const FrameworkFacts& fw, const std::string& soname) {
  auto it = std::find_if(fw.libraries.begin(), fw.libraries.end(),
                         [&](const LibraryFact& l) { return l.soname == soname; });
  return it == fw.libraries.end() ? nullptr : &*it;
}

// cupy-cuda12x 14.2.0 on a machine with only CUDA 13 (tests/ground_truth,
// cupy-cuda12x/as-installed): pathfinder loads libcublas.so.13, then the
// module needs libcublas.so.12, which the loader finds nowhere. NVRTC 13
// serves (its module links nothing). cuTENSOR is absent: no fact for it, but
// its dependency cuBLASLt is loaded at import.
TEST(ResolvePathfinder, ModuleNeedsItsOwnSonameAfterPathfinderLoadedAnother) {
  TempDir tmp{"ongpu-pathfinder"};
  for (const char* so : {"libcublas.so.13", "libcublasLt.so.13", "libnvrtc.so.13"})
    put_library(tmp, std::string("/ld/") + so);
  put_library(tmp, kSite + "/cupy_backends/cuda/libs/cublas.cpython-311-x86_64-linux-gnu.so",
              {"libcublas.so.12", "libc.so.6"});
  auto fs = sys::make_file_system(tmp.path());
  PythonEnv env;
  env.interpreter = "/venv/bin/python";
  env.site_packages = {kSite};
  auto fw = cupy();
  fw.package_dir = kSite + "/cupy";
  resolve_libraries(*fs, env, fw, wanted_libraries(fw, &tables()), search({"/ld"}), {});
  const auto* nvrtc = fact(fw, "libnvrtc.so.13");
  ASSERT_NE(nvrtc, nullptr);
  EXPECT_EQ(nvrtc->outcome, LibraryOutcome::found);
  EXPECT_EQ(nvrtc->role, LibraryRole::gpu);
  const auto* lt = fact(fw, "libcublasLt.so.13");
  ASSERT_NE(lt, nullptr);
  EXPECT_EQ(lt->role, LibraryRole::later);
  EXPECT_EQ(fact(fw, "libcutensor.so.2"), nullptr);
  ASSERT_NE(fact(fw, "libcublas.so.13"), nullptr);
  EXPECT_EQ(fact(fw, "libcublas.so.13")->outcome, LibraryOutcome::found);
  const auto* own = fact(fw, "libcublas.so.12");
  ASSERT_NE(own, nullptr);
  EXPECT_EQ(own->outcome, LibraryOutcome::not_found);
  EXPECT_EQ(own->role, LibraryRole::later);
  EXPECT_EQ(own->wanted_by, "DT_NEEDED of cublas.cpython-311-x86_64-linux-gnu.so");
  // cuSOLVER: neither it nor its module is there; pathfinder finds nothing,
  // and the name reported is CUDA 12's (the framework's major).
  const auto* cusolver = fact(fw, "libcusolver.so.12");
  ASSERT_NE(cusolver, nullptr);
  EXPECT_EQ(cusolver->outcome, LibraryOutcome::not_found);
}

// With CuPy's [ctk] extra the CUDA 12 wheels are in site-packages: pathfinder
// takes them, and the module's DT_NEEDED is the library already loaded.
TEST(ResolvePathfinder, TheCtkWheelsServeTheModule) {
  TempDir tmp{"ongpu-pathfinder"};
  put_library(tmp, "/ld/libcublas.so.13");
  put_library(tmp, kSite + "/nvidia/cublas/lib/libcublas.so.12");
  put_library(tmp, kSite + "/nvidia/cublas/lib/libcublasLt.so.12");
  put_library(tmp, kSite + "/cupy_backends/cuda/libs/cublas.cpython-311-x86_64-linux-gnu.so",
              {"libcublas.so.12"});
  auto fs = sys::make_file_system(tmp.path());
  PythonEnv env;
  env.interpreter = "/venv/bin/python";
  env.site_packages = {kSite};
  auto fw = cupy();
  resolve_libraries(*fs, env, fw, wanted_libraries(fw, &tables()), search({"/ld"}), {});
  const auto* cublas = fact(fw, "libcublas.so.12");
  ASSERT_NE(cublas, nullptr);
  EXPECT_EQ(cublas->outcome, LibraryOutcome::found);
  EXPECT_EQ(cublas->path.value_or(""), kSite + "/nvidia/cublas/lib/libcublas.so.12");
  EXPECT_EQ(fact(fw, "libcublas.so.13"), nullptr);
  EXPECT_NE(fact(fw, "libcublasLt.so.12"), nullptr);
}

}  // namespace
}  // namespace ongpu::frameworks
