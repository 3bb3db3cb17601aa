#include "rules/framework_rules.h"

#include <gtest/gtest.h>

#include <functional>

#include "rules/catalog.h"
#include "rules/report.h"
#include "rules/rules.h"
#include "rules/test_facts.h"

namespace ongpu {
namespace {

using testing::add_framework;
using testing::healthy_facts;

const knowledge::Knowledge& tables() {
  static const knowledge::Knowledge k = knowledge::Knowledge::load().value();
  return k;
}

Report build_report(const FactSet& f) { return ongpu::build_report(f, tables()); }

std::vector<Finding> framework_findings(const FactSet& f) {
  std::vector<Finding> out;
  Verdict machine = decide(f, evaluate(f));
  framework_rules(f, machine, tables(), out);
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
  auto& fw = add_framework(f, "tensorflow", "2.21.0");
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
  cudnn.outcome = "found";
  cudnn.path = fw.package_dir + "/../nvidia/cudnn/lib/libcudnn.so.9";
  cudnn.real_path = std::string("/venv/lib/python3.11/site-packages/nvidia/cudnn/lib/libcudnn.so.9");
  cudnn.found_by = "DT_RUNPATH of libtensorflow_framework.so.2 ($ORIGIN/../nvidia/cudnn/lib)";
  cudnn.version = std::string("9");
  fw.libraries.push_back(cudnn);
  return f;
}

const Case kCases[] = {
    {"framework.cuda_library_missing", [](FactSet& f) {
       f = tf_with_libraries();
       auto& fw = f.python.environments[0].frameworks[0];
       fw.cuda_wheels[0].installed = "";  // the cudnn wheel is not installed
       fw.libraries[0].outcome = "not_found";
       fw.libraries[0].path = Fact<std::string>::missing("not found");
     }},
    {"framework.cuda_wheels_unreachable", [](FactSet& f) {
       f = tf_with_libraries();
       f.python.environments[0].frameworks[0].libraries[0].outcome = "not_found";
     }},
    {"framework.cuda_library_dependency_missing", [](FactSet& f) {
       f = tf_with_libraries();
       f.python.environments[0].frameworks[0].libraries[0].missing_dependencies = {
           "libnvJitLink.so.12 (libcudnn.so.9 → libnvJitLink.so.12)"};
     }},
    {"framework.cuda_library_shadowed", [](FactSet& f) {
       f = tf_with_libraries();
       auto& lib = f.python.environments[0].frameworks[0].libraries[0];
       lib.real_path = std::string("/usr/local/cuda/lib64/libcudnn.so.9.19.0");
       lib.found_by = "LD_LIBRARY_PATH entry /usr/local/cuda/lib64";
       lib.other_copies = {"/venv/lib/python3.11/site-packages/nvidia/cudnn/lib/libcudnn.so.9: shadowed: later in the search"};
     }},
    {"framework.cpu_only_build", [](FactSet& f) { add_framework(f, "onnxruntime", "1.32.0", "cpu"); }},
    {"framework.tensorflow_gpu_stub", [](FactSet& f) {
       auto& fw = add_framework(f, "tensorflow", "2.12.0", "stub");
       fw.distribution = "tensorflow-gpu";
     }},
    {"framework.tensorflow_gpu_outdated", [](FactSet& f) {
       auto& fw = add_framework(f, "tensorflow", "2.10.0");
       fw.distribution = "tensorflow-gpu";
     }},
    {"framework.conflicting_distributions", [](FactSet& f) {
       auto& fw = add_framework(f, "tensorflow", "2.21.0");
       fw.conflicts = {"tensorflow-cpu 2.21.0 (tensorflow_cpu-2.21.0.dist-info)"};
     }},
    {"framework.platform_unsupported", [](FactSet& f) {
       add_framework(f, "tensorflow", "2.15.0");
       f.python.environments[0].platform = std::string("win32");
     }},
    {"framework.cuda_wheels_missing", [](FactSet& f) {
       f = tf_with_wheels();
       for (auto& w : f.python.environments[0].frameworks[0].cuda_wheels) w.installed = "";
     }},
    {"framework.cuda_wheels_partial", [](FactSet& f) {
       f = tf_with_wheels();
       f.python.environments[0].frameworks[0].cuda_wheels[1].installed = "";
     }},
    {"framework.cudnn_mismatch", [](FactSet& f) {
       f = tf_with_wheels();
       f.python.environments[0].frameworks[0].cuda_wheels[0].installed = "8.9.7.29";
     }},
    {"framework.driver_too_old", [](FactSet& f) {
       add_framework(f, "tensorflow", "2.21.0");
       f.nvml.cuda_driver_version = 11040;
       f.cuda.driver_version = 11040;  // cuDriverGetVersion of the same driver
       f.nvml.driver_version = std::string("470.82.01");
     }},
    {"framework.minor_version_compatibility", [](FactSet& f) {
       add_framework(f, "tensorflow", "2.21.0");  // CUDA 12.5
       f.nvml.cuda_driver_version = 12020;        // 535 branch: CUDA 12.2
       f.cuda.driver_version = 12020;
       f.nvml.driver_version = std::string("535.104.05");
     }},
    {"framework.gpu_arch_unsupported", [](FactSet& f) {
       add_framework(f, "tensorflow", "2.21.0");
       f.nvml.gpus[0].compute_capability = std::string("5.2");  // below sm_60, no PTX <= 5.2
     }},
    {"framework.gpu_arch_ptx_only", [](FactSet& f) {
       add_framework(f, "tensorflow", "2.21.0");
       f.nvml.gpus[0].compute_capability = std::string("10.0");  // only compute_90 reaches it
     }},
    {"framework.jax_version_skew", [](FactSet& f) {
       auto& fw = add_framework(f, "jax", "0.10.2");
       fw.components = {{"jaxlib", "0.10.2"}, {"jax-cuda12-plugin", "0.9.0"}};
     }},
    {"framework.jax_platforms_cpu", [](FactSet& f) {
       add_framework(f, "jax", "0.10.2");
       f.env.jax_platforms = "cpu";
     }},
    {"framework.tf_log_level_hides_warnings", [](FactSet& f) {
       add_framework(f, "tensorflow", "2.21.0");
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
    EXPECT_FALSE(x.fix.empty());
    EXPECT_FALSE(x.evidence.empty());
    EXPECT_NE(find_catalog_entry(x.id), nullptr);
  }
}

INSTANTIATE_TEST_SUITE_P(Catalog, FrameworkRuleFires, ::testing::ValuesIn(kCases), [](const auto& info) {
  std::string n = info.param.id;
  for (char& c : n) {
    if (c == '.') c = '_';
  }
  return n;
});

TEST(FrameworkRules, EveryFrameworkEntryHasAFiringCase) {
  for (const auto& e : catalog()) {
    if (e.id.substr(0, 10) != "framework.") continue;
    bool covered = std::any_of(std::begin(kCases), std::end(kCases), [&](const Case& c) { return c.id == e.id; });
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
  auto found = framework_findings(f);
  EXPECT_FALSE(has(found, "framework.cuda_wheels_missing"));
  EXPECT_FALSE(has(found, "framework.cuda_library_missing"));
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
  add_framework(f, "onnxruntime", "1.32.0", "cpu");
  Report some = build_report(f);
  EXPECT_EQ(some.verdict.exit_code, 1);
  FactSet g = healthy_facts();
  add_framework(g, "onnxruntime", "1.32.0", "cpu");
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
  auto& fw = add_framework(f, "jax", "0.4.37");
  fw.components = {{"jaxlib", "0.4.36"}, {"jax-cuda12-plugin", "0.4.36"}, {"jax-cuda12-pjrt", "0.4.36"}};
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
  add_framework(f, "tensorflow", "2.21.0");
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
  auto& fw = add_framework(f, "tensorflow", "2.21.0");
  fw.gpu_targets = std::vector<std::string>{"sm_90a"};
  f.nvml.gpus[0].compute_capability = std::string("9.0");
  EXPECT_FALSE(has(framework_findings(f), "framework.gpu_arch_unsupported"));
  f.nvml.gpus[0].compute_capability = std::string("10.0");
  EXPECT_TRUE(has(framework_findings(f), "framework.gpu_arch_unsupported"));
}

TEST(FrameworkRules, FixesInstallIntoTheSameInterpreter) {
  FactSet f = healthy_facts();
  add_framework(f, "jax", "0.10.2", "cpu");
  auto found = framework_findings(f);
  ASSERT_TRUE(has(found, "framework.cpu_only_build"));
  EXPECT_EQ(found[0].fix[0].rfind("/venv/bin/python -m pip install", 0), 0u) << found[0].fix[0];
}

}  // namespace
}  // namespace ongpu
