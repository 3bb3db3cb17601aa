// Collectors: each gathers the facts of one domain and never judges them.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "facts/factset.h"
#include "sys/fs.h"

namespace ongpu {
namespace knowledge {
class LoadOnce;
}

HostFacts collect_host(const sys::FileSystem& fs);
PciFacts collect_pci(const sys::FileSystem& fs);
KernelModuleFacts collect_kernel_module(const sys::FileSystem& fs);
DeviceNodeFacts collect_device_nodes(const sys::FileSystem& fs);

// The environment variables ongpu judges, from the given map (name -> value).
EnvFacts collect_env(const std::map<std::string, std::string>& environment);
std::map<std::string, std::string> current_environment();

// Runs the NVML and CUDA probes as child processes of `self_exe`, and asks
// each Python interpreter about itself, all at once, each bounded by `deadline`;
// does `meanwhile` in this thread while they run (sys::run_children). An
// interpreter whose path is a key of `answers` is not started: the value is
// its answer to the query (the Python API answers for the calling
// interpreter; python::parse_query reads it as it reads a child's output).
struct ProbeFacts {
  NvmlFacts nvml;
  CudaFacts cuda;
  CudaFacts cuda_all;
  std::vector<PythonEnv> python;  // without distributions yet
};
ProbeFacts collect_probes(const std::string& self_exe, const EnvFacts& env,
                          const std::vector<std::pair<std::string, std::string>>& interpreters,
                          std::chrono::milliseconds deadline,
                          const std::function<void()>& meanwhile = {},
                          const std::map<std::string, std::string>& answers = {});

struct CollectOptions {
  std::string root = "/";  // a fixture root in tests
  std::chrono::milliseconds deadline{10000};
  bool run_probes = true;
  std::vector<std::string> python;  // --python, in order
  // --python-answer: interpreter path -> its own answer to the query, read
  // instead of starting it (collect_probes).
  std::map<std::string, std::string> python_answers;
  bool discover_python = true;  // also VIRTUAL_ENV, CONDA_PREFIX and PATH
  bool library_versions =
      false;  // ask each resolved CUDA library its version (loads it, in a child)
  // The run's tables (the sonames of TensorFlow builds without wheel pins),
  // loaded here on first need; null: the embedded tables, loaded when needed.
  const knowledge::LoadOnce* knowledge = nullptr;
};
FactSet collect_all(const CollectOptions& options);

}  // namespace ongpu
