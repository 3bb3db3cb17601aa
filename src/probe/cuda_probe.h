// Runs inside a probe child: loads libcuda.so.1 and asks the CUDA driver API
// what this process can use under the current environment. Never returns.
#pragma once

namespace ongpu::probe {

// create_contexts: also retain (create) each device's primary context, the
// step that fails on a prohibited or busy exclusive-process GPU.
[[noreturn]] void run_cuda_probe(bool create_contexts);

}  // namespace ongpu::probe
