// Runs inside a probe child: loads libnvidia-ml.so.1, initialises NVML and
// reads the driver and every GPU. Never returns.
#pragma once

namespace ongpu::probe {

[[noreturn]] void run_nvml_probe();

// At most this many GPUs are enumerated; a larger count is reported as is.
inline constexpr unsigned kMaxGpus = 64;

}  // namespace ongpu::probe
