#include "run/run_rules.h"

#include <gtest/gtest.h>

#include "render/finding_words.h"
#include "rules/catalog.h"

namespace ongpu::run {
namespace {

const std::string kPython = "/venv/bin/python";

FrameworkVerdict verdict(Framework fw, bool gpu, const std::string& cause) {
  FrameworkVerdict v;
  v.interpreter = kPython;
  v.framework = fw;
  v.gpu = gpu;
  v.root_cause = cause;
  v.scope = std::string(enum_string(fw)) + " in " + kPython;
  return v;
}

// A doctor whose machine is fine, and whose interpreter has torch and jax on
// the CPU, each for its own reason; torch resolves cuDNN to one file.
Report doctor() {
  Report r;
  r.machine.gpu_usable = true;
  r.frameworks.push_back(verdict(Framework::torch, false, "framework.cpu_only_build"));
  r.frameworks.push_back(verdict(Framework::jax, false, "framework.cuda_wheels_missing"));
  for (const auto& v : r.frameworks) {
    auto f = make_finding(*FindingId::known(v.root_cause));
    f.scope = v.scope;
    r.findings.push_back(f);
  }
  PythonEnv env;
  env.interpreter = kPython;
  FrameworkFacts torch;
  torch.framework = Framework::torch;
  LibraryFact cudnn;
  cudnn.soname = "libcudnn.so.9";
  cudnn.real_path = Fact<std::string>("/venv/nvidia/cudnn/lib/libcudnn.so.9");
  torch.libraries.push_back(cudnn);
  env.frameworks.push_back(torch);
  r.facts.python.environments.push_back(env);
  return r;
}

RunReport cpu_run() {
  RunReport r;
  r.command = {"python", "train.py"};
  r.nvml_watched = true;
  ProcessRecord p;
  p.pid = 100;
  p.command = "python train.py";
  p.interpreter = kPython;
  r.processes.push_back(p);
  return r;
}

TEST(RunRules, TheMachinesCauseComesFirst) {
  Report d = doctor();
  d.machine.gpu_usable = false;
  d.machine.root_cause = "driver.libcuda_missing";
  d.findings.insert(d.findings.begin(), make_finding("driver.libcuda_missing"));
  RunReport r = cpu_run();
  judge_run(r, &d, RequireGpu::no);
  ASSERT_TRUE(r.root_cause);
  EXPECT_EQ(r.root_cause->id, "driver.libcuda_missing");
  EXPECT_EQ(r.root_cause_scope, "the machine");
  EXPECT_EQ(r.exit_code, 0);  // the command's own: nothing was required
}

TEST(RunRules, TheFrameworkTheProcessLoadedIsTheOneExplained) {
  Report d = doctor();
  RunReport r = cpu_run();
  judge_run(r, &d, RequireGpu::no);
  ASSERT_TRUE(r.root_cause);
  EXPECT_EQ(r.root_cause->id, "framework.cpu_only_build");  // the first, without a hint

  r = cpu_run();
  r.processes[0].frameworks = {Framework::jax};
  judge_run(r, &d, RequireGpu::no);
  ASSERT_TRUE(r.root_cause);
  EXPECT_EQ(r.root_cause->id, "framework.cuda_wheels_missing");
  EXPECT_EQ(r.root_cause_scope, "jax in " + kPython);

  // A recognised line names its framework before what was mapped.
  r = cpu_run();
  r.processes[0].frameworks = {Framework::torch};
  r.messages.push_back(
      {1.0, "verify.jax_cuda_jaxlib_missing", "CUDA-enabled jaxlib is not installed", ""});
  judge_run(r, &d, RequireGpu::no);
  EXPECT_EQ(r.root_cause->id, "framework.cuda_wheels_missing");
}

TEST(RunRules, WithoutTheDoctorTheFrameworksOwnLineIsTheCause) {
  RunReport r = cpu_run();
  r.messages.push_back({0.5, "verify.library_not_loaded",
                        "Could not load dynamic library 'libcudnn.so.8'", "libcudnn.so.8"});
  r.messages.push_back(
      {0.6, "verify.gpu_libraries_missing", "Cannot dlopen some GPU libraries.", ""});
  judge_run(r, nullptr, RequireGpu::no);
  ASSERT_TRUE(r.root_cause);
  // Not the single library (the summary line that follows it is the fallback).
  EXPECT_EQ(r.root_cause->id, "verify.gpu_libraries_missing");
  auto w = finding_words(*r.root_cause);
  EXPECT_TRUE(w.missing.empty()) << w.missing.front();
  EXPECT_NE(w.summary.find("Cannot dlopen some GPU libraries"), std::string::npos);
  EXPECT_FALSE(w.fix.empty());  // the line's own fix: there is no doctor's
}

TEST(RunRules, NoCauseWhenAGpuWasUsed) {
  Report d = doctor();
  RunReport r = cpu_run();
  r.used_gpu = true;
  r.command_exit_code = 3;
  judge_run(r, &d, RequireGpu::at_end);
  EXPECT_FALSE(r.root_cause);
  EXPECT_EQ(r.exit_code, 3);
}

TEST(RunRules, ExitCodes) {
  RunReport r = cpu_run();
  judge_run(r, nullptr, RequireGpu::at_end);
  EXPECT_EQ(r.exit_code, kExitNoGpu);  // even though the command exited 0

  r = cpu_run();
  r.command_exit_code = 1;
  judge_run(r, nullptr, RequireGpu::no);
  EXPECT_EQ(r.exit_code, 1);

  r = cpu_run();
  r.end = EndKind::stopped_early;
  r.command_exit_code = 143;
  judge_run(r, nullptr, RequireGpu::early);
  EXPECT_EQ(r.exit_code, kExitNoGpu);

  r = cpu_run();
  r.end = EndKind::not_started;
  r.command_exit_code = 127;
  judge_run(r, nullptr, RequireGpu::at_end);
  EXPECT_EQ(r.exit_code, 127);
  EXPECT_FALSE(r.root_cause);
}

TEST(RunRules, MappedLibrariesAgainstThePrediction) {
  Report d = doctor();
  RunReport r = cpu_run();
  r.used_gpu = true;
  MappedLibrary same, other, unknown;
  same.path = "/venv/nvidia/cudnn/lib/libcudnn.so.9";
  other.path = "/usr/lib/libcudnn.so.9.1.0";
  unknown.path = "/usr/lib/libnccl.so.2";
  r.processes[0].libraries = {same, other, unknown};
  judge_run(r, &d, RequireGpu::no);
  const auto& libs = r.processes[0].libraries;
  EXPECT_TRUE(libs[0].same_as_predicted);
  EXPECT_FALSE(libs[1].same_as_predicted);
  EXPECT_EQ(libs[1].predicted_path, "/venv/nvidia/cudnn/lib/libcudnn.so.9");
  EXPECT_TRUE(libs[2].predicted_path.empty());
}

TEST(RunRules, TheInterpreterIsTheOneThatLoadedAFramework) {
  RunReport r;
  ProcessRecord shell, helper, trainer;
  shell.interpreter = "";
  helper.interpreter = "/usr/bin/python3";
  trainer.interpreter = kPython;
  trainer.frameworks = {Framework::torch};
  r.processes = {shell, helper, trainer};
  EXPECT_EQ(command_interpreter(r), kPython);
  r.processes.pop_back();
  EXPECT_EQ(command_interpreter(r), "/usr/bin/python3");
  r.processes.pop_back();
  EXPECT_EQ(command_interpreter(r), "");
}

TEST(RunRules, FallbackLines) {
  EXPECT_TRUE(is_fallback_message("verify.gpu_libraries_missing"));
  EXPECT_TRUE(is_fallback_message("verify.jax_cuda_jaxlib_missing"));
  EXPECT_FALSE(is_fallback_message("verify.library_not_loaded"));
  EXPECT_FALSE(is_fallback_message("verify.ptx_jit"));
  // Every fallback id is a catalog id.
  for (const char* id :
       {"verify.gpu_libraries_missing", "verify.cuda_driver_not_found",
        "verify.driver_dso_mismatch", "verify.driver_too_old", "verify.not_compiled_with_cuda",
        "verify.jax_cuda_jaxlib_missing", "verify.jax_plugin_failed",
        "verify.ort_cuda_provider_failed", "verify.no_cuda_device", "verify.cuda_init_failed",
        "verify.device_unavailable"}) {
    EXPECT_TRUE(FindingId::known(id)) << id;
  }
}

}  // namespace
}  // namespace ongpu::run
