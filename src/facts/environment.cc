// The environment variables that decide what CUDA sees.
#include <unistd.h>

#include "facts/collect.h"
#include "util/strings.h"

extern char** environ;

namespace ongpu {
namespace {

// Variables that attach a debugger, profiler or injection library to every
// CUDA process; DCGM's software diagnostic flags these as well.
// Names: CUDA Programming Guide, "CUDA Environment Variables"; Nsight docs.
constexpr const char* kDebugVariables[] = {
    "CUDA_INJECTION64_PATH", "CUDA_ENABLE_COREDUMP_ON_EXCEPTION",
    "CUDA_COREDUMP_FILE",    "CUDA_DEVICE_WAITS_ON_EXCEPTION",
    "CUDA_LAUNCH_BLOCKING",  "CUDA_DISABLE_PTX_JIT",
    "CUDA_FORCE_PTX_JIT",    "NSIGHT_CUDA_DEBUGGER",
    "CUDA_PROFILE",          "COMPUTE_PROFILE",
};

std::optional<std::string> get(const std::map<std::string, std::string>& e, const char* key) {
  auto it = e.find(key);
  if (it == e.end()) return std::nullopt;
  return sanitize_text(it->second);
}

}  // namespace

std::map<std::string, std::string> current_environment() {
  std::map<std::string, std::string> out;
  for (char** e = environ; e && *e; ++e) {
    std::string entry = *e;
    auto eq = entry.find('=');
    if (eq == std::string::npos) continue;
    out.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return out;
}

EnvFacts collect_env(const std::map<std::string, std::string>& environment) {
  EnvFacts env;
  env.cuda_visible_devices = get(environment, "CUDA_VISIBLE_DEVICES");
  env.cuda_device_order = get(environment, "CUDA_DEVICE_ORDER");
  env.nvidia_visible_devices = get(environment, "NVIDIA_VISIBLE_DEVICES");
  env.ld_library_path = get(environment, "LD_LIBRARY_PATH");
  env.ld_preload = get(environment, "LD_PRELOAD");
  env.jax_platforms = get(environment, "JAX_PLATFORMS");
  env.tf_cpp_min_log_level = get(environment, "TF_CPP_MIN_LOG_LEVEL");
  for (const char* name : kDebugVariables) {
    if (auto v = get(environment, name)) env.debug_variables[name] = *v;  // sanitized by get()
  }
  return env;
}

}  // namespace ongpu
