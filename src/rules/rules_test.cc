#include "rules/rules.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <functional>

#include "render/finding_words.h"
#include "rules/catalog.h"
#include "rules/test_facts.h"
#include "rules/test_rules.h"

namespace ongpu {
namespace {

using testing::evaluate_worded;
using testing::healthy_facts;

std::vector<std::string> ids(const std::vector<Finding>& fs) {
  std::vector<std::string> out;
  for (const auto& f : fs) out.push_back(f.id);
  return out;
}

bool has(const std::vector<Finding>& fs, const std::string& id) {
  for (const auto& f : fs) {
    if (f.id == id) return true;
  }
  return false;
}

const Finding* get(const std::vector<Finding>& fs, const std::string& id) {
  for (const auto& f : fs) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

struct Case {
  std::string id;
  std::function<void(FactSet&)> breakage;
  int gpus = 1;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.id; }

class RuleFires : public ::testing::TestWithParam<Case> {};

TEST_P(RuleFires, OnItsBreakageOnly) {
  const Case& c = GetParam();
  FactSet f = healthy_facts(c.gpus);
  ASSERT_TRUE(evaluate_worded(f).empty()) << "healthy facts must give no finding";
  c.breakage(f);
  auto found = evaluate_worded(f);
  ASSERT_TRUE(has(found, c.id)) << c.id
                                << " did not fire; got: " << ::testing::PrintToString(ids(found));
  const Finding* x = get(found, c.id);
  EXPECT_NE(find_catalog_entry(x->id), nullptr);
  const auto words = finding_words(*x);
  EXPECT_FALSE(words.summary.empty());
  EXPECT_FALSE(words.fix.empty()) << c.id << " has no fix";
  EXPECT_FALSE(x->evidence.empty()) << c.id << " has no evidence";
}

void no_cuda_gpu(FactSet& f) {
  f.cuda.init = ApiResult{100, "CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected"};
  f.cuda.device_count = Fact<int>::missing("cuInit failed");
  f.cuda.devices.clear();
}

const Case kCases[] = {
    {"pci.unreadable",
     [](FactSet& f) { f.pci.nvidia_devices = Fact<std::vector<PciDevice>>::missing("EACCES"); }},
    {"pci.no_nvidia_device",
     [](FactSet& f) {
       f.pci.nvidia_devices = std::vector<PciDevice>{};
       f.nvml.device_count = 0u;
       no_cuda_gpu(f);
     }},
    {"pci.no_driver_bound", [](FactSet& f) { (*f.pci.nvidia_devices.value)[0].driver = ""; }},
    {"pci.nouveau_bound", [](FactSet& f) { (*f.pci.nvidia_devices.value)[0].driver = "nouveau"; }},
    {"pci.vfio_bound", [](FactSet& f) { (*f.pci.nvidia_devices.value)[0].driver = "vfio-pci"; }},
    {"module.not_loaded",
     [](FactSet& f) {
       f.kernel_module.nvidia_loaded = f.kernel_module.nvidia_uvm_loaded = false;
       (*f.pci.nvidia_devices.value)[0].driver = "";
     }},
    {"module.uvm_not_loaded", [](FactSet& f) { f.kernel_module.nvidia_uvm_loaded = false; }},
    {"nodes.missing", [](FactSet& f) { f.device_nodes.nodes[0].exists = false; }},
    {"nodes.uvm_missing", [](FactSet& f) { f.device_nodes.nodes[1].exists = false; }},
    {"nodes.inaccessible",
     [](FactSet& f) {
       f.device_nodes.nodes[3].readable = f.device_nodes.nodes[3].writable = false;
       f.device_nodes.nodes[3].mode = 0660;
     }},
    {"driver.libcuda_missing",
     [](FactSet& f) {
       f.cuda.library.loaded = false;
       f.cuda.library.load_error = "libcuda.so.1: cannot open shared object file";
     }},
    {"driver.libnvml_missing",
     [](FactSet& f) {
       f.nvml.library.loaded = false;
       f.nvml.library.load_error = "libnvidia-ml.so.1: cannot open shared object file";
     }},
    {"driver.libcuda_stub",
     [](FactSet& f) {
       f.cuda.library.stub = true;
       f.cuda.library.path = std::string("/opt/cuda/lib64/stubs/libcuda.so.1");
       f.cuda.init = ApiResult{34, "CUDA_ERROR_STUB_LIBRARY", "stub"};
     }},
    {"driver.libnvml_stub", [](FactSet& f) { f.nvml.library.stub = true; }},
    {"driver.version_mismatch",
     [](FactSet& f) { f.kernel_module.version = std::string("550.54.14"); }},
    {"nvml.probe_not_started",
     [](FactSet& f) {
       f.nvml.probe.status = ProbeStatus::spawn_failed;
       f.nvml.probe.stderr_tail = "Too many open files";
       f.nvml.probe.spawn_errno = EMFILE;
     }},
    {"cuda.probe_not_started",
     [](FactSet& f) {
       f.cuda.probe.status = ProbeStatus::spawn_failed;
       f.cuda.probe.stderr_tail = "No such file or directory";
     }},
    {"nvml.probe_crashed",
     [](FactSet& f) {
       f.nvml.probe.status = ProbeStatus::crashed;
       f.nvml.probe.signal = 11;
       f.nvml.probe.last_stage = "nvmlInit_v2";
     }},
    {"nvml.probe_timed_out",
     [](FactSet& f) {
       f.nvml.probe.status = ProbeStatus::timed_out;
       f.nvml.probe.last_stage = "nvmlInit_v2";
     }},
    {"nvml.probe_failed", [](FactSet& f) { f.nvml.probe.status = ProbeStatus::garbage; }},
    {"nvml.init_failed",
     [](FactSet& f) {
       f.nvml.init = ApiResult{999, "NVML_ERROR_UNKNOWN", "Unknown Error"};
     }},
    {"nvml.absurd_device_count", [](FactSet& f) { f.nvml.device_count = 100000u; }},
    {"cuda.probe_crashed", [](FactSet& f) { f.cuda.probe.status = ProbeStatus::crashed; }},
    {"cuda.probe_timed_out", [](FactSet& f) { f.cuda.probe.status = ProbeStatus::timed_out; }},
    {"cuda.probe_failed", [](FactSet& f) { f.cuda.probe.status = ProbeStatus::exited; }},
    {"cuda.init_failed",
     [](FactSet& f) {
       f.cuda.init = ApiResult{304, "CUDA_ERROR_OPERATING_SYSTEM", "OS call failed"};
       f.cuda.devices.clear();
     }},
    {"cuda.no_visible_device",
     [](FactSet& f) {
       f.cuda.device_count = 0;
       f.cuda.devices.clear();
     }},
    {"cuda.context_failed",
     [](FactSet& f) {
       f.cuda.devices[0].context = ApiResult{2, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory"};
     }},
    {"gpu.compute_prohibited",
     [](FactSet& f) { f.nvml.gpus[0].compute_mode = ComputeMode::prohibited; }},
    {"gpu.exclusive_process_busy",
     [](FactSet& f) {
       f.nvml.gpus[0].compute_mode = ComputeMode::exclusive_process;
       f.nvml.gpus[0].compute_processes = std::vector<GpuProcess>{{4242, uint64_t{1} << 30}};
     }},
    {"gpu.mig_no_instance", [](FactSet& f) { f.nvml.gpus[0].mig_enabled = true; }},
    {"gpu.retired_pages_pending", [](FactSet& f) { f.nvml.gpus[0].retired_pages_pending = true; }},
    {"gpu.row_remap_pending", [](FactSet& f) { f.nvml.gpus[0].row_remap_pending = true; }},
    {"gpu.row_remap_failed", [](FactSet& f) { f.nvml.gpus[0].row_remap_failed = true; }},
    {"env.cvd_hides_all", [](FactSet& f) { f.env.cuda_visible_devices = "-1"; }},
    {"env.cvd_unknown_gpu", [](FactSet& f) { f.env.cuda_visible_devices = "0,5"; }, 2},
    {"env.cvd_ends_early", [](FactSet& f) { f.env.cuda_visible_devices = "0,-1,1"; }, 2},
    {"env.device_order_differs",
     [](FactSet& f) { std::swap(f.cuda.devices[0], f.cuda.devices[1]); }, 2},
    {"env.debug_variables",
     [](FactSet& f) { f.env.debug_variables["CUDA_INJECTION64_PATH"] = "/opt/x.so"; }},
    {"env.nvidia_visible_devices_void",
     [](FactSet& f) {
       f.host.container = "docker";
       f.env.nvidia_visible_devices = "void";
     }},
};

INSTANTIATE_TEST_SUITE_P(Catalog, RuleFires, ::testing::ValuesIn(kCases), [](const auto& info) {
  std::string n = info.param.id;
  for (char& c : n) {
    if (c == '.') c = '_';
  }
  return n;
});

TEST(Rules, EveryCatalogEntryHasAFiringCase) {
  for (const auto& e : catalog()) {
    if (e.id.substr(0, 10) == "framework.") continue;  // framework_rules_test.cc
    if (e.id.substr(0, 7) == "verify.") continue;      // src/verify/verify_rules_test.cc
    bool covered = false;
    for (const auto& c : kCases) covered = covered || c.id == e.id;
    EXPECT_TRUE(covered) << e.id << " has no test where it fires";
  }
}

TEST(Rules, HealthyMachineIsUsableWithoutWarnings) {
  auto f = healthy_facts(8);
  auto v = decide(f, evaluate_worded(f));
  EXPECT_TRUE(v.gpu_usable);
  EXPECT_EQ(v.exit_code, 0);
}

TEST(Rules, SecureBootNamedOnlyWhenOn) {
  auto f = healthy_facts();
  f.kernel_module.nvidia_loaded = f.kernel_module.nvidia_uvm_loaded = false;
  (*f.pci.nvidia_devices.value)[0].driver = "";
  auto found_off = evaluate_worded(f);
  auto off = get(found_off, "module.not_loaded");
  ASSERT_NE(off, nullptr);
  EXPECT_EQ(finding_words(*off).summary.find("Secure Boot"), std::string::npos);
  f.kernel_module.secure_boot = true;
  auto found_on = evaluate_worded(f);
  auto on = get(found_on, "module.not_loaded");
  ASSERT_NE(on, nullptr);
  EXPECT_NE(finding_words(*on).summary.find("Secure Boot"), std::string::npos);
}

TEST(Rules, NouveauIsTheCauseNotTheMissingModule) {
  auto f = healthy_facts();
  f.kernel_module.nvidia_loaded = false;
  (*f.pci.nvidia_devices.value)[0].driver = "nouveau";
  auto found = evaluate_worded(f);
  EXPECT_TRUE(has(found, "pci.nouveau_bound"));
  EXPECT_FALSE(has(found, "module.not_loaded"));
}

TEST(Rules, WslNeedsNoPciDeviceModuleOrNodes) {
  auto f = healthy_facts();
  f.host.wsl = true;
  f.pci.nvidia_devices = std::vector<PciDevice>{};
  f.kernel_module.nvidia_loaded = f.kernel_module.nvidia_uvm_loaded = false;
  f.kernel_module.version = Fact<std::string>::missing("no /proc/driver/nvidia");
  f.device_nodes.nodes.clear();
  EXPECT_TRUE(evaluate_worded(f).empty()) << ::testing::PrintToString(ids(evaluate_worded(f)));
}

TEST(Rules, StubNamesTheLdLibraryPathEntryAndTheCleanValue) {
  auto f = healthy_facts();
  f.env.ld_library_path = "/usr/local/cuda/lib64:/usr/local/cuda/lib64/stubs";
  f.cuda.library.stub = true;
  f.cuda.library.ld_library_path_entry = std::string("/usr/local/cuda/lib64/stubs");
  f.cuda.init = ApiResult{34, "CUDA_ERROR_STUB_LIBRARY", "stub"};
  auto found_x = evaluate_worded(f);
  auto x = get(found_x, "driver.libcuda_stub");
  ASSERT_NE(x, nullptr);
  const auto words = finding_words(*x);
  EXPECT_NE(words.summary.find("/usr/local/cuda/lib64/stubs"), std::string::npos);
  ASSERT_FALSE(words.fix.empty());
  EXPECT_NE(words.fix[0].find("export LD_LIBRARY_PATH=/usr/local/cuda/lib64 "), std::string::npos)
      << words.fix[0];
  EXPECT_FALSE(has(evaluate_worded(f), "cuda.init_failed"));  // one finding, not two
}

TEST(Rules, TimeoutMessageNamesTheCallAndDeadline) {
  auto f = healthy_facts();
  f.cuda.probe.status = ProbeStatus::timed_out;
  f.cuda.probe.last_stage = "cuInit";
  f.cuda.probe.deadline_ms = 10000;
  auto found_x = evaluate_worded(f);
  auto x = get(found_x, "cuda.probe_timed_out");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(finding_words(*x).summary, "the driver did not return from cuInit within 10 s");
}

TEST(Rules, PartialContextFailureIsAWarning) {
  auto f = healthy_facts(2);
  f.cuda.devices[1].context = ApiResult{46, "CUDA_ERROR_DEVICE_UNAVAILABLE", "busy"};
  auto found = evaluate_worded(f);
  auto v = decide(f, found);
  EXPECT_TRUE(v.gpu_usable);
  EXPECT_EQ(v.exit_code, 1);
  EXPECT_EQ(get(found, "cuda.context_failed")->severity, Severity::warning);
}

TEST(Rules, CvdHidingAllMakesTheMachineNotUsable) {
  auto f = healthy_facts(2);
  f.env.cuda_visible_devices = "";
  f.cuda_all = f.cuda;  // the unfiltered enumeration
  no_cuda_gpu(f);
  auto found = evaluate_worded(f);
  auto v = decide(f, found);
  EXPECT_FALSE(v.gpu_usable);
  EXPECT_EQ(v.root_cause, "env.cvd_hides_all");
  EXPECT_FALSE(has(found, "cuda.init_failed"));  // the variable explains NO_DEVICE
}

TEST(Rules, OngpusOwnProbeIsNotAnotherUserOfAnExclusiveGpu) {
  auto f = healthy_facts();
  f.nvml.gpus[0].compute_mode = ComputeMode::exclusive_process;
  f.cuda.probe.pid = 4242;
  f.nvml.gpus[0].compute_processes = std::vector<GpuProcess>{{4242, uint64_t{1} << 20}};
  EXPECT_FALSE(has(evaluate_worded(f), "gpu.exclusive_process_busy"));
  f.nvml.gpus[0].compute_processes.value->push_back({777, uint64_t{1} << 30});
  EXPECT_TRUE(has(evaluate_worded(f), "gpu.exclusive_process_busy"));
}

TEST(Rules, ForwardCompatibleLibcudaIsNoVersionMismatch) {
  auto f = healthy_facts();
  f.cuda.library.version = std::string("590.48.01");  // cuda-compat's libcuda, and cuInit succeeded
  EXPECT_FALSE(has(evaluate_worded(f), "driver.version_mismatch"));
  f.cuda.init = ApiResult{803, "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH", "mismatch"};
  f.cuda.devices.clear();
  EXPECT_TRUE(has(evaluate_worded(f), "driver.version_mismatch"));
}

TEST(Rules, PciBusIdOrderIsRespected) {
  auto f = healthy_facts(2);
  std::swap(f.cuda.devices[0], f.cuda.devices[1]);
  f.env.cuda_device_order = "PCI_BUS_ID";
  EXPECT_FALSE(has(evaluate_worded(f), "env.device_order_differs"));
}

TEST(Rules, FindingsComeInChainOrder) {
  auto f = healthy_facts();
  f.env.debug_variables["CUDA_LAUNCH_BLOCKING"] = "1";
  f.kernel_module.nvidia_uvm_loaded = false;
  auto found = evaluate_worded(f);
  ASSERT_GE(found.size(), 2u);
  EXPECT_EQ(found.front().id, "module.uvm_not_loaded");
  EXPECT_EQ(found.back().id, "env.debug_variables");
}

}  // namespace
}  // namespace ongpu

namespace ongpu {
namespace {

using testing::healthy_facts;

const Finding* finding(const std::vector<Finding>& all, std::string_view id) {
  for (const auto& f : all) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

// Only a node CUDA needs for a usable GPU is an error (nodes: nvidiactl,
// nvidia-uvm, nvidia-uvm-tools, then nvidiaN).
TEST(NodeSeverity, UvmToolsIsOnlyAWarning) {
  auto f = healthy_facts();
  f.device_nodes.nodes[2].readable = f.device_nodes.nodes[2].writable = false;
  const auto all = evaluate_worded(f);
  const auto* x = finding(all, "nodes.inaccessible");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->severity, Severity::warning);
  const auto v = decide(f, all);
  EXPECT_EQ(v.exit_code, 1);
  EXPECT_EQ(v.root_cause, "");
}

TEST(NodeSeverity, AGpuNodeLockedWhileAnotherIsOpenIsAWarning) {
  auto f = healthy_facts(2);
  f.device_nodes.nodes[4].readable = f.device_nodes.nodes[4].writable = false;  // /dev/nvidia1
  const auto all = evaluate_worded(f);                                          // x points into it
  const auto* x = finding(all, "nodes.inaccessible");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->severity, Severity::warning);
  const auto summary = finding_words(*x).summary;
  EXPECT_NE(summary.find("other GPUs"), std::string::npos) << summary;
  // Every GPU's node locked: nothing can be used, an error.
  f.device_nodes.nodes[3].readable = f.device_nodes.nodes[3].writable = false;
  for (const auto& y : evaluate_worded(f)) {
    if (y.id == "nodes.inaccessible") {
      EXPECT_EQ(y.severity, Severity::error) << finding_words(y).summary;
    }
  }
}

TEST(NodeSeverity, TheControlAndUvmNodesAreErrors) {
  for (size_t i : {0u, 1u}) {
    auto f = healthy_facts(2);
    f.device_nodes.nodes[i].writable = false;
    const auto all = evaluate_worded(f);  // x points into it
    const auto* x = finding(all, "nodes.inaccessible");
    ASSERT_NE(x, nullptr);
    EXPECT_EQ(x->severity, Severity::error) << f.device_nodes.nodes[i].path;
  }
}

}  // namespace
}  // namespace ongpu
