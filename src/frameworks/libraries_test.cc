#include "frameworks/libraries.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "knowledge/test_tables.h"
#include "libs/test_elf.h"
#include "sys/fs.h"

namespace ongpu::frameworks {
namespace {

using testing::tables;

std::set<std::string> sonames(const std::vector<WantedLibrary>& wanted) {
  std::set<std::string> out;
  for (const auto& w : wanted) out.insert(w.soname);
  return out;
}

FrameworkFacts tensorflow(const std::string& version, const std::string& cuda,
                          const std::string& cudnn) {
  FrameworkFacts fw;
  fw.framework = Framework::tensorflow;
  fw.distribution = "tensorflow";
  fw.version = version;
  fw.flavor = BuildFlavor::cuda;
  fw.cuda_version = cuda;
  fw.cudnn_version = cudnn;
  return fw;
}

TEST(WheelSonames, TheWheelsMajorIsTheSonames) {
  EXPECT_EQ(sonames_of_wheel({"nvidia-cufft-cu12", "<12.0,>=11.2.3.61", "and-cuda", ""}),
            std::vector<std::string>{"libcufft.so.11"});
  EXPECT_EQ(sonames_of_wheel({"nvidia-cublas-cu12", "", "", "12.5.3.2"}),
            (std::vector<std::string>{"libcublas.so.12", "libcublasLt.so.12"}));
  // CUDA 13's wheels have no -cuNN suffix.
  EXPECT_EQ(sonames_of_wheel({"nvidia-cuda-runtime", ">=13.0", "", ""}),
            std::vector<std::string>{"libcudart.so.13"});
  EXPECT_TRUE(sonames_of_wheel({"nvidia-cuda-nvcc-cu12", "==12.5.82", "and-cuda", ""}).empty());
}

TEST(WheelSonames, Cuda11RuntimeKeepsTheSoname110) {
  // cuda_configure.bzl: "The libcudart soname in CUDA 11.x is versioned as 11.0".
  EXPECT_EQ(sonames_of_wheel({"nvidia-cuda-runtime-cu11", "==11.8.89", "and-cuda", ""}),
            std::vector<std::string>{"libcudart.so.11.0"});
  EXPECT_EQ(sonames_of_wheel({"nvidia-cublas-cu11", "==11.11.3.6", "and-cuda", ""}),
            (std::vector<std::string>{"libcublas.so.11", "libcublasLt.so.11"}));
}

TEST(WantedLibraries, PinnedWheelsDecide) {
  auto fw = tensorflow("2.21.0", "12.5.1", "9");
  fw.cuda_wheels = {{"nvidia-cudnn-cu12", "<10.0,>=9.3.0.75", "and-cuda", ""},
                    {"nvidia-cufft-cu12", "<12.0,>=11.2.3.61", "and-cuda", ""}};
  auto wanted = wanted_libraries(fw, &tables());
  ASSERT_EQ(wanted.size(), 2u);
  EXPECT_EQ(sonames(wanted), (std::set<std::string>{"libcudnn.so.9", "libcufft.so.11"}));
  for (const auto& w : wanted) {
    EXPECT_EQ(w.wanted_by, w.soname == "libcudnn.so.9" ? "nvidia-cudnn-cu12" : "nvidia-cufft-cu12");
    EXPECT_EQ(w.role, LibraryRole::gpu);
    EXPECT_FALSE(w.preload);
  }
}

TEST(WantedLibraries, AKnownReleaseWantsOnlyItsRows) {
  // framework_libraries.csv knows TensorFlow 2.21: it opens cuSOLVER to
  // register a GPU, but never nvrtc or nvJitLink (cuSPARSE's own dependency).
  auto fw = tensorflow("2.21.0", "12.5.1", "9");
  fw.cuda_wheels = {{"nvidia-cusolver-cu12", "==11.6.3.83", "and-cuda", ""},
                    {"nvidia-cuda-nvrtc-cu12", "==12.5.82", "and-cuda", ""},
                    {"nvidia-nvjitlink-cu12", "==12.5.82", "and-cuda", ""}};
  EXPECT_EQ(sonames(wanted_libraries(fw, &tables())), std::set<std::string>{"libcusolver.so.11"});
  // A release the table does not know keeps every pinned library, as needed.
  fw.version = "2.19.0";
  EXPECT_EQ(sonames(wanted_libraries(fw, &tables())),
            (std::set<std::string>{"libcusolver.so.11", "libnvrtc.so.12", "libnvJitLink.so.12"}));
}

TEST(WantedLibraries, JaxPreloadsAndOpensSomeLater) {
  FrameworkFacts fw;
  fw.framework = Framework::jax;
  fw.version = "0.10.2";
  fw.flavor = BuildFlavor::cuda;
  fw.cuda_wheels = {{"nvidia-cudnn-cu12", ">=9.8", "", "9.28.0.42"},
                    {"nvidia-cusolver-cu12", ">=11.7", "", "11.7.5.82"}};
  auto wanted = wanted_libraries(fw, &tables());
  EXPECT_EQ(sonames(wanted), (std::set<std::string>{"libcudnn.so.9", "libcusolver.so.11", ""}));
  for (const auto& w : wanted) {
    EXPECT_TRUE(w.preload);
    if (w.soname.empty()) continue;  // a row whose wheel is not pinned here: its stem only
    EXPECT_EQ(w.role, w.soname == "libcusolver.so.11" ? LibraryRole::later : LibraryRole::gpu);
  }
}

TEST(WantedLibraries, TorchReadsItsLoadingObjectsNeeds) {
  FrameworkFacts fw;
  fw.framework = Framework::torch;
  fw.version = "2.15.0";
  fw.flavor = BuildFlavor::cuda;
  auto wanted = wanted_libraries(fw, &tables());
  ASSERT_GE(wanted.size(), 2u);
  EXPECT_TRUE(wanted[0].from_needed);
  EXPECT_TRUE(wanted[0].preload);
  EXPECT_EQ(wanted[0].role, LibraryRole::gpu);
  // What _preload_cuda_deps loads when present: no pinned wheel names the
  // soname (torch 2.15 pins the cuda-toolkit meta-package), so the stem.
  for (size_t i = 1; i < wanted.size(); ++i) {
    EXPECT_TRUE(wanted[i].soname.empty());
    EXPECT_FALSE(wanted[i].stem.empty());
    EXPECT_EQ(wanted[i].role, LibraryRole::later);
  }
}

TEST(WantedLibraries, TensorflowWithoutPinsFollowsItsBuildInfo) {
  // TF 2.12: CUDA 11.8, cuDNN 8 (tensorflow_gpu.csv); no [and-cuda] extra before 2.14.
  auto wanted = wanted_libraries(tensorflow("2.12.0", "11.8", "8"), &tables());
  EXPECT_EQ(sonames(wanted),
            (std::set<std::string>{"libcudart.so.11.0", "libcublas.so.11", "libcublasLt.so.11",
                                   "libcufft.so.10", "libcurand.so.10", "libcusolver.so.11",
                                   "libcusparse.so.11", "libcudnn.so.8"}));
  for (const auto& w : wanted) {
    EXPECT_EQ(w.wanted_by, w.soname == "libcudnn.so.8" ? "build_info.py cudnn_version 8"
                                                       : "build_info.py cuda_version 11.8");
  }
  // Without the tables, or for a CPU build, or another framework: nothing to derive.
  EXPECT_TRUE(wanted_libraries(tensorflow("2.12.0", "11.8", "8"), nullptr).empty());
  auto cpu = tensorflow("2.12.0", "11.8", "8");
  cpu.flavor = BuildFlavor::cpu;
  EXPECT_TRUE(wanted_libraries(cpu, &tables()).empty());
  auto torch = tensorflow("2.3.0", "12.1", "8");
  torch.framework = Framework::torch;
  EXPECT_TRUE(wanted_libraries(torch, &tables()).empty());
  auto unknown = tensorflow("2.12.0", "11.8", "8");
  unknown.cuda_version = Fact<std::string>::missing("no build_info.py");
  EXPECT_TRUE(wanted_libraries(unknown, &tables()).empty());
}

// torch's libtorch_cuda.so lists libtorch_nvshmem.so (its own object, beside
// it), which lists libnvshmem_host.so.3: import torch fails without it
// (tests/ground_truth, torch 2.15.0 with nvidia-nvshmem-cu13 removed).
TEST(NeededCudaLibraries, FollowsTheFrameworksOwnObjectsBesideIt) {
  libs::testing::TempDir tmp{"ongpu-needed"};
  const std::string lib = "/venv/lib/python3.11/site-packages/torch/lib";
  auto put = [&](const std::string& name, std::vector<std::string> needed) {
    libs::testing::ElfSpec s;
    s.soname = name;
    s.needed = std::move(needed);
    libs::testing::write_file(tmp.path(), lib + "/" + name, libs::testing::build_elf(s));
  };
  put("libtorch_cuda.so",
      {"libtorch_nvshmem.so", "libc10_cuda.so", "libcudart.so.13", "libc.so.6", "libgone.so"});
  put("libtorch_nvshmem.so",
      {"libnvshmem_host.so.3", "libcudart.so.13", "libtorch_cuda.so"});  // a cycle
  put("libc10_cuda.so", {"libcudart.so.13", "libc10.so"});
  auto fs = sys::make_file_system(tmp.path());
  auto obj = libs::load_object(*fs, lib + "/libtorch_cuda.so");
  ASSERT_TRUE(obj.ok());
  const auto needed = needed_cuda_libraries(*fs, obj.value());
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"libtorch_cuda.so", "libcudart.so.13"}, {"libtorch_nvshmem.so", "libnvshmem_host.so.3"}};
  EXPECT_EQ(needed, expected);
}

}  // namespace
// JAX's _versions.so asks for the unversioned libcupti.so after
// libcupti.so.12 (tests/ground_truth: jax-cuda12 without its cuPTI wheel).
TEST(WantedLibraries, JaxCuptiFallsBackToTheUnversionedName) {
  FrameworkFacts fw;
  fw.framework = Framework::jax;
  fw.version = "0.10.2";
  fw.flavor = BuildFlavor::cuda;
  fw.cuda_wheels = {{"nvidia-cuda-cupti-cu12", ">=12.1", "", ""}};
  auto wanted = wanted_libraries(fw, &tables());
  auto cupti = std::find_if(wanted.begin(), wanted.end(),
                            [](const WantedLibrary& w) { return w.soname == "libcupti.so.12"; });
  ASSERT_NE(cupti, wanted.end());
  EXPECT_EQ(cupti->fallback, std::vector<std::string>{"libcupti.so"});
  for (const auto& w : wanted) {
    if (w.soname != "libcupti.so.12") {
      EXPECT_TRUE(w.fallback.empty()) << w.soname;
    }
  }
}

}  // namespace ongpu::frameworks
