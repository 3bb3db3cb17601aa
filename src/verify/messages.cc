#include "verify/messages.h"

#include <array>
#include <regex>

#include "util/strings.h"

namespace ongpu::verify {
namespace {

// The exact wording comes from the frameworks' sources and their users'
// reports (tensorflow tsl dso_loader.cc, gpu_device.cc, cuda_diagnostics.cc,
// cuda_dnn.cc; torch/cuda/__init__.py; jax/_src/xla_bridge.py;
// onnxruntime_inference_collection.py). More specific patterns come first.
constexpr std::array kPatterns = std::to_array<MessagePattern>({
    {"verify.library_not_loaded", "Could not load dynamic library",
     R"(Could not load dynamic library '([^']+)'(?:; dlerror: (.*))?)", "$1: $2"},
    {"verify.library_not_loaded", "Failed to load library",
     R"(Failed to load library (\S+) with error: (.*))", "$1: $2"},
    {"verify.gpu_libraries_missing", "Cannot dlopen some GPU libraries",
     R"(Cannot dlopen some GPU libraries)", ""},
    {"verify.cuda_driver_not_found", "Could not find cuda drivers",
     R"(Could not find cuda drivers on your machine)", ""},
    {"verify.cuda_driver_not_found", "Found no NVIDIA driver",
     R"(Found no NVIDIA driver on your system)", ""},
    {"verify.driver_dso_mismatch", "does not match DSO version",
     R"(kernel version (\S+) does not match DSO version (\S+))", "kernel module $1, libcuda $2"},
    {"verify.cudnn_version_mismatch", "Loaded runtime CuDNN library",
     R"(Loaded runtime CuDNN library: (\d+(?:\.\d+)*) but source was compiled with: (\d+(?:\.\d+)*))",
     "loaded $1, built with $2"},
    {"verify.cudnn_version_mismatch", "Outdated cuDNN installation",
     R"(Outdated cuDNN installation found)", ""},
    {"verify.driver_too_old", "driver on your system is too old",
     R"(The NVIDIA driver on your system is too old(?: \(found version (\d+)\))?)", "$1"},
    {"verify.driver_too_old", "CUDA driver version is insufficient",
     R"(CUDA driver version is insufficient for CUDA runtime version)", "", true},
    {"verify.gpu_ignored", "Ignoring visible gpu device",
     R"(Ignoring visible gpu device \(device: \d+, name: ([^,]+),.*with Cuda compute capability ([\d.]+)\. The minimum required Cuda capability is ([\d.]*\d))",
     "$1: compute capability $2, minimum $3"},
    {"verify.ptx_jit", "jit-compiled from PTX",
     R"(compatible with compute capability ([\d.]*\d)\. CUDA kernels will be jit-compiled from PTX)",
     "$1"},
    {"verify.no_kernel_image", "no kernel image is available",
     R"(no kernel image is available for execution on the device)", ""},
    {"verify.no_kernel_image", "is not compatible with the current PyTorch installation",
     R"((.+) with CUDA capability (sm_\d+) is not compatible with the current PyTorch installation)",
     "$1 ($2)"},
    {"verify.not_compiled_with_cuda", "Torch not compiled with CUDA",
     R"(Torch not compiled with CUDA enabled)", ""},
    {"verify.jax_cuda_jaxlib_missing", "CUDA-enabled jaxlib is not installed",
     R"(CUDA-enabled jaxlib is not installed)", ""},
    {"verify.jax_plugin_failed", "Jax plugin configuration error",
     R"(Jax plugin configuration error: (.*))", "$1"},
    {"verify.jax_plugin_failed", "Unable to initialize backend|failed to initialize",
     R"((?:Unable to initialize backend|Backend) '(cuda|gpu)'(?: failed to initialize)?: (.+))",
     "$2"},
    {"verify.jax_plugin_failed", "CUDA backend failed to initialize",
     R"(CUDA backend failed to initialize: (.*))", "$1"},
    {"verify.ort_cuda_provider_failed", "Failed to create CUDAExecutionProvider",
     R"(Failed to create CUDAExecutionProvider\.?\s*(.*))", "$1"},
    {"verify.no_cuda_device", "no CUDA-capable device|CUDA_ERROR_NO_DEVICE",
     R"(no CUDA-capable device is detected|CUDA_ERROR_NO_DEVICE)", ""},
    {"verify.cuda_init_failed", "failed call to cuInit", R"(failed call to cuInit: (.*))", "$1"},
    // cudaErrorDevicesUnavailable's text, before and after CUDA 10.1, and the
    // driver API's name for it (TensorFlow, JAX).
    {"verify.device_unavailable", "busy or unavailable|CUDA_ERROR_DEVICE_UNAVAILABLE",
     R"((?:all CUDA-capable devices are|CUDA-capable device\(s\) is/are) busy or unavailable|CUDA_ERROR_DEVICE_UNAVAILABLE)",
     ""},
});

const std::vector<std::regex>& compiled() {
  static const std::vector<std::regex> all = [] {
    std::vector<std::regex> v;
    for (const auto& p : kPatterns) v.emplace_back(std::string(p.regex), std::regex::ECMAScript);
    return v;
  }();
  return all;
}

// Whether the line holds one of the pattern's '|'-separated literals: a
// cheap test, so that the regular expressions run only on candidate lines.
bool has_needle(std::string_view line, std::string_view needles) {
  for (auto needle : split(needles, '|')) {
    if (!needle.empty() && line.find(needle) != std::string_view::npos) return true;
  }
  return false;
}

std::string clean_detail(std::string s) {
  // An absent optional group leaves ": " or a trailing separator behind.
  while (!s.empty() && (s.back() == ' ' || s.back() == ':')) s.pop_back();
  if (s.size() > 300) s = s.substr(0, 300) + "…";
  return s;
}

}  // namespace

std::span<const MessagePattern> message_patterns() { return kPatterns; }

std::string strip_log_prefix(std::string_view line) {
  static const std::regex prefixes[] = {
      // absl / TensorFlow / XLA: "I0000 00:00:1795735766.026658   15005 cudart_stub.cc:31] "
      // and older TensorFlow: "2023-01-01 12:00:00.000000: W tensorflow/…/dso_loader.cc:64] "
      std::regex(R"(^.*?[\w.-]+\.(?:cc|cpp|h|py):\d+\]\s*)"),
      // ONNX Runtime: "2026-11-26 23:31:33.683 [W:onnxruntime:, file.cc:12 Func] "
      std::regex(R"(^.*?\[[EWIV]:onnxruntime:[^\]]*\]\s*)"),
      // Python warnings: "/…/torch/cuda/__init__.py:138: UserWarning: "
      std::regex(R"(^.*?\.py:\d+: \w*Warning: )"),
      // Python logging: "WARNING:jax._src.xla_bridge:", "ERROR:2025-07-17
      // 16:01:55,259:jax._src.xla_bridge:647: "
      std::regex(R"(^(?:DEBUG|INFO|WARNING|ERROR|CRITICAL):(?:[\d-]+ [\d:,]+:)?[\w.]+:(?:\d+: )?)"),
  };
  std::string s(line);
  for (const auto& re : prefixes) {
    std::smatch m;
    if (std::regex_search(s, m, re))
      return std::string(trim(s.substr(static_cast<size_t>(m.length(0)))));
  }
  return std::string(trim(s));
}

std::vector<LiveMessage> classify_messages(std::string_view text) {
  std::vector<LiveMessage> out;
  const auto& res = compiled();
  for (auto raw : split(text, '\n')) {
    if (raw.size() > 4000) raw = raw.substr(0, 4000);  // a runaway line is not worth a slow regex
    bool candidate = false;
    for (const auto& p : kPatterns) candidate = candidate || has_needle(raw, p.needle);
    if (!candidate) continue;
    std::string line = strip_log_prefix(raw);
    for (size_t i = 0; i < kPatterns.size(); ++i) {
      if (!has_needle(line, kPatterns[i].needle)) continue;
      std::smatch m;
      if (!std::regex_search(line, m, res[i])) continue;
      std::string shown = line;
      if (shown.size() > 500) {
        shown.resize(500);
        shown += "…";
      }
      LiveMessage msg{std::string(kPatterns[i].id.view()), sanitize_text(shown),
                      clean_detail(sanitize_text(m.format(std::string(kPatterns[i].detail)))),
                      kPatterns[i].also_without_driver};
      bool seen = false;
      for (const auto& o : out) seen = seen || (o.id == msg.id && o.detail == msg.detail);
      if (!seen) out.push_back(std::move(msg));
      break;  // one classification per line: the first, most specific pattern
    }
  }
  return out;
}

std::vector<std::string> placement_lines(std::string_view text) {
  static const std::regex re(R"(Executing op MatMul in device (\S+))");
  std::vector<std::string> out;
  for (auto raw : split(text, '\n')) {
    std::smatch m;
    std::string line(raw);
    if (std::regex_search(line, m, re)) out.push_back(m[1].str());
  }
  return out;
}

}  // namespace ongpu::verify
