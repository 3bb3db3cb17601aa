#include "probe/nvml_probe.h"

#include <fmt/format.h>

#include <cstring>
#include <vector>

#include "facts/json.h"
#include "probe/nvml_api.h"
#include "probe/protocol.h"
#include "util/strings.h"
#include "vendor/loader.h"
#include "vendor/nvml_abi.h"

namespace ongpu::probe {
namespace {

using namespace ongpu::nvml;

std::string message_for(const NvmlApi& api, Return rc) {
  if (api.error_string) {
    if (const char* m = api.error_string(rc))
      return sanitize_text(std::string_view(m, ::strnlen(m, 256)));
  }
  return describe(rc).meaning;
}

ApiResult api_result(const NvmlApi& api, Return rc) {
  return {rc, describe(rc).name, message_for(api, rc)};
}

template <class T>
Fact<T> failed(const NvmlApi& api, const char* call, Return rc) {
  return Fact<T>::missing(
      fmt::format("{} returned {} ({})", call, describe(rc).name, message_for(api, rc)));
}

template <class T>
Fact<T> no_symbol(const char* call) {
  return Fact<T>::missing(fmt::format("{} is not in this libnvidia-ml", call));
}

// Vendor strings are not trusted to end in NUL: give one byte more than we
// tell the library about, and terminate it ourselves.
Fact<std::string> device_string(const NvmlApi& api, DeviceStringFn fn, const char* call, Device dev,
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

NvmlGpu read_gpu(const NvmlApi& api, unsigned index) {
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
      g.mig_enabled = rc == kErrorNotSupported ? Fact<bool>(false)
                                               : failed<bool>(api, "nvmlDeviceGetMigMode", rc);
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
    Return rc2 = kSuccess;
    auto listed = compute_processes(api, dev, &rc2);
    if (rc2 != kSuccess) {
      g.compute_processes =
          failed<std::vector<GpuProcess>>(api, "nvmlDeviceGetComputeRunningProcesses", rc2);
    } else {
      std::vector<GpuProcess> procs;
      for (const auto& p : listed) {
        GpuProcess gp;
        gp.pid = p.pid;
        gp.used_memory_bytes = p.used_memory == kValueNotAvailable
                                   ? Fact<uint64_t>::missing("NVML does not report it here")
                                   : Fact<uint64_t>(static_cast<uint64_t>(p.used_memory));
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

  NvmlApi api = bind_api(lib.handle);
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
