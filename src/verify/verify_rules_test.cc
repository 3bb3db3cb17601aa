#include "verify/verify_rules.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>

#include "render/catalog_words.h"
#include "render/finding_words.h"
#include "render/verify_words.h"
#include "rules/catalog.h"
#include "rules/explains.h"
#include "rules/rules.h"
#include "rules/test_facts.h"
#include "verify/messages.h"

namespace ongpu::verify {
namespace {

const std::string kPython = "/venv/bin/python";

bool has(const LiveVerdict& v, const std::string& id) {
  return std::any_of(v.findings.begin(), v.findings.end(),
                     [&](const Finding& f) { return f.id == id; });
}

// judge_live_run and build_verify_report, with every finding's wording
// given all the args it reads.
void expect_worded(const LiveVerdict& v) {
  for (const auto& f : v.findings)
    EXPECT_TRUE(finding_words(f).missing.empty())
        << f.id << " lacks " << ::testing::PrintToString(finding_words(f).missing);
}

LiveVerdict judge(LiveRun run, const Report& doctor) {
  auto v = judge_live_run(std::move(run), doctor);
  expect_worded(v);
  return v;
}

VerifyReport build(Report doctor, std::vector<LiveRun> runs) {
  auto r = build_verify_report(std::move(doctor), std::move(runs));
  for (const auto& v : r.frameworks) expect_worded(v);
  return r;
}

Report doctor_predicting(bool gpu, const std::string& root_cause = "") {
  Report r;
  FrameworkVerdict fv;
  fv.interpreter = kPython;
  fv.framework = Framework::torch;
  fv.gpu = gpu;
  fv.root_cause = root_cause;
  r.frameworks.push_back(fv);
  PythonEnv env;
  env.interpreter = kPython;
  FrameworkFacts fw;
  fw.framework = Framework::torch;
  LibraryFact cudnn;
  cudnn.soname = "libcudnn.so.9";
  cudnn.outcome = LibraryOutcome::found;
  cudnn.real_path = Fact<std::string>("/venv/lib/nvidia/cudnn/lib/libcudnn.so.9");
  fw.libraries.push_back(cudnn);
  env.frameworks.push_back(fw);
  r.facts.python.environments.push_back(env);
  // The doctor's root cause comes with its finding: a machine one stops the
  // GPU for all; a framework's own one only this framework.
  r.machine.gpu_usable = true;
  if (auto id = FindingId::known(root_cause); id && !gpu) {
    auto f = make_finding(*id);
    if (static_cast<int>(f.link) < static_cast<int>(Link::framework)) {
      r.machine.gpu_usable = false;
      r.machine.root_cause = root_cause;
    } else {
      f.scope = r.frameworks.front().scope = "torch in " + kPython;
      f.args.set("jax_platforms", "cpu");  // the one framework finding the tests name
    }
    r.findings.push_back(f);
  }
  r.verdict = r.machine;
  return r;
}

LiveTiming timing(double ms, const std::string& device) {
  LiveTiming t;
  t.median_ms = ms;
  t.runs_ms = {ms, ms, ms};
  t.device = device;
  t.gflops = 1.0;
  return t;
}

// A probe that ran to the end and computed on the GPU, 100x faster than the CPU.
LiveRun gpu_run() {
  LiveRun run;
  run.framework = Framework::torch;
  run.interpreter = kPython;
  run.probe.status = ProbeStatus::ok;
  run.probe.last_stage = "libraries";
  ProbeAnswer a;
  a.framework = Framework::torch;
  a.version = "2.5.1+cu124";
  a.devices = {{DeviceKind::gpu, "cuda:0", "NVIDIA H100", "9.0"}, {DeviceKind::cpu, "cpu", "", ""}};
  LiveCompute c;
  c.size = 4096;
  c.gpu = timing(2, "cuda:0");
  c.cpu = timing(200, "cpu");
  c.match = true;
  c.max_abs_diff = 1e-3;
  c.max_abs_reference = 100;
  c.tolerance = 1e-2;
  c.speedup = 100;
  a.compute = c;
  a.loaded_libraries = {"/venv/lib/nvidia/cudnn/lib/libcudnn.so.9"};
  run.answer = a;
  return run;
}

LiveRun cpu_run() {
  LiveRun run = gpu_run();
  run.answer->devices = {{DeviceKind::cpu, "cpu", "", ""}};
  run.answer->compute->gpu.reset();
  run.answer->compute->match.reset();
  run.answer->compute->speedup.reset();
  run.answer->compute->size = 1000;
  run.answer->loaded_libraries.clear();
  return run;
}

TEST(VerifyRules, GpuRunAsPredicted) {
  auto v = judge(gpu_run(), doctor_predicting(true));
  EXPECT_EQ(v.outcome, LiveOutcome::gpu);
  EXPECT_TRUE(v.findings.empty()) << v.findings[0].id;
  EXPECT_EQ(v.root_cause, "");
  EXPECT_NE(live_summary(v).find("100.0× faster"), std::string::npos) << live_summary(v);
  EXPECT_NE(live_summary(v).find("NVIDIA H100"), std::string::npos) << live_summary(v);
}

TEST(VerifyRules, CpuRunKeepsTheDoctorsRootCause) {
  auto run = cpu_run();
  run.messages = {{"verify.cuda_driver_not_found", "Could not find cuda drivers", ""}};
  auto v = judge(run, doctor_predicting(false, "pci.no_nvidia_device"));
  EXPECT_EQ(v.outcome, LiveOutcome::cpu);
  EXPECT_EQ(v.root_cause, "pci.no_nvidia_device");
  EXPECT_TRUE(has(v, "verify.cuda_driver_not_found"));
  EXPECT_TRUE(has(v, "verify.no_gpu_device"));
  EXPECT_FALSE(has(v, "verify.disagrees_with_doctor"));
  for (const auto& f : v.findings)
    EXPECT_TRUE(finding_words(f).fix.empty()) << f.id << ": the doctor's fix is the one to follow";
}

TEST(VerifyRules, UnpredictedFrameworkTakesTheMachinesRootCause) {
  // A framework the doctor did not find (named with --framework) on a machine
  // with no GPU: the machine's first error is the cause, not the framework's
  // own complaint about the driver.
  auto doctor = doctor_predicting(true);
  doctor.frameworks.clear();
  doctor.findings.push_back(make_finding("pci.no_nvidia_device"));
  doctor.verdict.root_cause = "pci.no_nvidia_device";
  auto run = cpu_run();
  run.messages = {{"verify.driver_too_old",
                   "CUDA driver version is insufficient for CUDA runtime version", ""}};
  auto v = judge(run, doctor);
  EXPECT_EQ(v.outcome, LiveOutcome::cpu);
  EXPECT_EQ(v.root_cause, "pci.no_nvidia_device");
  for (const auto& f : v.findings) EXPECT_TRUE(finding_words(f).fix.empty()) << f.id;
}

// CuPy's cudaErrorInsufficientDriver on a machine with no driver at all is
// no reason to upgrade the driver.
TEST(VerifyRules, InsufficientDriverWithoutAnyDriverIsNoDriver) {
  auto doctor = doctor_predicting(false, "driver.libcuda_missing");
  doctor.facts.cuda.probe.status = ProbeStatus::ok;
  doctor.facts.cuda.library.loaded = false;
  doctor.facts.cuda.library.load_error = "libcuda.so.1: cannot open shared object file";
  auto run = cpu_run();
  run.messages = classify_messages(
      "cupy_backends.cuda.api.runtime.CUDARuntimeError: cudaErrorInsufficientDriver: CUDA driver "
      "version is insufficient for CUDA runtime version");
  ASSERT_EQ(run.messages.size(), 1u);
  auto v = judge(run, doctor);
  EXPECT_FALSE(has(v, "verify.driver_too_old"));
  ASSERT_TRUE(has(v, "verify.cuda_driver_not_found"));
  // With a driver loaded, the same words mean what they say.
  doctor.facts.cuda.library.loaded = true;
  v = judge(run, doctor);
  EXPECT_TRUE(has(v, "verify.driver_too_old"));
  EXPECT_FALSE(has(v, "verify.cuda_driver_not_found"));
}

TEST(VerifyRules, CpuRunWhereTheDoctorPredictedGpuDisagrees) {
  auto run = cpu_run();
  run.messages = {{"verify.cudnn_version_mismatch", "Loaded runtime CuDNN library: 8.1.0 but …",
                   "loaded 8.1.0, built with 8.6.0"}};
  auto v = judge(run, doctor_predicting(true));
  EXPECT_EQ(v.outcome, LiveOutcome::cpu);
  EXPECT_TRUE(has(v, "verify.disagrees_with_doctor"));
  EXPECT_EQ(v.root_cause,
            "verify.cudnn_version_mismatch");  // the framework's own reason comes first
  for (const auto& f : v.findings) EXPECT_FALSE(finding_words(f).fix.empty()) << f.id;
}

TEST(VerifyRules, GpuRunWhereTheDoctorPredictedCpuDisagrees) {
  auto v = judge(gpu_run(), doctor_predicting(false, "framework.cuda_wheels_missing"));
  EXPECT_EQ(v.outcome, LiveOutcome::gpu);
  EXPECT_TRUE(has(v, "verify.disagrees_with_doctor"));
}

TEST(VerifyRules, WrongResultIsNotAGpuRun) {
  auto run = gpu_run();
  run.answer->compute->match = false;
  run.answer->compute->max_abs_diff = 50;
  auto v = judge(run, doctor_predicting(true));
  EXPECT_EQ(v.outcome, LiveOutcome::gpu_broken);
  EXPECT_TRUE(has(v, "verify.wrong_result"));
}

TEST(VerifyRules, ResultLeftOnTheCpuIsNotAGpuRun) {
  auto run = gpu_run();
  run.answer->compute->gpu->device = "/job:localhost/replica:0/task:0/device:CPU:0";
  auto v = judge(run, doctor_predicting(true));
  EXPECT_EQ(v.outcome, LiveOutcome::cpu);
  EXPECT_TRUE(has(v, "verify.not_on_gpu"));

  auto logged = gpu_run();
  logged.placement_log = {"/job:localhost/replica:0/task:0/device:CPU:0"};
  EXPECT_TRUE(has(judge(logged, doctor_predicting(true)), "verify.not_on_gpu"));
}

TEST(VerifyRules, SlowGpuIsAWarning) {
  auto run = gpu_run();
  run.answer->compute->speedup = 0.5;
  auto v = judge(run, doctor_predicting(true));
  EXPECT_EQ(v.outcome, LiveOutcome::gpu);
  EXPECT_TRUE(has(v, "verify.gpu_slower_than_cpu"));
}

TEST(VerifyRules, LoadedLibraryOtherThanPredicted) {
  auto run = gpu_run();
  run.answer->loaded_libraries = {"/usr/local/cuda-13.0/lib/libcudnn.so.9.19.0",
                                  "/usr/lib/libcuda.so.580.1"};
  auto v = judge(run, doctor_predicting(true));
  ASSERT_TRUE(has(v, "verify.library_differs"));
  int differs = 0;
  for (const auto& f : v.findings) differs += f.id == "verify.library_differs";
  EXPECT_EQ(differs, 1);  // libcuda was not predicted at all: nothing to compare
}

TEST(VerifyRules, TimeoutCrashAndImportFailure) {
  auto hung = gpu_run();
  hung.answer.reset();
  hung.probe.status = ProbeStatus::timed_out;
  hung.probe.last_stage = "import";
  hung.probe.deadline_ms = 3000;
  auto v = judge(hung, doctor_predicting(true));
  EXPECT_EQ(v.outcome, LiveOutcome::failed);
  EXPECT_EQ(v.root_cause, "verify.timed_out");
  EXPECT_NE(finding_words(v.findings[0]).summary.find("'import'"), std::string::npos);
  EXPECT_FALSE(has(v, "verify.disagrees_with_doctor"));  // nothing ran to compare

  auto crashed = hung;
  crashed.probe.status = ProbeStatus::crashed;
  crashed.probe.signal = 11;
  v = judge(crashed, doctor_predicting(true));
  EXPECT_EQ(v.root_cause, "verify.crashed");
  EXPECT_NE(finding_words(v.findings[0]).summary.find("SIGSEGV"), std::string::npos)
      << finding_words(v.findings[0]).summary;

  auto missing = gpu_run();
  missing.answer->version.clear();
  missing.answer->compute.reset();
  missing.answer->devices.clear();
  missing.answer->errors = {
      {LiveStage::import_framework, "ModuleNotFoundError", "No module named 'torch'"}};
  v = judge(missing, doctor_predicting(true));
  EXPECT_EQ(v.outcome, LiveOutcome::failed);
  EXPECT_EQ(v.root_cause, "verify.import_failed");
  ASSERT_FALSE(finding_words(v.findings[0]).fix.empty());
  EXPECT_EQ(finding_words(v.findings[0]).fix[0], kPython + " -m pip install torch");
  // Each pip argument is one shell word: the extras are quoted once, and
  // -U stays an option of its own.
  for (auto [framework, install] :
       {std::pair{Framework::tensorflow, " -m pip install 'tensorflow[and-cuda]'"},
        std::pair{Framework::jax, " -m pip install -U 'jax[cuda12]'"}}) {
    auto run = missing;
    run.framework = framework;
    v = judge(run, doctor_predicting(true));
    ASSERT_EQ(v.root_cause, "verify.import_failed") << enum_string(framework);
    EXPECT_EQ(finding_words(v.findings[0]).fix.at(0), kPython + install);
  }
}

TEST(VerifyRules, VerdictAndExitCodes) {
  auto both = build(doctor_predicting(true), {gpu_run(), gpu_run()});
  EXPECT_EQ(both.verdict.exit_code, 0);
  auto some = build(doctor_predicting(true), {gpu_run(), cpu_run()});
  EXPECT_EQ(some.verdict.exit_code, 1);
  auto none = build(doctor_predicting(false, "pci.no_nvidia_device"), {cpu_run()});
  EXPECT_EQ(none.verdict.exit_code, 2);
  EXPECT_EQ(none.verdict.root_cause, "pci.no_nvidia_device");
  auto nothing = build(doctor_predicting(false), {});
  EXPECT_EQ(nothing.verdict.exit_code, 2);
  EXPECT_EQ(verify_summary(both), "every framework checked computed on the GPU");
  EXPECT_EQ(verify_summary(some), "1 of 2 framework checks computed on the GPU");
  EXPECT_EQ(
      verify_summary(none),
      "no framework computed on the GPU: CUDA cannot use a GPU here: no NVIDIA GPU on the PCI "
      "bus");
  EXPECT_EQ(verify_summary(nothing),
            "no framework (tensorflow, torch, jax, cupy, onnxruntime) is installed in " + kPython +
                "; name another interpreter with --python PATH");
  // The framework's own cause, as the doctor worded it.
  auto own = build(doctor_predicting(false, "framework.jax_platforms_cpu"), {cpu_run()});
  EXPECT_EQ(own.verdict.root_cause, "framework.jax_platforms_cpu");
  EXPECT_EQ(verify_summary(own),
            "no framework computed on the GPU: JAX_PLATFORMS=\"cpu\" keeps JAX off the GPU");
  auto nowhere = doctor_predicting(false);
  nowhere.facts.python.environments.clear();
  EXPECT_EQ(verify_summary(build(nowhere, {})),
            "no Python interpreter was found to verify in; name one with --python PATH");
}

// A live finding that carries its own fix (own_fix) carries the catalog's,
// which the findings reference shows; without own_fix, none.
TEST(VerifyRules, OwnFixesAreTheCatalogs) {
  for (const auto& e : catalog()) {
    if (!e.id.starts_with("verify.") || e.id == "verify.import_failed") continue;
    Finding f;
    f.id = std::string(e.id);
    f.args.flag("own_fix");
    auto fix = finding_words(f).fix;
    ASSERT_EQ(fix.size(), 1u) << e.id;
    EXPECT_EQ(fix[0], catalog_words(e.id)->fix) << e.id;
    f.args.flag("own_fix", false);
    EXPECT_TRUE(finding_words(f).fix.empty()) << e.id;
  }
}

TEST(VerifyRules, ComputeErrorsAndUnreadableAnswers) {
  auto run = gpu_run();
  run.answer->compute->gpu.reset();
  run.answer->errors = {{LiveStage::compute_gpu, "RuntimeError",
                         "CUDA error: no kernel image is available for execution on the device"}};
  run.messages = {{"verify.no_kernel_image", "CUDA error: no kernel image is available", ""}};
  auto v = judge(run, doctor_predicting(true));
  EXPECT_EQ(v.outcome, LiveOutcome::gpu_broken);
  EXPECT_TRUE(has(v, "verify.compute_failed"));
  EXPECT_EQ(v.root_cause, "verify.no_kernel_image");

  auto garbage = gpu_run();
  garbage.answer.reset();
  garbage.answer_error = "answer.devices: expected an array";
  garbage.probe.status = ProbeStatus::garbage;
  v = judge(garbage, doctor_predicting(true));
  EXPECT_EQ(v.outcome, LiveOutcome::failed);
  EXPECT_EQ(v.root_cause, "verify.probe_failed");
  EXPECT_NE(finding_words(v.findings[0]).summary.find("expected an array"), std::string::npos);
}

// Every live finding in the catalog is raised somewhere: the rule-raised ones
// in the tests above, the message ones by a pattern (messages_test.cc checks
// each pattern against a real line).
TEST(VerifyRules, EveryLiveCatalogEntryCanFire) {
  const std::vector<std::string> raised_by_rules = {"verify.timed_out",
                                                    "verify.crashed",
                                                    "verify.probe_failed",
                                                    "verify.import_failed",
                                                    "verify.no_gpu_device",
                                                    "verify.compute_failed",
                                                    "verify.not_on_gpu",
                                                    "verify.wrong_result",
                                                    "verify.gpu_slower_than_cpu",
                                                    "verify.library_differs",
                                                    "verify.disagrees_with_doctor",
                                                    "verify.step_failed"};
  for (const auto& e : catalog()) {
    if (e.id.substr(0, 7) != "verify.") continue;
    EXPECT_EQ(e.link, Link::live) << e.id;
    bool covered =
        std::find(raised_by_rules.begin(), raised_by_rules.end(), e.id) != raised_by_rules.end();
    for (const auto& p : message_patterns()) covered = covered || p.id.view() == e.id;
    EXPECT_TRUE(covered) << e.id << " is raised by nothing";
  }
  for (const auto& p : message_patterns())
    EXPECT_NE(find_catalog_entry(p.id.view()), nullptr) << p.id.view();
}

TEST(VerifyRules, NonFiniteOrElementwiseWrongIsABrokenGpu) {
  auto nan = gpu_run();
  nan.answer->compute->match = false;
  nan.answer->compute->nonfinite = 3;
  auto v = judge(nan, doctor_predicting(true));
  EXPECT_EQ(v.outcome, LiveOutcome::gpu_broken);
  ASSERT_TRUE(has(v, "verify.wrong_result"));
  EXPECT_NE(live_summary(v).find("3 NaN or infinite elements"), std::string::npos)
      << live_summary(v);
  EXPECT_TRUE(has(v, "verify.disagrees_with_doctor"));

  auto kernel = gpu_run();
  kernel.answer->compute->elementwise = Elementwise{std::nullopt, 16.0, false};
  v = judge(kernel, doctor_predicting(true));
  EXPECT_EQ(v.outcome, LiveOutcome::gpu_broken);
  EXPECT_TRUE(has(v, "verify.wrong_result"));

  auto unchecked = gpu_run();  // the comparison never ran: not proven
  unchecked.answer->compute->match.reset();
  EXPECT_EQ(judge(unchecked, doctor_predicting(true)).outcome, LiveOutcome::gpu_broken);
}

TEST(VerifyRules, FailedStepsAndMessagesOfAHungRun) {
  auto run = gpu_run();
  run.answer->errors = {{LiveStage::devices, "RuntimeError", "exclusive-process mode"},
                        {LiveStage::devices_gpu, "RuntimeError", "Unknown backend 'gpu'"}};
  auto v = judge(run, doctor_predicting(true));
  int steps = 0;
  for (const auto& f : v.findings) steps += f.id == "verify.step_failed";
  EXPECT_EQ(steps, 1);  // devices-gpu is the framework's "no GPU" answer, not a failed step

  auto hung = gpu_run();
  hung.answer.reset();
  hung.probe.status = ProbeStatus::timed_out;
  hung.probe.last_stage = "import";
  hung.messages = {{"verify.ptx_jit", "CUDA kernels will be jit-compiled from PTX", "9.0"}};
  v = judge(hung, doctor_predicting(true));
  EXPECT_TRUE(has(v, "verify.timed_out"));
  EXPECT_TRUE(has(v, "verify.ptx_jit"));  // what it said before it hung
}

TEST(VerifyRules, OptionalTensorRtAndMessagesOnAWorkingGpu) {
  auto run = gpu_run();
  run.messages = {{"verify.library_not_loaded", "Could not load dynamic library 'libnvinfer.so.8'",
                   "libnvinfer.so.8: x"},
                  {"verify.library_not_loaded", "Could not load dynamic library 'libcufft.so.11'",
                   "libcufft.so.11: y"}};
  auto v = judge(run, doctor_predicting(true));
  EXPECT_EQ(v.outcome, LiveOutcome::gpu);
  ASSERT_EQ(v.findings.size(), 1u);                      // TensorRT is optional
  EXPECT_EQ(v.findings[0].severity, Severity::warning);  // the GPU works: a warning
}

// For every pair of the relation whose symptom is a live finding: a machine
// broken so that the doctor finds the cause, a framework that then says the
// symptom, and the cause named as the live root cause.
struct LiveCase {
  std::function<void(FactSet&)> machine;
  std::function<void(LiveRun&)> live;
};

void say(LiveRun& run, const std::string& text) {
  run.answer->errors.push_back({LiveStage::compute_gpu, "RuntimeError", text});
  run.messages = classify_messages(text);
}

const std::map<std::pair<std::string, std::string>, LiveCase> kLiveBoth = {
    {{"gpu.exclusive_process_busy", "verify.device_unavailable"},
     {[](FactSet& f) {
        f.nvml.gpus[0].compute_mode = ComputeMode::exclusive_process;
        f.nvml.gpus[0].compute_processes = std::vector<GpuProcess>{{4242, uint64_t{1} << 30}};
        f.cuda.devices[0].context = ApiResult{46, "CUDA_ERROR_DEVICE_UNAVAILABLE",
                                              "CUDA-capable device(s) is/are busy or unavailable"};
      },
      [](LiveRun& run) {
        run.answer->compute->gpu.reset();
        run.answer->compute->match.reset();
        say(run, "CUDA error: CUDA-capable device(s) is/are busy or unavailable");
      }}},
    {{"gpu.compute_prohibited", "verify.device_unavailable"},
     {[](FactSet& f) {
        f.nvml.gpus[0].compute_mode = ComputeMode::prohibited;
        f.cuda.devices[0].context = ApiResult{46, "CUDA_ERROR_DEVICE_UNAVAILABLE",
                                              "CUDA-capable device(s) is/are busy or unavailable"};
      },
      [](LiveRun& run) {
        run.answer->compute->gpu.reset();
        run.answer->compute->match.reset();
        say(run, "CUDA error: all CUDA-capable devices are busy or unavailable");
      }}},
    {{"gpu.mig_no_instance", "verify.no_cuda_device"},
     {[](FactSet& f) {
        f.nvml.gpus[0].mig_enabled = true;
        f.cuda.init = ApiResult{100, "CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected"};
        f.cuda.devices.clear();
      },
      [](LiveRun& run) {
        run = cpu_run();
        say(run, "RuntimeError: No CUDA GPUs are available: no CUDA-capable device is detected");
      }}},
    {{"gpu.mig_no_instance", "verify.no_gpu_device"},
     {[](FactSet& f) {
        f.nvml.gpus[0].mig_enabled = true;
        f.cuda.device_count = 0;
        f.cuda.devices.clear();
      },
      [](LiveRun& run) { run = cpu_run(); }}},
    {{"env.nvidia_visible_devices_void", "verify.cuda_driver_not_found"},
     {[](FactSet& f) { testing::container_without_driver(f); },
      [](LiveRun& run) {
        run = cpu_run();
        run.messages = classify_messages("Found no NVIDIA driver on your system.");
      }}},
    {{"env.nvidia_visible_devices_void", "verify.no_gpu_device"},
     {[](FactSet& f) {
        f.host.container = "docker";
        f.env.nvidia_visible_devices = "void";
        f.device_nodes.nodes[0].exists = false;
        f.cuda.init = ApiResult{100, "CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected"};
        f.cuda.devices.clear();
      },
      [](LiveRun& run) { run = cpu_run(); }}},
};

TEST(VerifyRules, EveryLivePairHasACaseWhereTheMachineCauseWins) {
  int pairs = 0;
  for (const auto& e : explanations()) {
    if (!e.explained.starts_with("verify.")) continue;
    ++pairs;
    SCOPED_TRACE(std::string(e.explainer) + " explains " + std::string(e.explained));
    ASSERT_NE(find_catalog_entry(e.explained), nullptr);
    auto it = kLiveBoth.find({std::string(e.explainer), std::string(e.explained)});
    ASSERT_NE(it, kLiveBoth.end()) << "no case where both fire";
    // The doctor as it runs: its findings and verdict from the facts; it
    // knows nothing of the framework, so nothing was predicted.
    Report doctor;
    doctor.facts = ongpu::testing::healthy_facts();
    it->second.machine(doctor.facts);
    doctor.findings = evaluate(doctor.facts);
    doctor.verdict = decide(doctor.facts, doctor.findings);
    ASSERT_TRUE(std::any_of(doctor.findings.begin(), doctor.findings.end(),
                            [&](const Finding& f) { return f.id == e.explainer; }));
    LiveRun run = gpu_run();
    it->second.live(run);
    auto v = judge(run, doctor);
    EXPECT_TRUE(has(v, std::string(e.explained)));
    EXPECT_EQ(v.root_cause, e.explainer);
  }
  EXPECT_EQ(pairs, static_cast<int>(kLiveBoth.size()));
}

// The condition matters: one GPU in MIG mode without an instance does not
// explain a framework that sees no GPU when CUDA sees the other one.
TEST(VerifyRules, MigOnOneGpuDoesNotExplainWhenCudaSeesAnother) {
  Report doctor;
  doctor.facts = ongpu::testing::healthy_facts(2);
  doctor.facts.nvml.gpus[1].mig_enabled = true;
  doctor.findings = evaluate(doctor.facts);
  doctor.verdict = decide(doctor.facts, doctor.findings);
  ASSERT_TRUE(std::any_of(doctor.findings.begin(), doctor.findings.end(),
                          [](const Finding& f) { return is(f, "gpu.mig_no_instance"); }));
  auto v = judge(cpu_run(), doctor);
  EXPECT_EQ(v.root_cause, "verify.no_gpu_device");
}

// A cause that is a doctor's warning (not shown among the machine's errors)
// is added to the framework's findings, as an error: the user sees its fix.
TEST(VerifyRules, AnExplainingWarningIsShownWithTheFramework) {
  Report doctor;
  doctor.facts = ongpu::testing::healthy_facts();
  doctor.facts.host.container = "docker";
  doctor.facts.env.nvidia_visible_devices = "none";  // the libraries, no GPU
  doctor.findings = evaluate(doctor.facts);
  doctor.verdict = decide(doctor.facts, doctor.findings);
  const auto cause =
      std::find_if(doctor.findings.begin(), doctor.findings.end(),
                   [](const auto& f) { return is(f, "env.nvidia_visible_devices_void"); });
  ASSERT_NE(cause, doctor.findings.end());
  ASSERT_EQ(cause->severity, Severity::warning);  // nothing it explains fired in the doctor
  auto v = judge(cpu_run(), doctor);
  EXPECT_EQ(v.root_cause, "env.nvidia_visible_devices_void");
  auto shown = std::find_if(v.findings.begin(), v.findings.end(),
                            [](const auto& f) { return is(f, "env.nvidia_visible_devices_void"); });
  ASSERT_NE(shown, v.findings.end());
  EXPECT_EQ(shown->severity, Severity::error);
  EXPECT_EQ(shown->scope, v.scope);
  EXPECT_FALSE(finding_words(*shown).fix.empty());
}

// A GPU that fails to compute, where the doctor saw no cause: the live error
// is the root cause (chain order, no relation).
TEST(VerifyRules, UnexplainedLiveErrorIsItsOwnCause) {
  auto run = gpu_run();
  run.answer->compute->gpu.reset();
  run.answer->compute->match.reset();
  say(run, "CUDA error: CUDA-capable device(s) is/are busy or unavailable");
  auto v = judge(run, doctor_predicting(true));
  EXPECT_EQ(v.outcome, LiveOutcome::gpu_broken);
  EXPECT_EQ(v.root_cause, "verify.device_unavailable");
}

}  // namespace
}  // namespace ongpu::verify
