// The NVML entry points ongpu's probe children call, bound from the loaded
// libnvidia-ml.so.1 (newest ABI first). Only used inside probe children.
#pragma once

#include <vector>

#include "vendor/nvml_abi.h"

namespace ongpu::probe {

struct NvmlApi {
  nvml::InitFn init = nullptr;
  nvml::ErrorStringFn error_string = nullptr;
  nvml::GetStringFn driver_version = nullptr;
  nvml::GetIntFn cuda_driver_version = nullptr;
  nvml::GetUintFn device_count = nullptr;
  nvml::HandleByIndexFn handle_by_index = nullptr;
  nvml::DeviceStringFn name = nullptr;
  nvml::DeviceStringFn uuid = nullptr;
  nvml::DevicePciFn pci = nullptr;
  nvml::DeviceMemoryFn memory = nullptr;
  nvml::DeviceTwoIntFn cuda_cc = nullptr;
  nvml::DeviceIntFn compute_mode = nullptr;
  nvml::DeviceIntFn persistence = nullptr;
  nvml::DeviceTwoUintFn mig_mode = nullptr;
  nvml::DeviceUintFn max_mig = nullptr;
  nvml::MigHandleFn mig_handle = nullptr;
  nvml::DeviceIntFn retired_pending = nullptr;
  nvml::RemappedRowsFn remapped_rows = nullptr;
  nvml::ProcessesFn processes = nullptr;
  bool processes_v2_layout = true;
  nvml::UtilizationFn utilization = nullptr;
  nvml::ProcessUtilizationFn process_utilization = nullptr;
};

NvmlApi bind_api(void* handle);

struct ComputeProcess {
  unsigned pid = 0;
  unsigned long long used_memory = 0;  // nvml::kValueNotAvailable when NVML has none
};

// nvmlDeviceGetComputeRunningProcesses with NVML's count protocol (room for a
// generous count, once more when that was short). *rc: the call's result.
std::vector<ComputeProcess> compute_processes(const NvmlApi& api, nvml::Device dev,
                                              nvml::Return* rc);

}  // namespace ongpu::probe
