// `ongpu __probe nvml-watch MS`: the child `ongpu run` keeps while a command
// runs. It initialises NVML once, lists the GPUs, then every MS milliseconds
// writes one sample line: per GPU, its busy percentage, the compute processes
// with their memory and, where the driver supports it, each process's SM
// utilisation. Runs until its stdout closes (ongpu ended) or it is killed.
//
// Lines (one JSON object each, run/nvml_watcher.h reads them):
//   {"stage": "<NVML call>"}                      before each vendor call
//   {"error": {"call": C, "code": N, "message": M}}  NVML cannot be used; then exit
//   {"gpus": [{"index", "uuid", "name", "pci_bus_id", "memory_total"}]}
//   {"sample": {"t": UNIX_SECONDS, "gpus": [{"index", "util", "procs": [[pid, bytes|null]],
//                                              "putil": [[pid, sm_percent]]}]}}
#pragma once

namespace ongpu::probe {

[[noreturn]] void run_nvml_watch(int interval_ms);

}  // namespace ongpu::probe
