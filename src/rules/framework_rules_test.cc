#include "rules/framework_rules.h"

#include <gtest/gtest.h>

#include <functional>

#include "knowledge/test_tables.h"
#include "render/finding_words.h"
#include "render/render.h"
#include "render/verdict_words.h"
#include "rules/catalog.h"
#include "rules/report.h"
#include "rules/rules.h"
#include "rules/test_facts.h"

namespace ongpu {
namespace {

using testing::add_framework;
using testing::healthy_facts;

using testing::tables;

// A finding's words; a wording that reads an arg its rule did not set fails.
FindingWords words(const Finding& x) {
  FindingWords w = finding_words(x);
  EXPECT_TRUE(w.missing.empty()) << x.id << " lacks " << ::testing::PrintToString(w.missing);
  return w;
}

Report build_report(const FactSet& f) {
  Report r = ongpu::build_report(f, tables());
  for (const auto& x : r.findings) words(x);
  return r;
}

std::vector<Finding> framework_findings(const FactSet& f) {
  std::vector<Finding> out;
  Verdict machine = decide(f, evaluate(f));
  framework_rules(f, machine, tables(), out);
  for (const auto& x : out) words(x);
  return out;
}

bool has(const std::vector<Finding>& fs, const std::string& id) {
  return std::any_of(fs.begin(), fs.end(), [&](const Finding& x) { return x.id == id; });
}

struct Case {
  std::string id;
  std::function<void(FactSet&)> make;
};

FactSet tf_with_wheels() {
  FactSet f = healthy_facts();
  auto& fw = add_framework(f, Framework::tensorflow, "2.21.0");
  fw.cuda_wheels = {{"nvidia-cudnn-cu12", "<10.0,>=9.3.0.75", "and-cuda", "9.3.0.75"},
                    {"nvidia-cublas-cu12", "<13.0,>=12.5.3.2", "and-cuda", "12.5.3.2"}};
  // An A100: TF 2.21 has sm_80 SASS for it (an H100 gets only compute_90 PTX).
  f.nvml.gpus[0].compute_capability = std::string("8.0");
  return f;
}

FactSet tf_with_libraries() {
  FactSet f = tf_with_wheels();
  auto& fw = f.python.environments[0].frameworks[0];
  LibraryFact cudnn;
  cudnn.soname = "libcudnn.so.9";
  cudnn.wanted_by = "nvidia-cudnn-cu12";
  cudnn.requester = fw.package_dir + "/libtensorflow_framework.so.2";
  cudnn.outcome = LibraryOutcome::found;
  cudnn.path = fw.package_dir + "/../nvidia/cudnn/lib/libcudnn.so.9";
  cudnn.real_path =
      std::string("/venv/lib/python3.11/site-packages/nvidia/cudnn/lib/libcudnn.so.9");
  cudnn.found_by = "DT_RUNPATH of libtensorflow_framework.so.2 ($ORIGIN/../nvidia/cudnn/lib)";
  cudnn.found_step = LoaderStep::dt_runpath;
  cudnn.version = std::string("9");
  fw.libraries.push_back(cudnn);
  return f;
}

// TensorFlow 2.21 (CUDA 12.5.1, cuDNN '9' in build_info.py; tested with cuDNN
// 9.3) whose pinned wheels are not installed: the loader finds a system cuDNN.
FactSet tf_with_system_cudnn(const std::string& file_version) {
  FactSet f = tf_with_libraries();
  auto& fw = f.python.environments[0].frameworks[0];
  for (auto& w : fw.cuda_wheels) w.installed = "";
  auto& lib = fw.libraries[0];
  lib.path = std::string("/opt/cudnn/lib/libcudnn.so.9");
  lib.real_path = "/opt/cudnn/lib/libcudnn.so." + file_version;
  lib.found_by = "LD_LIBRARY_PATH entry /opt/cudnn/lib";
  lib.found_step = LoaderStep::ld_library_path;
  lib.version = file_version;
  lib.reported_version = Fact<std::string>::missing("not asked");
  return f;
}

LibraryFact found_library(const std::string& soname, const std::string& real_path, LoaderStep step,
                          const std::string& found_by) {
  LibraryFact l;
  l.soname = soname;
  l.wanted_by = "nvidia-x-cu12";
  l.outcome = LibraryOutcome::found;
  l.path = l.real_path = real_path;
  l.found_by = found_by;
  l.found_step = step;
  l.version = Fact<std::string>::missing("no version in the file name");
  return l;
}

const Case kCases[] = {
    {"framework.cuda_library_missing",
     [](FactSet& f) {
       f = tf_with_libraries();
       auto& fw = f.python.environments[0].frameworks[0];
       fw.cuda_wheels[0].installed = "";  // the cudnn wheel is not installed
       fw.libraries[0].outcome = LibraryOutcome::not_found;
       fw.libraries[0].path = Fact<std::string>::missing("not found");
     }},
    {"framework.cuda_wheels_unreachable",
     [](FactSet& f) {
       f = tf_with_libraries();
       f.python.environments[0].frameworks[0].libraries[0].outcome = LibraryOutcome::not_found;
     }},
    {"framework.cuda_library_later_missing",
     [](FactSet& f) {
       f = tf_with_libraries();
       auto& lib = f.python.environments[0].frameworks[0].libraries[0];
       lib.role = LibraryRole::later;
       lib.outcome = LibraryOutcome::not_found;
     }},
    {"framework.cuda_library_dependency_missing",
     [](FactSet& f) {
       f = tf_with_libraries();
       f.python.environments[0].frameworks[0].libraries[0].missing_dependencies = {
           "libnvJitLink.so.12 (libcudnn.so.9 → libnvJitLink.so.12)"};
     }},
    {"framework.cuda_library_shadowed",
     [](FactSet& f) {
       f = tf_with_libraries();
       auto& lib = f.python.environments[0].frameworks[0].libraries[0];
       lib.real_path = std::string("/usr/local/cuda/lib64/libcudnn.so.9.19.0");
       lib.found_by = "LD_LIBRARY_PATH entry /usr/local/cuda/lib64";
       lib.found_step = LoaderStep::ld_library_path;
       lib.other_copies = {{"/venv/lib/python3.11/site-packages/nvidia/cudnn/lib/libcudnn.so.9",
                            OtherCopy::Status::shadowed, "later in the search"}};
     }},
    {"framework.cpu_only_build",
     [](FactSet& f) { add_framework(f, Framework::onnxruntime, "1.32.0", BuildFlavor::cpu); }},
    {"framework.tensorflow_gpu_stub",
     [](FactSet& f) {
       auto& fw = add_framework(f, Framework::tensorflow, "2.12.0", BuildFlavor::stub);
       fw.distribution = "tensorflow-gpu";
     }},
    {"framework.tensorflow_gpu_outdated",
     [](FactSet& f) {
       auto& fw = add_framework(f, Framework::tensorflow, "2.10.0");
       fw.distribution = "tensorflow-gpu";
     }},
    {"framework.conflicting_distributions",
     [](FactSet& f) {
       auto& fw = add_framework(f, Framework::tensorflow, "2.21.0");
       fw.conflicts = {"tensorflow-cpu 2.21.0 (tensorflow_cpu-2.21.0.dist-info)"};
     }},
    {"framework.platform_unsupported",
     [](FactSet& f) {
       add_framework(f, Framework::tensorflow, "2.15.0");
       f.python.environments[0].platform = std::string("win32");
     }},
    {"framework.cuda_wheels_missing",
     [](FactSet& f) {
       f = tf_with_wheels();
       for (auto& w : f.python.environments[0].frameworks[0].cuda_wheels) w.installed = "";
     }},
    {"framework.cuda_wheels_partial",
     [](FactSet& f) {
       f = tf_with_wheels();
       f.python.environments[0].frameworks[0].cuda_wheels[1].installed = "";
     }},
    {"framework.cudnn_mismatch",
     [](FactSet& f) {
       f = tf_with_wheels();
       f.python.environments[0].frameworks[0].cuda_wheels[0].installed = "8.9.7.29";
     }},
    {"framework.driver_too_old",
     [](FactSet& f) {
       add_framework(f, Framework::tensorflow, "2.21.0");
       f.nvml.cuda_driver_version = 11040;
       f.cuda.driver_version = 11040;  // cuDriverGetVersion of the same driver
       f.nvml.driver_version = std::string("470.82.01");
     }},
    {"framework.minor_version_compatibility",
     [](FactSet& f) {
       add_framework(f, Framework::tensorflow, "2.21.0");  // CUDA 12.5
       f.nvml.cuda_driver_version = 12020;                 // 535 branch: CUDA 12.2
       f.cuda.driver_version = 12020;
       f.nvml.driver_version = std::string("535.104.05");
     }},
    {"framework.gpu_arch_unsupported",
     [](FactSet& f) {
       add_framework(f, Framework::tensorflow, "2.21.0");
       f.nvml.gpus[0].compute_capability = std::string("5.2");  // below sm_60, no PTX <= 5.2
     }},
    {"framework.gpu_arch_ptx_only",
     [](FactSet& f) {
       add_framework(f, Framework::tensorflow, "2.21.0");
       f.nvml.gpus[0].compute_capability = std::string("10.0");  // only compute_90 reaches it
     }},
    {"framework.cuda_library_too_old",
     [](FactSet& f) {
       auto& fw = add_framework(f, Framework::torch, "2.15.0");
       fw.cuda_version = std::string("13.2");
       LibraryFact nccl;
       nccl.soname = "libnccl.so.2";
       nccl.wanted_by = "DT_NEEDED of libtorch_cuda.so";
       nccl.needed_by = fw.package_dir + "/lib/libtorch_cuda.so";
       nccl.requester = fw.package_dir + "/lib/libtorch_cuda.so";
       nccl.outcome = LibraryOutcome::found;
       nccl.path = nccl.real_path = std::string("/usr/local/cuda-13.0/lib/libnccl.so.2");
       nccl.found_by = "ld.so.cache";
       nccl.found_step = LoaderStep::ld_so_cache;
       nccl.missing_symbols = {"ncclCommResume", "ncclCommSuspend"};
       fw.libraries.push_back(nccl);
     }},
    {"framework.build_unknown",
     [](FactSet& f) {
       auto& fw = add_framework(f, Framework::torch, "2.3.0+cpu");
       fw.flavor = BuildFlavor::unknown;
       fw.cuda_version = Fact<std::string>::missing("the torch package directory is missing");
     }},
    {"framework.environment_unchecked",
     [](FactSet& f) {
       add_framework(f, Framework::tensorflow, "2.21.0");
       PythonEnv slow;
       slow.interpreter = "/slow/venv/bin/python";
       slow.probe.status = ProbeStatus::timed_out;
       slow.probe.deadline_ms = 10000;
       f.python.environments.push_back(slow);
     }},
    {"framework.jax_version_skew",
     [](FactSet& f) {
       auto& fw = add_framework(f, Framework::jax, "0.10.2");
       fw.components = {{"jaxlib", "0.10.2"}, {"jax-cuda12-plugin", "0.9.0"}};
     }},
    {"framework.jax_platforms_cpu",
     [](FactSet& f) {
       add_framework(f, Framework::jax, "0.10.2");
       f.env.jax_platforms = "cpu";
     }},
    {"framework.wheel_wrong_architecture",
     [](FactSet& f) {
       auto& fw = add_framework(f, Framework::tensorflow, "2.21.0");
       fw.wheel_tags = std::vector<std::string>{"cp311-cp311-manylinux_2_17_aarch64"};
     }},
    {"framework.cuda_libraries_mixed",
     [](FactSet& f) {
       f = tf_with_libraries();  // CUDA 12.5.1
       f.python.environments[0].frameworks[0].libraries.push_back(
           found_library("libcusparse.so.12", "/usr/local/cuda-13.0/lib/libcusparse.so.12",
                         LoaderStep::ld_so_cache, "ld.so.cache"));
     }},
    {"framework.tf_log_level_hides_warnings",
     [](FactSet& f) {
       add_framework(f, Framework::tensorflow, "2.21.0");
       f.env.tf_cpp_min_log_level = "3";
     }},
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.id; }

class FrameworkRuleFires : public ::testing::TestWithParam<Case> {};

TEST_P(FrameworkRuleFires, OnItsBreakage) {
  FactSet f = healthy_facts();
  GetParam().make(f);
  auto found = framework_findings(f);
  ASSERT_TRUE(has(found, GetParam().id)) << ::testing::PrintToString(found.size());
  for (const auto& x : found) {
    if (x.id != GetParam().id) continue;
    EXPECT_FALSE(x.scope.empty());
    EXPECT_FALSE(words(x).fix.empty());
    EXPECT_FALSE(x.evidence.empty());
    EXPECT_NE(find_catalog_entry(x.id), nullptr);
  }
}

INSTANTIATE_TEST_SUITE_P(Catalog, FrameworkRuleFires, ::testing::ValuesIn(kCases),
                         [](const auto& info) {
                           std::string n = info.param.id;
                           for (char& c : n) {
                             if (c == '.') c = '_';
                           }
                           return n;
                         });

TEST(FrameworkRules, EveryFrameworkEntryHasAFiringCase) {
  for (const auto& e : catalog()) {
    if (e.id.substr(0, 10) != "framework.") continue;
    bool covered = std::any_of(std::begin(kCases), std::end(kCases),
                               [&](const Case& c) { return c.id == e.id; });
    EXPECT_TRUE(covered) << e.id;
  }
}

TEST(FrameworkRules, HealthyCudaFrameworkRunsOnTheGpu) {
  FactSet f = tf_with_wheels();
  EXPECT_TRUE(framework_findings(f).empty());
  EXPECT_TRUE(framework_findings(tf_with_libraries()).empty());
  Report r = build_report(f);
  ASSERT_EQ(r.frameworks.size(), 1u);
  EXPECT_TRUE(r.frameworks[0].gpu);
  EXPECT_EQ(r.verdict.exit_code, 0);
}

TEST(FrameworkRules, NoWheelsButTheLibrariesFoundElsewhereIsFine) {
  // pip install tensorflow without [and-cuda], on a machine whose system CUDA
  // provides the libraries: the loader finds them, so no finding.
  FactSet f = tf_with_libraries();
  auto& fw = f.python.environments[0].frameworks[0];
  for (auto& w : fw.cuda_wheels) w.installed = "";
  fw.libraries[0].real_path = std::string("/usr/lib/x86_64-linux-gnu/libcudnn.so.9.3.0");
  fw.libraries[0].found_by = "ld.so.cache";
  fw.libraries[0].found_step = LoaderStep::ld_so_cache;
  auto found = framework_findings(f);
  EXPECT_FALSE(has(found, "framework.cuda_wheels_missing"));
  EXPECT_FALSE(has(found, "framework.cuda_library_missing"));
}

TEST(FrameworkRules, AnUnreachableWheelCopyIsFixedByTheLoadersPath) {
  // TensorFlow 2.21.0 from PyPI: nvidia-cusolver-cu12 is installed, but the
  // RUNPATH of libtensorflow_framework.so.2 does not list its directory.
  // Reinstalling the same release cannot help; LD_LIBRARY_PATH does (proven
  // against the real wheels by tests/e2e/test_ground_truth.py).
  FactSet f = tf_with_libraries();
  auto& lib = f.python.environments[0].frameworks[0].libraries[0];
  lib.outcome = LibraryOutcome::not_found;
  lib.wheel_copy = "/venv/lib/python3.11/site-packages/nvidia/cudnn/lib/libcudnn.so.9";
  Report r = build_report(f);
  ASSERT_EQ(r.frameworks.size(), 1u);
  EXPECT_FALSE(r.frameworks[0].gpu);
  EXPECT_EQ(r.frameworks[0].root_cause, "framework.cuda_wheels_unreachable");
  const auto found = framework_findings(f);
  auto it = std::find_if(found.begin(), found.end(), [](const Finding& x) {
    return x.id == "framework.cuda_wheels_unreachable";
  });
  ASSERT_NE(it, found.end());
  ASSERT_EQ(words(*it).fix.size(), 1u);
  EXPECT_EQ(words(*it).fix[0],
            "export "
            "LD_LIBRARY_PATH=/venv/lib/python3.11/site-packages/nvidia/cudnn/"
            "lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}");
}

TEST(FrameworkRules, ALibraryTheFrameworksObjectNeedsIsFixedByItsOwnInstall) {
  // torch's libtorch_cuda.so lists libcudart.so.13 as DT_NEEDED; no single pin
  // names it (torch 2.15 pins the cuda-toolkit meta-package): the fix
  // installs the framework with its wheels, never a pip argument made of the
  // wanted_by text.
  FactSet f = tf_with_libraries();
  auto& fw = f.python.environments[0].frameworks[0];
  auto& lib = fw.libraries[0];
  lib.wanted_by = "DT_NEEDED of libtensorflow_framework.so.2";
  lib.needed_by = fw.package_dir + "/libtensorflow_framework.so.2";
  lib.outcome = LibraryOutcome::not_found;
  const auto found = framework_findings(f);
  auto it = std::find_if(found.begin(), found.end(),
                         [](const Finding& x) { return x.id == "framework.cuda_library_missing"; });
  ASSERT_NE(it, found.end());
  ASSERT_FALSE(words(*it).fix.empty());
  EXPECT_EQ(words(*it).fix[0].find("DT_NEEDED"), std::string::npos) << words(*it).fix[0];
  EXPECT_NE(words(*it).fix[0].find("install 'tensorflow[and-cuda]==2.21.0'"), std::string::npos)
      << words(*it).fix[0];
}

TEST(FrameworkRules, ALibraryOpenedLaterIsNeverTheRootCause) {
  FactSet f = tf_with_libraries();
  auto& fw = f.python.environments[0].frameworks[0];
  LibraryFact later = fw.libraries[0];
  later.soname = "libcusolver.so.11";
  later.role = LibraryRole::later;
  later.outcome = LibraryOutcome::not_found;
  fw.libraries.push_back(later);
  Report r = build_report(f);
  ASSERT_EQ(r.frameworks.size(), 1u);
  EXPECT_TRUE(r.frameworks[0].gpu);
  EXPECT_TRUE(has(framework_findings(f), "framework.cuda_library_later_missing"));
  EXPECT_EQ(r.verdict.exit_code, 1);  // a warning
}

TEST(FrameworkRules, MixedReleasesCountOnlyLibrariesNeededToRegister) {
  // The system toolkit's cuRAND (CUDA 13) beside TensorFlow's CUDA 12 wheels
  // is no mix when TensorFlow does not open cuRAND to register a GPU.
  FactSet f = tf_with_libraries();
  auto& fw = f.python.environments[0].frameworks[0];
  LibraryFact curand = fw.libraries[0];
  curand.soname = "libcurand.so.10";
  curand.real_path = std::string("/usr/local/cuda-13.0/lib/libcurand.so.10.4.0");
  curand.found_by = "ld.so.cache";
  curand.found_step = LoaderStep::ld_so_cache;
  fw.libraries.push_back(curand);
  EXPECT_TRUE(has(framework_findings(f), "framework.cuda_libraries_mixed"));
  fw.libraries.back().role = LibraryRole::later;
  EXPECT_FALSE(has(framework_findings(f), "framework.cuda_libraries_mixed"));
}

TEST(FrameworkRules, MachineRootCauseIsCarriedIntoEveryFramework) {
  FactSet f = tf_with_wheels();
  f.kernel_module.nvidia_uvm_loaded = false;
  f.cuda.init = ApiResult{999, "CUDA_ERROR_UNKNOWN", "x"};
  f.cuda.devices.clear();
  Report r = build_report(f);
  ASSERT_EQ(r.frameworks.size(), 1u);
  EXPECT_FALSE(r.frameworks[0].gpu);
  EXPECT_EQ(r.frameworks[0].root_cause, "module.uvm_not_loaded");
}

TEST(FrameworkRules, OneFrameworkOnTheCpuIsAWarningAllIsNotUsable) {
  FactSet f = tf_with_wheels();
  add_framework(f, Framework::onnxruntime, "1.32.0", BuildFlavor::cpu);
  Report some = build_report(f);
  EXPECT_EQ(some.verdict.exit_code, 1);
  FactSet g = healthy_facts();
  add_framework(g, Framework::onnxruntime, "1.32.0", BuildFlavor::cpu);
  Report all = build_report(g);
  EXPECT_EQ(all.verdict.exit_code, 2);
  EXPECT_EQ(all.verdict.root_cause, "framework.cpu_only_build");
}

TEST(FrameworkRules, SassOfTheSameMajorRunsAndNewerDriverIsFine) {
  FactSet f = tf_with_wheels();
  f.nvml.gpus[0].compute_capability = std::string("8.6");  // sm_80 runs on 8.6
  EXPECT_TRUE(framework_findings(f).empty());
  f.nvml.cuda_driver_version = 13000;
  EXPECT_TRUE(framework_findings(f).empty());
}

TEST(FrameworkRules, AJaxOnlyReleaseIsNoSkew) {
  FactSet f = healthy_facts();
  auto& fw = add_framework(f, Framework::jax, "0.4.37");
  fw.components = {
      {"jaxlib", "0.4.36"}, {"jax-cuda12-plugin", "0.4.36"}, {"jax-cuda12-pjrt", "0.4.36"}};
  EXPECT_FALSE(has(framework_findings(f), "framework.jax_version_skew"));
}

TEST(FrameworkRules, ForwardCompatibleLibcudaDecidesTheCudaLevel) {
  // cuda-compat: the kernel driver speaks for CUDA 11.4, the libcuda loaded for 12.5.
  FactSet f = tf_with_wheels();
  f.nvml.cuda_driver_version = 11040;
  f.cuda.driver_version = 12050;
  EXPECT_FALSE(has(framework_findings(f), "framework.driver_too_old"));
}

TEST(FrameworkRules, OnlyVisibleGpusAreCheckedForArchitecture) {
  FactSet f = healthy_facts(2);
  add_framework(f, Framework::tensorflow, "2.21.0");
  f.nvml.gpus[0].compute_capability = std::string("8.0");
  f.nvml.gpus[1].compute_capability = std::string("3.7");  // a K80 the process does not see
  f.cuda_all = f.cuda;
  f.env.cuda_visible_devices = "0";
  EXPECT_FALSE(has(framework_findings(f), "framework.gpu_arch_unsupported"));
  f.env.cuda_visible_devices.reset();
  EXPECT_TRUE(has(framework_findings(f), "framework.gpu_arch_unsupported"));
}

TEST(FrameworkRules, ArchSpecificSassRunsOnlyOnItsOwnGpu) {
  FactSet f = healthy_facts();
  auto& fw = add_framework(f, Framework::tensorflow, "2.21.0");
  fw.gpu_targets = std::vector<std::string>{"sm_90a"};
  f.nvml.gpus[0].compute_capability = std::string("9.0");
  EXPECT_FALSE(has(framework_findings(f), "framework.gpu_arch_unsupported"));
  f.nvml.gpus[0].compute_capability = std::string("10.0");
  EXPECT_TRUE(has(framework_findings(f), "framework.gpu_arch_unsupported"));
}

// compute_90a is PTX for exactly 9.0: on a 10.0 GPU it is no kernel image,
// not a slow first start; compute_100f serves only its own major.
TEST(FrameworkRules, ArchSpecificPtxIsNoKernelImageElsewhere) {
  FactSet f = healthy_facts();
  auto& fw = add_framework(f, Framework::tensorflow, "2.21.0");
  fw.gpu_targets = std::vector<std::string>{"compute_90a"};
  f.nvml.gpus[0].compute_capability = std::string("9.0");
  EXPECT_TRUE(has(framework_findings(f), "framework.gpu_arch_ptx_only"));
  f.nvml.gpus[0].compute_capability = std::string("10.0");
  EXPECT_TRUE(has(framework_findings(f), "framework.gpu_arch_unsupported"));
  EXPECT_FALSE(has(framework_findings(f), "framework.gpu_arch_ptx_only"));
  fw.gpu_targets = std::vector<std::string>{"compute_100f"};
  f.nvml.gpus[0].compute_capability = std::string("10.3");
  EXPECT_TRUE(has(framework_findings(f), "framework.gpu_arch_ptx_only"));
  f.nvml.gpus[0].compute_capability = std::string("12.0");
  EXPECT_TRUE(has(framework_findings(f), "framework.gpu_arch_unsupported"));
  // Plain PTX still JIT-compiles for every later GPU.
  fw.gpu_targets = std::vector<std::string>{"compute_90"};
  EXPECT_TRUE(has(framework_findings(f), "framework.gpu_arch_ptx_only"));
}

const Finding* get(const std::vector<Finding>& fs, const std::string& id) {
  for (const auto& x : fs) {
    if (x.id == id) return &x;
  }
  return nullptr;
}

TEST(FrameworkRules, AWheelForThisMachineOrAPurePythonOneIsFine) {
  FactSet f = healthy_facts();
  auto& fw = add_framework(f, Framework::tensorflow, "2.21.0");
  fw.wheel_tags = std::vector<std::string>{"cp311-cp311-manylinux_2_17_x86_64",
                                           "cp311-cp311-manylinux2014_x86_64"};
  EXPECT_FALSE(has(framework_findings(f), "framework.wheel_wrong_architecture"));
  f.python.environments[0].frameworks[0].wheel_tags = std::vector<std::string>{"py3-none-any"};
  EXPECT_FALSE(has(framework_findings(f), "framework.wheel_wrong_architecture"));
  // A platform ongpu cannot judge decides nothing.
  f.python.environments[0].frameworks[0].wheel_tags =
      std::vector<std::string>{"cp311-cp311-android_21_arm64_v8a"};
  EXPECT_FALSE(has(framework_findings(f), "framework.wheel_wrong_architecture"));
  // No interpreter answer, no verdict.
  f.python.environments[0].frameworks[0].wheel_tags =
      std::vector<std::string>{"cp311-cp311-manylinux_2_17_aarch64"};
  f.python.environments[0].machine = Fact<std::string>::missing("the interpreter did not answer");
  EXPECT_FALSE(has(framework_findings(f), "framework.wheel_wrong_architecture"));
}

TEST(FrameworkRules, AWrongArchitectureWheelIsReinstalledWithTheInterpretersPip) {
  FactSet f = healthy_facts();
  auto& fw = add_framework(f, Framework::jax, "0.10.2");
  fw.components = {{"jaxlib", "0.10.2"}, {"jax-cuda12-plugin", "0.10.2"}};
  fw.wheel_tags = std::vector<std::string>{"cp311-cp311-macosx_11_0_arm64"};  // jaxlib's
  auto found = framework_findings(f);
  const Finding* x = get(found, "framework.wheel_wrong_architecture");
  ASSERT_NE(x, nullptr);
  EXPECT_NE(words(*x).summary.find("jaxlib 0.10.2 is a wheel for macosx_11_0_arm64"),
            std::string::npos)
      << words(*x).summary;
  EXPECT_NE(words(*x).summary.find("linux x86_64"), std::string::npos) << words(*x).summary;
  EXPECT_EQ(words(*x).fix[0], "/venv/bin/python -m pip install --force-reinstall jaxlib==0.10.2");
  Report r = build_report(f);
  EXPECT_EQ(r.frameworks[0].root_cause, "framework.wheel_wrong_architecture");
}

TEST(FrameworkRules, TheCudnnTheLoaderFindsIsComparedWithTheTestedBuild) {
  // build_info.py says '9'; TF 2.21 was built with 9.3 (tensorflow_gpu.csv),
  // and TF refuses an older minor.
  auto found = framework_findings(tf_with_system_cudnn("9.1.0"));
  const Finding* x = get(found, "framework.cudnn_mismatch");
  ASSERT_NE(x, nullptr);
  EXPECT_NE(words(*x).summary.find("built with cuDNN 9.3"), std::string::npos) << words(*x).summary;
  EXPECT_NE(words(*x).summary.find("loads cuDNN 9.1.0 (/opt/cudnn/lib/libcudnn.so.9.1.0"),
            std::string::npos)
      << words(*x).summary;
  // A system install: replace that copy (or put a wheel first), not "install the pinned wheel".
  EXPECT_EQ(
      words(*x).fix[0].rfind("install cuDNN 9.3 or a newer 9.x built for CUDA 12 where the loader "
                             "finds it (now /opt/cudnn/lib",
                             0),
      0u)
      << words(*x).fix[0];
  ASSERT_EQ(words(*x).fix.size(), 2u);
  EXPECT_NE(words(*x).fix[1].find("'nvidia-cudnn-cu12>=9.3,<10'"), std::string::npos)
      << words(*x).fix[1];
  EXPECT_NE(words(*x).fix[1].find("LD_LIBRARY_PATH"), std::string::npos) << words(*x).fix[1];
  // An equal or newer minor is fine (9.10 > 9.3 as numbers).
  EXPECT_FALSE(has(framework_findings(tf_with_system_cudnn("9.3.0")), "framework.cudnn_mismatch"));
  EXPECT_FALSE(has(framework_findings(tf_with_system_cudnn("9.10.1")), "framework.cudnn_mismatch"));
}

TEST(FrameworkRules, TheLibrarysOwnVersionComesFirst) {
  FactSet f = tf_with_system_cudnn("9.3.0");
  auto& lib = f.python.environments[0].frameworks[0].libraries[0];
  lib.reported_version = std::string("9.1.0");  // cudnnGetVersion of a renamed file
  auto found = framework_findings(f);
  const Finding* x = get(found, "framework.cudnn_mismatch");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->evidence.back().path, "frameworks[].libraries[].reported_version");
  // A file name with the major only says nothing about the minor: no finding.
  FactSet g = tf_with_system_cudnn("9");
  EXPECT_FALSE(has(framework_findings(g), "framework.cudnn_mismatch"));
}

TEST(FrameworkRules, ACudnnWheelTheLoaderTakesIsJudgedByTheWheelsVersion) {
  // The resolved file in the wheel is libcudnn.so.9 (no minor): the wheel's
  // version speaks for it, against the tested 9.3.
  FactSet f = tf_with_libraries();
  auto& fw = f.python.environments[0].frameworks[0];
  fw.cuda_wheels[0].installed = "9.1.0.70";
  auto found = framework_findings(f);
  const Finding* x = get(found, "framework.cudnn_mismatch");
  ASSERT_NE(x, nullptr);
  EXPECT_NE(words(*x).summary.find("nvidia-cudnn-cu12 9.1.0.70 is installed"), std::string::npos)
      << words(*x).summary;
  EXPECT_EQ(words(*x).fix[0],
            "/venv/bin/python -m pip install 'nvidia-cudnn-cu12<10.0,>=9.3.0.75'");
}

TEST(FrameworkRules, TensorflowWithoutPinsIsToldToInstallItsCudaAndCudnn) {
  // TF 2.12: CUDA 11.8 and cuDNN 8 in build_info.py, no [and-cuda] extra.
  FactSet f = healthy_facts();
  auto& fw = add_framework(f, Framework::tensorflow, "2.12.0");
  fw.cuda_version = std::string("11.8");
  fw.cudnn_version = std::string("8");
  LibraryFact l;
  l.soname = "libcusolver.so.11";
  l.wanted_by = "build_info.py cuda_version 11.8";
  l.outcome = LibraryOutcome::not_found;
  l.path = l.real_path = l.version = l.reported_version = Fact<std::string>::missing("not found");
  fw.libraries.push_back(l);
  auto found = framework_findings(f);
  const Finding* x = get(found, "framework.cuda_library_missing");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(words(*x).fix[0].find("pip install"), std::string::npos) << words(*x).fix[0];
  // cuDNN 8.6: TF 2.12's tested build (tensorflow_gpu.csv), whose major agrees with build_info's
  // '8'.
  EXPECT_NE(words(*x).fix[0].find("install CUDA 11.8 and cuDNN 8.6 (or a newer 8.x) yourself"),
            std::string::npos)
      << words(*x).fix[0];
  EXPECT_FALSE(has(found, "framework.cuda_wheels_missing"));

  // Several missing: one finding, one fix, and the copies off the loader's path.
  auto& libs = f.python.environments[0].frameworks[0].libraries;
  l.soname = "libcudnn.so.8";
  l.wanted_by = "build_info.py cudnn_version 8";
  l.other_copies = {{"/opt/conda/lib/libcudnn.so.8", OtherCopy::Status::not_on_search_path,
                     "in /opt/conda/lib, which the loader does not search"}};
  libs.push_back(l);
  auto several = framework_findings(f);
  ASSERT_EQ(
      std::count_if(several.begin(), several.end(),
                    [](const Finding& y) { return y.id == "framework.cuda_library_missing"; }),
      1);
  const Finding* y = get(several, "framework.cuda_library_missing");
  EXPECT_EQ(
      words(*y).summary,
      "TensorFlow 2.12.0 needs libcusolver.so.11, libcudnn.so.8, and the loader finds them nowhere "
      "(copies are in /opt/conda/lib, which it does not search)");
  ASSERT_EQ(words(*y).fix.size(), 2u);
  EXPECT_EQ(words(*y).fix[1],
            "or: export LD_LIBRARY_PATH=/opt/conda/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}");
}

TEST(FrameworkRules, LibrariesOfOneCudaReleaseAreNotMixed) {
  // All from the CUDA 12 wheels; a wheel cuDNN beside a system CUDA 12 toolkit.
  FactSet f = tf_with_libraries();
  auto& fw = f.python.environments[0].frameworks[0];
  f.python.environments[0].distributions.push_back({"nvidia-cudnn-cu12",
                                                    "9.3.0.75",
                                                    "pip",
                                                    "/venv/lib/python3.11/site-packages",
                                                    "nvidia_cudnn_cu12-9.3.0.75.dist-info",
                                                    {}});
  fw.libraries.push_back(found_library(
      "libcudart.so.12", "/usr/local/cuda-12.4/lib64/libcudart.so.12.4.127",
      LoaderStep::ld_library_path, "LD_LIBRARY_PATH entry /usr/local/cuda-12.4/lib64"));
  fw.libraries.push_back(found_library(
      "libcublas.so.12", "/venv/lib/python3.11/site-packages/nvidia/cublas/lib/libcublas.so.12",
      LoaderStep::dt_runpath, "DT_RUNPATH of libtensorflow_framework.so.2"));
  EXPECT_FALSE(has(framework_findings(f), "framework.cuda_libraries_mixed"));
  // Sonames shared by several releases say nothing by themselves.
  fw.libraries.push_back(found_library("libcurand.so.10",
                                       "/usr/lib/x86_64-linux-gnu/libcurand.so.10",
                                       LoaderStep::ld_so_cache, "ld.so.cache"));
  EXPECT_FALSE(has(framework_findings(f), "framework.cuda_libraries_mixed"));
}

TEST(FrameworkRules, MixedReleasesNameEachLibraryAndTheWayOut) {
  FactSet f = tf_with_libraries();
  auto& fw = f.python.environments[0].frameworks[0];
  f.python.environments[0].distributions.push_back({"nvidia-cudnn-cu12",
                                                    "9.3.0.75",
                                                    "pip",
                                                    "/venv/lib/python3.11/site-packages",
                                                    "nvidia_cudnn_cu12-9.3.0.75.dist-info",
                                                    {}});
  fw.libraries.push_back(found_library("libcusparse.so.12",
                                       "/usr/local/cuda-13.0/lib/libcusparse.so.12",
                                       LoaderStep::ld_so_cache, "ld.so.cache"));
  fw.libraries.push_back(found_library("libcufft.so.12", "/opt/cuda-13.0/lib64/libcufft.so.12",
                                       LoaderStep::ld_library_path,
                                       "LD_LIBRARY_PATH entry /opt/cuda-13.0/lib64"));
  auto found = framework_findings(f);
  const Finding* x = get(found, "framework.cuda_libraries_mixed");
  ASSERT_NE(x, nullptr);
  EXPECT_NE(words(*x).summary.find("(built with CUDA 12.5.1)"), std::string::npos)
      << words(*x).summary;
  EXPECT_NE(words(*x).summary.find(
                "libcudnn.so.9 from /venv/lib/python3.11/site-packages/nvidia/cudnn/lib "
                "(CUDA 12 by its wheel nvidia-cudnn-cu12)"),
            std::string::npos)
      << words(*x).summary;
  EXPECT_NE(words(*x).summary.find(
                "libcusparse.so.12 from /usr/local/cuda-13.0/lib (CUDA 13.0 by its directory)"),
            std::string::npos)
      << words(*x).summary;
  EXPECT_EQ(x->severity, Severity::warning);
  ASSERT_EQ(words(*x).fix.size(), 3u);
  EXPECT_EQ(words(*x).fix[0].rfind("/usr/local/cuda-13.0/lib comes from the loader's cache", 0), 0u)
      << words(*x).fix[0];
  EXPECT_EQ(words(*x).fix[1], "remove /opt/cuda-13.0/lib64 from LD_LIBRARY_PATH");
  EXPECT_NE(words(*x).fix[2].find("install 'tensorflow[and-cuda]==2.21.0'"), std::string::npos)
      << words(*x).fix[2];
}

TEST(FrameworkRules, TwoToolkitsOfOneMajorAreMixedToo) {
  FactSet f = healthy_facts();
  auto& fw = add_framework(f, Framework::tensorflow, "2.12.0");
  fw.cuda_version = std::string("11.8");
  fw.cudnn_version = std::string("8");
  fw.libraries.push_back(found_library(
      "libcudart.so.11.0", "/usr/local/cuda-11.8/lib64/libcudart.so.11.8.89",
      LoaderStep::ld_library_path, "LD_LIBRARY_PATH entry /usr/local/cuda-11.8/lib64"));
  fw.libraries.push_back(found_library(
      "libcufft.so.10", "/usr/local/cuda-11.2/lib64/libcufft.so.10.4.0.72",
      LoaderStep::ld_library_path, "LD_LIBRARY_PATH entry /usr/local/cuda-11.2/lib64"));
  auto found = framework_findings(f);
  const Finding* x = get(found, "framework.cuda_libraries_mixed");
  ASSERT_NE(x, nullptr);
  // The build's own toolkit (11.8) stays; the other is the one to remove.
  EXPECT_EQ(words(*x).fix[0], "remove /usr/local/cuda-11.2/lib64 from LD_LIBRARY_PATH");
  EXPECT_EQ(words(*x).fix.back().find("pip"), std::string::npos)
      << words(*x).fix.back();  // no pins: install CUDA yourself
}

TEST(FrameworkRules, FixesInstallIntoTheSameInterpreter) {
  FactSet f = healthy_facts();
  add_framework(f, Framework::jax, "0.10.2", BuildFlavor::cpu);
  auto found = framework_findings(f);
  ASSERT_TRUE(has(found, "framework.cpu_only_build"));
  EXPECT_EQ(words(found[0]).fix[0].rfind("/venv/bin/python -m pip install", 0), 0u)
      << words(found[0]).fix[0];
}

}  // namespace
// Each fix keeps the installed release and installs only what is missing;
// tests/ground_truth applies them to real environments with each wheel removed.
TEST(FrameworkRules, AMissingPinnedWheelIsInstalledByTheFrameworksOwnRequirement) {
  FactSet f = healthy_facts();
  auto& jax = add_framework(f, Framework::jax, "0.10.2");
  jax.components = {{"jaxlib", "0.10.2"}, {"jax-cuda12-plugin", "0.10.1"}};
  jax.cuda_version = std::string("12.9");
  const Finding* skew = nullptr;
  auto found = framework_findings(f);
  for (const auto& x : found) {
    if (x.id == "framework.jax_version_skew") skew = &x;
  }
  ASSERT_NE(skew, nullptr);
  EXPECT_EQ(words(*skew).fix[0], "/venv/bin/python -m pip install 'jax[cuda12]==0.10.2'");

  FactSet t = healthy_facts();
  auto& torch = add_framework(t, Framework::torch, "2.10.0+cu126");
  torch.cuda_wheels = {{"nvidia-nvtx-cu12", "==12.6.77", "", ""},
                       {"nvidia-cublas-cu12", "==12.6.4.1", "", "12.6.4.1"}};
  found = framework_findings(t);
  const Finding* partial = nullptr;
  for (const auto& x : found) {
    if (x.id == "framework.cuda_wheels_partial") partial = &x;
  }
  ASSERT_NE(partial, nullptr);
  EXPECT_EQ(words(*partial).fix[0],
            "/venv/bin/python -m pip install torch==2.10.0+cu126 --extra-index-url "
            "https://download.pytorch.org/whl/cu126");
}

TEST(FrameworkRules, AnInstalledWheelWhoseLibraryIsGoneIsReinstalledAloneAtItsVersion) {
  FactSet f = tf_with_libraries();
  auto& fw = f.python.environments[0].frameworks[0];
  auto& lib = fw.libraries[0];
  lib.outcome = LibraryOutcome::not_found;
  lib.path = lib.real_path = lib.version = Fact<std::string>::missing("not found");
  auto found = framework_findings(f);
  const Finding* x = nullptr;
  for (const auto& y : found) {
    if (y.id == "framework.cuda_wheels_unreachable") x = &y;
  }
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(
      words(*x).fix[0],
      "/venv/bin/python -m pip install --force-reinstall --no-deps nvidia-cudnn-cu12==9.3.0.75");
}

// An interpreter that did not answer is a warning on a usable GPU, named in
// the text report; one without frameworks is named as such.
TEST(FrameworkRules, AnUncheckedEnvironmentIsNeverACleanBillOfHealth) {
  FactSet f = healthy_facts();
  PythonEnv slow;
  slow.interpreter = "/slow/venv/bin/python";
  slow.probe.status = ProbeStatus::timed_out;
  slow.probe.deadline_ms = 10000;
  f.python.environments.push_back(slow);
  PythonEnv empty;
  empty.interpreter = "/usr/bin/python3";
  empty.version = std::string("3.11.2");
  empty.probe.status = ProbeStatus::ok;
  f.python.environments.push_back(empty);
  Report r = build_report(f);
  EXPECT_EQ(r.verdict.exit_code, 1);
  EXPECT_NE(verdict_summary(r).find("1 Python environment could not be checked"), std::string::npos)
      << verdict_summary(r);
  const std::string text = render_doctor_text(r, {false, false});
  EXPECT_NE(text.find("Frameworks in /slow/venv/bin/python:"), std::string::npos) << text;
  EXPECT_NE(text.find("did not answer within 10 s"), std::string::npos) << text;
  EXPECT_NE(
      text.find("Frameworks in /usr/bin/python3 (Python 3.11.2):\n    • no framework installed"),
      std::string::npos)
      << text;
  EXPECT_EQ(text.find("No issues found"), std::string::npos) << text;
}

// What cannot be read is never a GPU: torch's package directory gone, even
// with a "+cpu" version (issue: hardening §5).
TEST(FrameworkRules, AnUnreadableBuildIsUnknownNeverGpu) {
  FactSet f = healthy_facts();
  auto& fw = add_framework(f, Framework::torch, "2.3.0+cpu");
  fw.flavor = BuildFlavor::unknown;
  fw.cuda_version = Fact<std::string>::missing("the torch package directory is missing");
  Report r = build_report(f);
  ASSERT_EQ(r.frameworks.size(), 1u);
  EXPECT_FALSE(r.frameworks[0].gpu);
  EXPECT_TRUE(r.frameworks[0].unknown);
  EXPECT_EQ(r.frameworks[0].root_cause, "framework.build_unknown");
  EXPECT_EQ(r.verdict.exit_code, 1);
  const std::string text = render_doctor_text(r, {false, false});
  EXPECT_NE(text.find("torch 2.3.0+cpu (torch): unknown"), std::string::npos) << text;
  EXPECT_EQ(text.find("No issues found"), std::string::npos) << text;
}

}  // namespace ongpu
