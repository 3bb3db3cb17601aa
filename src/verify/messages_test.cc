#include "verify/messages.h"

#include <gtest/gtest.h>

namespace ongpu::verify {
namespace {

struct Case {
  const char* line;  // as the framework prints it
  const char* id;
  const char* detail;
};

// One line per pattern, in each framework's real log format.
const Case kCases[] = {
    {"2021-05-04 12:00:00.123456: W tensorflow/stream_executor/platform/default/dso_loader.cc:64] "
     "Could not load "
     "dynamic library 'libcudart.so.11.0'; dlerror: libcudart.so.11.0: cannot open shared object "
     "file: No such file "
     "or directory",
     "verify.library_not_loaded",
     "libcudart.so.11.0: libcudart.so.11.0: cannot open shared object file: No such file or "
     "directory"},
    {"I0000 00:00:1795735769.889770   15005 dso_loader.cc:144] Could not load dynamic library "
     "'libcuda.so.1'",
     "verify.library_not_loaded", "libcuda.so.1"},
    {"W0000 00:00:1795735766.026658   15005 gpu_device.cc:2344] Cannot dlopen some GPU libraries. "
     "Please make sure the "
     "missing libraries mentioned above are installed properly if you would like to use GPU.",
     "verify.gpu_libraries_missing", ""},
    {"I0000 00:00:1795735766.026658   15005 cudart_stub.cc:31] Could not find cuda drivers on your "
     "machine, GPU will "
     "not be used.",
     "verify.cuda_driver_not_found", ""},
    {"2022-01-01 10:00:00.000000: E tensorflow/stream_executor/cuda/cuda_diagnostics.cc:313] "
     "kernel version 470.82.1 "
     "does not match DSO version 525.60.13 -- cannot find working devices in this configuration",
     "verify.driver_dso_mismatch", "kernel module 470.82.1, libcuda 525.60.13"},
    {"2023-03-01 10:00:00.000000: E tensorflow/compiler/xla/stream_executor/cuda/cuda_dnn.cc:417] "
     "Loaded runtime CuDNN "
     "library: 8.1.0 but source was compiled with: 8.6.0.  CuDNN library needs to have matching "
     "major version and "
     "equal or higher minor version.",
     "verify.cudnn_version_mismatch", "loaded 8.1.0, built with 8.6.0"},
    {"/usr/lib/python3/site-packages/torch/cuda/__init__.py:138: UserWarning: CUDA initialization: "
     "The NVIDIA driver on "
     "your system is too old (found version 11040). Please update your GPU driver",
     "verify.driver_too_old", "11040"},
    {"RuntimeError: CUDA error: no kernel image is available for execution on the device",
     "verify.no_kernel_image", ""},
    {"/usr/lib/python3/site-packages/torch/cuda/__init__.py:215: UserWarning: NVIDIA GeForce RTX "
     "5090 with CUDA "
     "capability sm_120 is not compatible with the current PyTorch installation.",
     "verify.no_kernel_image", "NVIDIA GeForce RTX 5090 (sm_120)"},
    {"2026-11-26 23:31:33.683 [E:onnxruntime:Default, provider_bridge_ort.cc:2251 "
     "TryGetProviderInfo_CUDA] "
     "Failed to load library libonnxruntime_providers_cuda.so with error: libcudnn.so.9: cannot "
     "open shared object "
     "file: No such file or directory",
     "verify.library_not_loaded",
     "libonnxruntime_providers_cuda.so: libcudnn.so.9: cannot open shared object file: No such "
     "file or directory"},
    {"AssertionError: Torch not compiled with CUDA enabled", "verify.not_compiled_with_cuda", ""},
    {"2021-06-01 10:00:00.000000: I tensorflow/core/common_runtime/gpu/gpu_device.cc:1934] "
     "Ignoring visible gpu "
     "device (device: 0, name: Tesla K40c, pci bus id: 0000:03:00.0, compute capability: 3.5) with "
     "Cuda compute "
     "capability 3.5. The minimum required Cuda capability is 3.7.",
     "verify.gpu_ignored", "Tesla K40c: compute capability 3.5, minimum 3.7"},
    {"2023-01-01 10:00:00.000000: W tensorflow/core/common_runtime/gpu/gpu_device.cc:2211] "
     "TensorFlow was not built "
     "with CUDA kernel binaries compatible with compute capability 9.0. CUDA kernels will be "
     "jit-compiled from PTX, "
     "which could take 30 minutes or longer.",
     "verify.ptx_jit", "9.0"},
    {"An NVIDIA GPU may be present on this machine, but a CUDA-enabled jaxlib is not installed. "
     "Falling back to cpu.",
     "verify.jax_cuda_jaxlib_missing", ""},
    {"ERROR:2025-07-17 16:01:55,259:jax._src.xla_bridge:647: Jax plugin configuration error: "
     "Exception when calling "
     "jax_plugins.xla_cuda12.initialize()",
     "verify.jax_plugin_failed", "Exception when calling jax_plugins.xla_cuda12.initialize()"},
    {"INFO:jax._src.xla_bridge:Unable to initialize backend 'cuda': FAILED_PRECONDITION: No "
     "visible GPU devices.",
     "verify.jax_plugin_failed", "FAILED_PRECONDITION: No visible GPU devices."},
    {"2026-11-26 23:31:33.683685691 [W:onnxruntime:Default, onnxruntime_pybind_state.cc:1006 "
     "CreateExecutionProviderFactoryInstance] Failed to create CUDAExecutionProvider. Require "
     "cuDNN 9.* and CUDA 12.*.",
     "verify.ort_cuda_provider_failed", "Require cuDNN 9.* and CUDA 12.*."},
    {"RuntimeError: jaxlib/cuda/versions_helpers.cc:113: operation cuInit(0) failed: "
     "CUDA_ERROR_NO_DEVICE",
     "verify.no_cuda_device", ""},
    {"E0000 00:00:1795735769.889847   15005 cuda_platform.cc:52] failed call to cuInit: INTERNAL: "
     "CUDA error: Failed "
     "call to cuInit: UNKNOWN ERROR (303)",
     "verify.cuda_init_failed", "INTERNAL: CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)"},
    {"cupy_backends.cuda.api.runtime.CUDARuntimeError: cudaErrorInsufficientDriver: CUDA driver "
     "version is insufficient "
     "for CUDA runtime version",
     "verify.driver_too_old", ""},
    // torch, as users report it (AILab-CVC/YOLO-World#385; detectron2#2580 before CUDA 10.1).
    {"RuntimeError: CUDA error: CUDA-capable device(s) is/are busy or unavailable",
     "verify.device_unavailable", ""},
    {"RuntimeError: CUDA error: all CUDA-capable devices are busy or unavailable",
     "verify.device_unavailable", ""},
};

TEST(Messages, EachKnownFallbackMessageIsRecognised) {
  for (const auto& c : kCases) {
    auto found = classify_messages(c.line);
    ASSERT_EQ(found.size(), 1u) << c.line;
    EXPECT_EQ(found[0].id, c.id) << c.line;
    EXPECT_EQ(found[0].detail, c.detail) << c.line;
  }
}

TEST(Messages, EveryPatternHasACase) {
  for (const auto& p : message_patterns()) {
    bool covered = false;
    for (const auto& c : kCases) {
      auto found = classify_messages(c.line);
      covered = covered || (!found.empty() && found[0].id == p.id.view());
    }
    EXPECT_TRUE(covered) << p.id.view();
  }
}

TEST(Messages, OrdinaryLinesAreNotClassified) {
  EXPECT_TRUE(
      classify_messages(
          "I0000 00:00:1795735766.026304   15005 port.cc:153] oneDNN custom operations are on.\n"
          "To enable the following instructions: AVX2 AVX512F FMA\n\n\n")
          .empty());
}

TEST(Messages, RepeatedMessagesAreReportedOnce) {
  std::string text =
      "I0000 00:00:1.0 1 cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will "
      "not be used.\n"
      "I0000 00:00:2.0 1 cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will "
      "not be used.\n"
      "I0000 00:00:3.0 1 dso_loader.cc:144] Could not load dynamic library 'libcudnn.so.9'; "
      "dlerror: x\n"
      "I0000 00:00:4.0 1 dso_loader.cc:144] Could not load dynamic library 'libcublas.so.12'; "
      "dlerror: y\n";
  auto found = classify_messages(text);
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0].id, "verify.cuda_driver_not_found");
  EXPECT_EQ(found[1].detail, "libcudnn.so.9: x");
  EXPECT_EQ(found[2].detail, "libcublas.so.12: y");
}

TEST(Messages, LogPrefixesAreStripped) {
  EXPECT_EQ(
      strip_log_prefix("W0000 00:00:1795735766.026658   15005 gpu_device.cc:2344] Cannot dlopen"),
      "Cannot dlopen");
  EXPECT_EQ(strip_log_prefix("2021-05-04 12:00:00.123456: W tensorflow/core/x.cc:64] msg"), "msg");
  EXPECT_EQ(strip_log_prefix("WARNING:jax._src.xla_bridge:An NVIDIA GPU may be present"),
            "An NVIDIA GPU may be present");
  EXPECT_EQ(
      strip_log_prefix("2026-11-26 23:31:33.68 [W:onnxruntime:Default, f.cc:1006 Create] Failed"),
      "Failed");
  EXPECT_EQ(strip_log_prefix("  plain text  "), "plain text");
  EXPECT_EQ(
      strip_log_prefix("/x/torch/cuda/__init__.py:138: UserWarning: CUDA initialization: old"),
      "CUDA initialization: old");
}

TEST(Messages, HugeAndBinaryInputIsHandled) {
  std::string text(200000, 'x');
  text += "\n\xff\xfe Could not find cuda drivers on your machine\n";
  auto found = classify_messages(text);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].id, "verify.cuda_driver_not_found");
}

TEST(Messages, PlacementLines) {
  auto lines = placement_lines(
      "2026-01-01 00:00:00.0: I tensorflow/core/common_runtime/eager/execute.cc:1525] Executing op "
      "MatMul in device "
      "/job:localhost/replica:0/task:0/device:GPU:0\nExecuting op Identity in device "
      "/device:CPU:0\n");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "/job:localhost/replica:0/task:0/device:GPU:0");
}

}  // namespace
}  // namespace ongpu::verify
