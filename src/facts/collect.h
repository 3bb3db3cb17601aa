// Collectors: each gathers the facts of one domain and never judges them.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "facts/factset.h"
#include "sys/fs.h"

namespace ongpu {

HostFacts collect_host(const sys::FileSystem& fs);
PciFacts collect_pci(const sys::FileSystem& fs);
KernelModuleFacts collect_kernel_module(const sys::FileSystem& fs);
DeviceNodeFacts collect_device_nodes(const sys::FileSystem& fs);

// The environment variables ongpu judges, from the given map (name -> value).
EnvFacts collect_env(const std::map<std::string, std::string>& environment);
std::map<std::string, std::string> current_environment();

// Runs the NVML and CUDA probes as child processes of `self_exe`, all at once,
// each bounded by `deadline`.
struct ProbeFacts {
  NvmlFacts nvml;
  CudaFacts cuda;
  CudaFacts cuda_all;
};
ProbeFacts collect_probes(const std::string& self_exe, const EnvFacts& env,
                          std::chrono::milliseconds deadline);

struct CollectOptions {
  std::string root = "/";  // a fixture root in tests
  std::chrono::milliseconds deadline{10000};
  bool run_probes = true;
};
FactSet collect_all(const CollectOptions& options);

}  // namespace ongpu
