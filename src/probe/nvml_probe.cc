#include "probe/nvml_probe.h"

#include <fmt/format.h>

#include <cstring>
#include <vector>

#include "facts/json.h"
#include "probe/protocol.h"
#include "util/strings.h"
#include "vendor/loader.h"
#include "vendor/nvml_abi.h"

namespace ongpu::probe {
namespace {

using namespace ongpu::nvml;

struct Api {
  InitFn init = nullptr;
  ErrorStringFn error_string = nullptr;
  GetStringFn driver_version = nullptr;
  GetIntFn cuda_driver_version = nullptr;
  GetUintFn device_count = nullptr;
  HandleByIndexFn handle_by_index = nullptr;
  DeviceStringFn name = nullptr;
  DeviceStringFn uuid = nullptr;
  DevicePciFn pci = nullptr;
  DeviceMemoryFn memory = nullptr;
  DeviceTwoIntFn cuda_cc = nullptr;
  DeviceIntFn compute_mode = nullptr;
  DeviceIntFn persistence = nullptr;
  DeviceTwoUintFn mig_mode = nullptr;
  DeviceUintFn max_mig = nullptr;
  MigHandleFn mig_handle = nullptr;
  DeviceIntFn retired_pending = nullptr;
  RemappedRowsFn remapped_rows = nullptr;
  ProcessesFn processes = nullptr;
  bool processes_v2_layout = true;
};

template <class F>
F sym(void* h, std::initializer_list<const char*> names) {
  return reinterpret_cast<F>(vendor::find_symbol(h, names));
}

Api bind(void* h) {
  Api a;
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
  return a;
}

std::string message_for(const Api& api, Return rc) {
  if (api.error_string) {
    if (const char* m = api.error_string(rc))
      return sanitize_text(std::string_view(m, ::strnlen(m, 256)));
  }
  return describe(rc).meaning;
}

ApiResult api_result(const Api& api, Return rc) {
  return {rc, describe(rc).name, message_for(api, rc)};
}

template <class T>
Fact<T> failed(const Api& api, const char* call, Return rc) {
  return Fact<T>::missing(
      fmt::format("{} returned {} ({})", call, describe(rc).name, message_for(api, rc)));
}

template <class T>
Fact<T> no_symbol(const char* call) {
  return Fact<T>::missing(fmt::format("{} is not in this libnvidia-ml", call));
}

// Vendor strings are not trusted to end in NUL: give one byte more than we
// tell the library about, and terminate it ourselves.
Fact<std::string> device_string(const Api& api, DeviceStringFn fn, const char* call, Device dev,
                                unsigned size) {
  if (!fn) return no_symbol<std::string>(call);
  std::vector<char> buf(size + 1, '\0');
  announce_stage(call);
  Return rc = fn(dev, buf.data(), size);
  if (rc != kSuccess) return failed<std::string>(api, call, rc);
  buf[size] = '\0';
  return sanitize_text(buf.data());
}

Fact<ComputeMode> compute_mode_fact(int mode) {
  switch (mode) {
    case kComputeModeDefault:
      return ComputeMode::shared;
    case kComputeModeExclusiveThread:
      return ComputeMode::exclusive_thread;
    case kComputeModeProhibited:
      return ComputeMode::prohibited;
    case kComputeModeExclusiveProcess:
      return ComputeMode::exclusive_process;
    default:
      return Fact<ComputeMode>::missing(fmt::format(
          "nvmlDeviceGetComputeMode returned mode {}, which nvml.h does not name", mode));
  }
}

NvmlGpu read_gpu(const Api& api, unsigned index) {
  NvmlGpu g;
  g.index = index;
  Device dev = nullptr;
  announce_stage("nvmlDeviceGetHandleByIndex_v2");
  Return rc = api.handle_by_index(index, &dev);
  if (rc != kSuccess) {
    auto why = failed<std::string>(api, "nvmlDeviceGetHandleByIndex_v2", rc).reason;
    g.name = g.uuid = g.pci_bus_id = g.compute_capability = Fact<std::string>::missing(why);
    g.compute_mode = Fact<ComputeMode>::missing(why);
    g.memory_total_bytes = g.memory_used_bytes = Fact<uint64_t>::missing(why);
    g.persistence_mode = g.mig_enabled = g.retired_pages_pending = g.row_remap_pending =
        g.row_remap_failed = Fact<bool>::missing(why);
    g.mig_device_uuids = Fact<std::vector<std::string>>::missing(why);
    g.compute_processes = Fact<std::vector<GpuProcess>>::missing(why);
    return g;
  }
  g.name = device_string(api, api.name, "nvmlDeviceGetName", dev, kDeviceNameBufferSize);
  g.uuid = device_string(api, api.uuid, "nvmlDeviceGetUUID", dev, kDeviceUuidBufferSize);

  if (!api.pci) {
    g.pci_bus_id = no_symbol<std::string>("nvmlDeviceGetPciInfo_v3");
  } else {
    PciInfo pci{};
    announce_stage("nvmlDeviceGetPciInfo_v3");
    rc = api.pci(dev, &pci);
    if (rc == kSuccess) {
      pci.bus_id[sizeof pci.bus_id - 1] = '\0';
      g.pci_bus_id = sanitize_text(pci.bus_id);
    } else {
      g.pci_bus_id = failed<std::string>(api, "nvmlDeviceGetPciInfo_v3", rc);
    }
  }

  if (!api.memory) {
    g.memory_total_bytes = g.memory_used_bytes = no_symbol<uint64_t>("nvmlDeviceGetMemoryInfo");
  } else {
    Memory mem{};
    announce_stage("nvmlDeviceGetMemoryInfo");
    rc = api.memory(dev, &mem);
    if (rc == kSuccess) {
      g.memory_total_bytes = static_cast<uint64_t>(mem.total);
      g.memory_used_bytes = static_cast<uint64_t>(mem.used);
    } else {
      g.memory_total_bytes = g.memory_used_bytes =
          failed<uint64_t>(api, "nvmlDeviceGetMemoryInfo", rc);
    }
  }

  if (!api.cuda_cc) {
    g.compute_capability = no_symbol<std::string>("nvmlDeviceGetCudaComputeCapability");
  } else {
    int major = 0, minor = 0;
    announce_stage("nvmlDeviceGetCudaComputeCapability");
    rc = api.cuda_cc(dev, &major, &minor);
    g.compute_capability = rc == kSuccess
                               ? Fact<std::string>(fmt::format("{}.{}", major, minor))
                               : failed<std::string>(api, "nvmlDeviceGetCudaComputeCapability", rc);
  }

  if (!api.compute_mode) {
    g.compute_mode = no_symbol<ComputeMode>("nvmlDeviceGetComputeMode");
  } else {
    int mode = 0;
    announce_stage("nvmlDeviceGetComputeMode");
    rc = api.compute_mode(dev, &mode);
    g.compute_mode = rc == kSuccess ? compute_mode_fact(mode)
                                    : failed<ComputeMode>(api, "nvmlDeviceGetComputeMode", rc);
  }

  if (!api.persistence) {
    g.persistence_mode = no_symbol<bool>("nvmlDeviceGetPersistenceMode");
  } else {
    int on = 0;
    announce_stage("nvmlDeviceGetPersistenceMode");
    rc = api.persistence(dev, &on);
    g.persistence_mode = rc == kSuccess ? Fact<bool>(on != 0)
                                        : failed<bool>(api, "nvmlDeviceGetPersistenceMode", rc);
  }

  if (!api.mig_mode) {
    g.mig_enabled = no_symbol<bool>("nvmlDeviceGetMigMode");
    g.mig_device_uuids = no_symbol<std::vector<std::string>>("nvmlDeviceGetMigMode");
  } else {
    unsigned current = 0, pending = 0;
    announce_stage("nvmlDeviceGetMigMode");
    rc = api.mig_mode(dev, &current, &pending);
    if (rc != kSuccess) {
      // NOT_SUPPORTED is the ordinary answer on GPUs without MIG.
      g.mig_enabled = rc == 3 ? Fact<bool>(false) : failed<bool>(api, "nvmlDeviceGetMigMode", rc);
      g.mig_device_uuids = std::vector<std::string>{};
    } else {
      g.mig_enabled = current == 1;
      std::vector<std::string> uuids;
      unsigned max = 0;
      if (current == 1 && api.max_mig && api.mig_handle && api.uuid) {
        announce_stage("nvmlDeviceGetMaxMigDeviceCount");
        if (api.max_mig(dev, &max) == kSuccess) {
          for (unsigned i = 0; i < std::min(max, 64u); ++i) {
            Device mig = nullptr;
            announce_stage("nvmlDeviceGetMigDeviceHandleByIndex");
            if (api.mig_handle(dev, i, &mig) != kSuccess) continue;
            auto u = device_string(api, api.uuid, "nvmlDeviceGetUUID", mig, kDeviceUuidBufferSize);
            if (u) uuids.push_back(*u);
          }
        }
      }
      g.mig_device_uuids = uuids;
    }
  }

  if (!api.retired_pending) {
    g.retired_pages_pending = no_symbol<bool>("nvmlDeviceGetRetiredPagesPendingStatus");
  } else {
    int pending = 0;
    announce_stage("nvmlDeviceGetRetiredPagesPendingStatus");
    rc = api.retired_pending(dev, &pending);
    g.retired_pages_pending = rc == kSuccess
                                  ? Fact<bool>(pending != 0)
                                  : failed<bool>(api, "nvmlDeviceGetRetiredPagesPendingStatus", rc);
  }

  if (!api.remapped_rows) {
    g.row_remap_pending = g.row_remap_failed = no_symbol<bool>("nvmlDeviceGetRemappedRows");
  } else {
    unsigned corr = 0, unc = 0, pending = 0, failure = 0;
    announce_stage("nvmlDeviceGetRemappedRows");
    rc = api.remapped_rows(dev, &corr, &unc, &pending, &failure);
    if (rc == kSuccess) {
      g.row_remap_pending = pending != 0;
      g.row_remap_failed = failure != 0;
    } else {
      g.row_remap_pending = g.row_remap_failed = failed<bool>(api, "nvmlDeviceGetRemappedRows", rc);
    }
  }

  if (!api.processes) {
    g.compute_processes =
        no_symbol<std::vector<GpuProcess>>("nvmlDeviceGetComputeRunningProcesses");
  } else {
    // The usual NVML protocol: room for a generous count, retry once if short.
    unsigned count = 64;
    const size_t entry = api.processes_v2_layout ? sizeof(ProcessInfoV2) : sizeof(ProcessInfoV1);
    std::vector<unsigned char> buf;
    for (int attempt = 0; attempt < 2; ++attempt) {
      count = std::min(count, 4096u);
      buf.assign(entry * (count + 1), 0);
      announce_stage("nvmlDeviceGetComputeRunningProcesses");
      rc = api.processes(dev, &count, buf.data());
      if (rc != 7) break;  // NVML_ERROR_INSUFFICIENT_SIZE: count now holds the need
    }
    if (rc != kSuccess) {
      g.compute_processes =
          failed<std::vector<GpuProcess>>(api, "nvmlDeviceGetComputeRunningProcesses", rc);
    } else {
      std::vector<GpuProcess> procs;
      count = std::min<unsigned>(count, static_cast<unsigned>(buf.size() / entry));
      for (unsigned i = 0; i < count; ++i) {
        unsigned pid = 0;
        unsigned long long used = 0;
        if (api.processes_v2_layout) {
          ProcessInfoV2 p;
          std::memcpy(&p, buf.data() + i * entry, sizeof p);
          pid = p.pid;
          used = p.used_gpu_memory;
        } else {
          ProcessInfoV1 p;
          std::memcpy(&p, buf.data() + i * entry, sizeof p);
          pid = p.pid;
          used = p.used_gpu_memory;
        }
        GpuProcess gp;
        gp.pid = pid;
        gp.used_memory_bytes = used == kValueNotAvailable
                                   ? Fact<uint64_t>::missing("NVML does not report it here")
                                   : Fact<uint64_t>(static_cast<uint64_t>(used));
        procs.push_back(gp);
      }
      g.compute_processes = procs;
    }
  }
  return g;
}

}  // namespace

void run_nvml_probe() {
  NvmlFacts f;
  json unavailable = json::object();
  announce_stage("dlopen libnvidia-ml.so.1");
  auto lib = vendor::open_library("libnvidia-ml.so.1");
  f.library = lib.fact;
  const std::string not_loaded = "libnvidia-ml.so.1 could not be loaded";
  f.init = Fact<ApiResult>::missing(not_loaded);
  f.driver_version = Fact<std::string>::missing(not_loaded);
  f.cuda_driver_version = Fact<int>::missing(not_loaded);
  f.device_count = Fact<uint32_t>::missing(not_loaded);
  if (!lib.handle) finish(to_json_value(f, unavailable, "nvml"), unavailable);

  Api api = bind(lib.handle);
  if (!api.init) {
    f.init = Fact<ApiResult>::missing("nvmlInit is not in this libnvidia-ml");
    finish(to_json_value(f, unavailable, "nvml"), unavailable);
  }
  announce_stage("nvmlInit_v2");
  Return rc = api.init();
  f.init = api_result(api, rc);
  if (rc != kSuccess) {
    std::string why = fmt::format("nvmlInit_v2 failed ({})", describe(rc).name);
    f.driver_version = Fact<std::string>::missing(why);
    f.cuda_driver_version = Fact<int>::missing(why);
    f.device_count = Fact<uint32_t>::missing(why);
    finish(to_json_value(f, unavailable, "nvml"), unavailable);
  }

  if (api.driver_version) {
    std::vector<char> buf(kDriverVersionBufferSize + 1, '\0');
    announce_stage("nvmlSystemGetDriverVersion");
    rc = api.driver_version(buf.data(), kDriverVersionBufferSize);
    buf[kDriverVersionBufferSize] = '\0';
    f.driver_version = rc == kSuccess ? Fact<std::string>(sanitize_text(buf.data()))
                                      : failed<std::string>(api, "nvmlSystemGetDriverVersion", rc);
  } else {
    f.driver_version = no_symbol<std::string>("nvmlSystemGetDriverVersion");
  }
  if (api.cuda_driver_version) {
    int v = 0;
    announce_stage("nvmlSystemGetCudaDriverVersion_v2");
    rc = api.cuda_driver_version(&v);
    f.cuda_driver_version =
        rc == kSuccess ? Fact<int>(v) : failed<int>(api, "nvmlSystemGetCudaDriverVersion_v2", rc);
  } else {
    f.cuda_driver_version = no_symbol<int>("nvmlSystemGetCudaDriverVersion");
  }
  if (!api.device_count || !api.handle_by_index) {
    f.device_count = no_symbol<uint32_t>("nvmlDeviceGetCount_v2");
    finish(to_json_value(f, unavailable, "nvml"), unavailable);
  }
  unsigned count = 0;
  announce_stage("nvmlDeviceGetCount_v2");
  rc = api.device_count(&count);
  if (rc != kSuccess) {
    f.device_count = failed<uint32_t>(api, "nvmlDeviceGetCount_v2", rc);
    finish(to_json_value(f, unavailable, "nvml"), unavailable);
  }
  f.device_count = count;
  for (unsigned i = 0; i < std::min(count, kMaxGpus); ++i) f.gpus.push_back(read_gpu(api, i));
  // No nvmlShutdown: finish() leaves with _exit, and the process is gone anyway.
  finish(to_json_value(f, unavailable, "nvml"), unavailable);
}

}  // namespace ongpu::probe
