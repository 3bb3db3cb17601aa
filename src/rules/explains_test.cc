#include "rules/explains.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>

#include "render/finding_words.h"
#include "rules/catalog.h"
#include "rules/rules.h"
#include "rules/test_facts.h"
#include "rules/test_rules.h"

namespace ongpu {
namespace {

using testing::evaluate_worded;
using testing::healthy_facts;

// For every pair of the relation: a healthy machine broken so that both
// findings fire, and the condition holds.
const std::map<std::pair<std::string, std::string>, std::function<void(FactSet&)>> kBoth = {
    {{"gpu.exclusive_process_busy", "cuda.context_failed"},
     [](FactSet& f) {
       f.nvml.gpus[0].compute_mode = ComputeMode::exclusive_process;
       f.nvml.gpus[0].compute_processes = std::vector<GpuProcess>{{4242, uint64_t{1} << 30}};
       f.cuda.devices[0].context = ApiResult{46, "CUDA_ERROR_DEVICE_UNAVAILABLE",
                                             "CUDA-capable device(s) is/are busy or unavailable"};
     }},
    {{"gpu.compute_prohibited", "cuda.context_failed"},
     [](FactSet& f) {
       f.nvml.gpus[0].compute_mode = ComputeMode::prohibited;
       f.cuda.devices[0].context = ApiResult{46, "CUDA_ERROR_DEVICE_UNAVAILABLE",
                                             "CUDA-capable device(s) is/are busy or unavailable"};
     }},
    {{"gpu.mig_no_instance", "cuda.init_failed"},
     [](FactSet& f) {
       f.nvml.gpus[0].mig_enabled = true;
       f.cuda.init = ApiResult{100, "CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected"};
       f.cuda.devices.clear();
     }},
    {{"gpu.mig_no_instance", "cuda.no_visible_device"},
     [](FactSet& f) {
       f.nvml.gpus[0].mig_enabled = true;
       f.cuda.device_count = 0;
       f.cuda.devices.clear();
     }},
    {{"env.nvidia_visible_devices_void", "nodes.missing"},
     [](FactSet& f) {
       f.host.container = "docker";
       f.env.nvidia_visible_devices = "none";
       f.device_nodes.nodes[0].exists = false;
       f.cuda.init = ApiResult{100, "CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected"};
       f.cuda.devices.clear();
     }},
    {{"env.nvidia_visible_devices_void", "driver.libcuda_missing"},
     [](FactSet& f) { testing::container_without_driver(f); }},
    {{"env.nvidia_visible_devices_void", "driver.libnvml_missing"},
     [](FactSet& f) {
       f.host.container = "docker";
       f.env.nvidia_visible_devices = "";
       f.nvml.library.loaded = false;
       f.nvml.library.load_error = "libnvidia-ml.so.1: cannot open shared object file";
       f.cuda.library.loaded = false;  // an empty value injects no driver at all
       f.cuda.library.load_error = "libcuda.so.1: cannot open shared object file";
       f.cuda.init = Fact<ApiResult>::missing("libcuda.so.1 could not be loaded");
       f.cuda.devices.clear();
     }},
};

bool fires(const std::vector<Finding>& findings, std::string_view id) {
  return std::any_of(findings.begin(), findings.end(),
                     [&](const Finding& f) { return f.id == id; });
}

TEST(Explains, EveryPairHasACaseWhereBothFireAndTheExplainerWins) {
  for (const auto& e : explanations()) {
    // A live symptom is verify's: verify_rules_test has its cases.
    if (e.explained.starts_with("verify.")) continue;
    SCOPED_TRACE(std::string(e.explainer) + " explains " + std::string(e.explained));
    ASSERT_NE(find_catalog_entry(e.explainer), nullptr);
    ASSERT_NE(find_catalog_entry(e.explained), nullptr);
    EXPECT_FALSE(e.source.empty());
    auto it = kBoth.find({std::string(e.explainer), std::string(e.explained)});
    ASSERT_NE(it, kBoth.end()) << "no fact set where both fire";
    auto f = healthy_facts();
    it->second(f);
    if (e.holds) {
      EXPECT_TRUE(e.holds(f));
    }
    const auto findings = evaluate_worded(f);
    EXPECT_TRUE(fires(findings, e.explainer));
    EXPECT_TRUE(fires(findings, e.explained));
    const auto v = decide(f, findings);
    EXPECT_FALSE(v.gpu_usable);
    EXPECT_EQ(v.root_cause, e.explainer);
    // What blocks is an error, whatever its severity alone.
    for (const auto& x : findings) {
      if (x.id == e.explainer) {
        EXPECT_EQ(x.severity, Severity::error);
      }
    }
  }
}

// The condition matters: an Exclusive_Process GPU in use does not explain a
// context that failed for lack of memory. Chain order decides then.
TEST(Explains, WithoutTheConditionChainOrderDecides) {
  auto f = healthy_facts();
  f.nvml.gpus[0].compute_mode = ComputeMode::exclusive_process;
  f.nvml.gpus[0].compute_processes = std::vector<GpuProcess>{{4242, uint64_t{1} << 30}};
  f.cuda.devices[0].context = ApiResult{2, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory"};
  const auto findings = evaluate_worded(f);
  ASSERT_TRUE(fires(findings, "gpu.exclusive_process_busy"));
  EXPECT_EQ(decide(f, findings).root_cause, "cuda.context_failed");
}

TEST(Explains, AUsableGpuHasNoRootCause) {
  auto f = healthy_facts(2);
  // One GPU of two cannot make a context: a warning, nothing blocks.
  f.cuda.devices[1].context = ApiResult{2, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory"};
  f.device_nodes.nodes[3].readable = f.device_nodes.nodes[3].writable = false;
  const auto findings = evaluate_worded(f);
  const auto v = decide(f, findings);
  EXPECT_TRUE(v.gpu_usable);
  EXPECT_EQ(v.root_cause, "");
}

}  // namespace
}  // namespace ongpu
