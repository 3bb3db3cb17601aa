#include "probe/nvml_api.h"

#include <algorithm>
#include <cstring>

#include "probe/protocol.h"
#include "vendor/loader.h"

namespace ongpu::probe {
namespace {

using namespace ongpu::nvml;

template <class F>
F sym(void* h, std::initializer_list<const char*> names) {
  return reinterpret_cast<F>(vendor::find_symbol(h, names));
}

}  // namespace

NvmlApi bind_api(void* h) {
  NvmlApi a;
  a.init = sym<InitFn>(h, {"nvmlInit_v2", "nvmlInit"});
  a.error_string = sym<ErrorStringFn>(h, {"nvmlErrorString"});
  a.driver_version = sym<GetStringFn>(h, {"nvmlSystemGetDriverVersion"});
  a.cuda_driver_version =
      sym<GetIntFn>(h, {"nvmlSystemGetCudaDriverVersion_v2", "nvmlSystemGetCudaDriverVersion"});
  a.device_count = sym<GetUintFn>(h, {"nvmlDeviceGetCount_v2", "nvmlDeviceGetCount"});
  a.handle_by_index =
      sym<HandleByIndexFn>(h, {"nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetHandleByIndex"});
  a.name = sym<DeviceStringFn>(h, {"nvmlDeviceGetName"});
  a.uuid = sym<DeviceStringFn>(h, {"nvmlDeviceGetUUID"});
  a.pci = sym<DevicePciFn>(h, {"nvmlDeviceGetPciInfo_v3"});
  a.memory = sym<DeviceMemoryFn>(h, {"nvmlDeviceGetMemoryInfo"});
  a.cuda_cc = sym<DeviceTwoIntFn>(h, {"nvmlDeviceGetCudaComputeCapability"});
  a.compute_mode = sym<DeviceIntFn>(h, {"nvmlDeviceGetComputeMode"});
  a.persistence = sym<DeviceIntFn>(h, {"nvmlDeviceGetPersistenceMode"});
  a.mig_mode = sym<DeviceTwoUintFn>(h, {"nvmlDeviceGetMigMode"});
  a.max_mig = sym<DeviceUintFn>(h, {"nvmlDeviceGetMaxMigDeviceCount"});
  a.mig_handle = sym<MigHandleFn>(h, {"nvmlDeviceGetMigDeviceHandleByIndex"});
  a.retired_pending = sym<DeviceIntFn>(h, {"nvmlDeviceGetRetiredPagesPendingStatus"});
  a.remapped_rows = sym<RemappedRowsFn>(h, {"nvmlDeviceGetRemappedRows"});
  a.processes = sym<ProcessesFn>(
      h, {"nvmlDeviceGetComputeRunningProcesses_v3", "nvmlDeviceGetComputeRunningProcesses_v2"});
  if (!a.processes) {
    a.processes = sym<ProcessesFn>(h, {"nvmlDeviceGetComputeRunningProcesses"});
    a.processes_v2_layout = false;
  }
  a.utilization = sym<UtilizationFn>(h, {"nvmlDeviceGetUtilizationRates"});
  a.process_utilization = sym<ProcessUtilizationFn>(h, {"nvmlDeviceGetProcessUtilization"});
  return a;
}

std::vector<ComputeProcess> compute_processes(const NvmlApi& api, Device dev, Return* rc) {
  *rc = kErrorNotSupported;
  std::vector<ComputeProcess> out;
  if (!api.processes) return out;
  unsigned count = 64;
  const size_t entry = api.processes_v2_layout ? sizeof(ProcessInfoV2) : sizeof(ProcessInfoV1);
  std::vector<unsigned char> buf;
  for (int attempt = 0; attempt < 2; ++attempt) {
    count = std::min(count, 4096u);
    buf.assign(entry * (count + 1), 0);
    announce_stage("nvmlDeviceGetComputeRunningProcesses");
    *rc = api.processes(dev, &count, buf.data());
    if (*rc != kErrorInsufficientSize) break;  // count now holds the need
  }
  if (*rc != kSuccess) return out;
  count = std::min<unsigned>(count, static_cast<unsigned>(buf.size() / entry));
  for (unsigned i = 0; i < count; ++i) {
    ComputeProcess p;
    if (api.processes_v2_layout) {
      ProcessInfoV2 v;
      std::memcpy(&v, buf.data() + i * entry, sizeof v);
      p = {v.pid, v.used_gpu_memory};
    } else {
      ProcessInfoV1 v;
      std::memcpy(&v, buf.data() + i * entry, sizeof v);
      p = {v.pid, v.used_gpu_memory};
    }
    out.push_back(p);
  }
  return out;
}

}  // namespace ongpu::probe
