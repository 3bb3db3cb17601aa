// `ongpu __probe nvml|cuda|cuda-enumerate`: the child side of a probe. The
// parent (facts/probes.cc) starts this with a deadline and reads its stdout.
#include <iostream>

#include "cli/commands.h"
#include "probe/cuda_probe.h"
#include "probe/libversion_probe.h"
#include "probe/nvml_probe.h"
#include "probe/nvml_watch_probe.h"
#include "util/strings.h"

namespace ongpu::cli {

int run_probe(std::vector<std::string> args) {
  if (args.size() == 1 && args[0] == "nvml") probe::run_nvml_probe();
  if (args.size() == 1 && args[0] == "cuda") probe::run_cuda_probe(true);
  if (args.size() == 1 && args[0] == "cuda-enumerate") probe::run_cuda_probe(false);
  if (args.size() == 2 && args[0] == "nvml-watch") {
    if (auto ms = parse_number<int>(args[1]); ms && *ms > 0) probe::run_nvml_watch(*ms);
  }
  if (args.size() >= 2 && args[0] == "libversion") {
    probe::run_libversion_probe(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  std::cerr << "ongpu __probe: expected nvml, nvml-watch MS, cuda, cuda-enumerate or libversion "
               "PATH...\n";
  return kExitUsage;
}

}  // namespace ongpu::cli
