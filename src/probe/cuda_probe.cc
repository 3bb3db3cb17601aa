#include "probe/cuda_probe.h"

#include <fmt/format.h>

#include <cstring>
#include <vector>

#include "facts/json.h"
#include "probe/nvml_probe.h"
#include "probe/protocol.h"
#include "util/strings.h"
#include "vendor/cuda_abi.h"
#include "vendor/loader.h"

namespace ongpu::probe {
namespace {

using namespace ongpu::cuda;

struct Api {
  InitFn init = nullptr;
  DriverGetVersionFn driver_version = nullptr;
  DeviceGetCountFn count = nullptr;
  DeviceGetFn get = nullptr;
  DeviceGetNameFn name = nullptr;
  DeviceGetUuidFn uuid = nullptr;
  DeviceGetPciBusIdFn pci = nullptr;
  DeviceGetAttributeFn attribute = nullptr;
  DeviceTotalMemFn total_mem = nullptr;
  PrimaryCtxRetainFn retain = nullptr;
  PrimaryCtxReleaseFn release = nullptr;
  GetErrorStringFn error_string = nullptr;
};

template <class F>
F sym(void* h, std::initializer_list<const char*> names) {
  return reinterpret_cast<F>(vendor::find_symbol(h, names));
}

std::string message_for(const Api& api, cuda::Result rc) {
  const char* m = nullptr;
  // A stub or broken driver may fail this too; fall back to our own words.
  if (api.error_string && api.error_string(rc, &m) == kSuccess && m) {
    return sanitize_text(std::string_view(m, ::strnlen(m, 256)));
  }
  return describe(rc).meaning;
}

ApiResult api_result(const Api& api, cuda::Result rc) {
  return {rc, describe(rc).name, message_for(api, rc)};
}

template <class T>
Fact<T> failed(const Api& api, const char* call, cuda::Result rc) {
  return Fact<T>::missing(
      fmt::format("{} returned {} ({})", call, describe(rc).name, message_for(api, rc)));
}

std::string format_uuid(const Uuid& u) {
  std::string hex;
  for (unsigned char b : u.bytes) hex += fmt::format("{:02x}", b);
  return fmt::format("GPU-{}-{}-{}-{}-{}", hex.substr(0, 8), hex.substr(8, 4), hex.substr(12, 4),
                     hex.substr(16, 4), hex.substr(20, 12));
}

CudaDevice read_device(const Api& api, int ordinal, bool create_context) {
  CudaDevice d;
  d.ordinal = ordinal;
  Device dev = 0;
  announce_stage("cuDeviceGet");
  cuda::Result rc = api.get ? api.get(&dev, ordinal) : kErrorNoDevice;
  if (rc != kSuccess) {
    auto why = failed<std::string>(api, "cuDeviceGet", rc);
    d.name = d.uuid = d.pci_bus_id = d.compute_capability = why;
    d.memory_total_bytes = Fact<uint64_t>::missing(why.reason);
    d.context = Fact<ApiResult>::missing(why.reason);
    return d;
  }
  if (api.name) {
    std::vector<char> buf(257, '\0');
    announce_stage("cuDeviceGetName");
    rc = api.name(buf.data(), 256, dev);
    buf[256] = '\0';
    d.name = rc == kSuccess ? Fact<std::string>(sanitize_text(buf.data()))
                            : failed<std::string>(api, "cuDeviceGetName", rc);
  }
  if (api.uuid) {
    Uuid u{};
    announce_stage("cuDeviceGetUuid_v2");
    rc = api.uuid(&u, dev);
    d.uuid = rc == kSuccess ? Fact<std::string>(format_uuid(u))
                            : failed<std::string>(api, "cuDeviceGetUuid_v2", rc);
  } else {
    d.uuid = Fact<std::string>::missing("cuDeviceGetUuid is not in this libcuda");
  }
  if (api.pci) {
    std::vector<char> buf(65, '\0');
    announce_stage("cuDeviceGetPCIBusId");
    rc = api.pci(buf.data(), 64, dev);
    buf[64] = '\0';
    d.pci_bus_id = rc == kSuccess ? Fact<std::string>(sanitize_text(buf.data()))
                                  : failed<std::string>(api, "cuDeviceGetPCIBusId", rc);
  }
  if (api.attribute) {
    int major = 0, minor = 0;
    announce_stage("cuDeviceGetAttribute");
    rc = api.attribute(&major, kAttrComputeCapabilityMajor, dev);
    if (rc == kSuccess) rc = api.attribute(&minor, kAttrComputeCapabilityMinor, dev);
    d.compute_capability = rc == kSuccess ? Fact<std::string>(fmt::format("{}.{}", major, minor))
                                          : failed<std::string>(api, "cuDeviceGetAttribute", rc);
  }
  if (api.total_mem) {
    unsigned long long bytes = 0;
    announce_stage("cuDeviceTotalMem_v2");
    rc = api.total_mem(&bytes, dev);
    d.memory_total_bytes = rc == kSuccess ? Fact<uint64_t>(static_cast<uint64_t>(bytes))
                                          : failed<uint64_t>(api, "cuDeviceTotalMem_v2", rc);
  }
  if (!create_context) {
    d.context = Fact<ApiResult>::missing("not tried in this probe");
  } else if (!api.retain) {
    d.context = Fact<ApiResult>::missing("cuDevicePrimaryCtxRetain is not in this libcuda");
  } else {
    Context ctx = nullptr;
    announce_stage("cuDevicePrimaryCtxRetain");
    rc = api.retain(&ctx, dev);
    d.context = api_result(api, rc);
    if (rc == kSuccess && api.release) {
      announce_stage("cuDevicePrimaryCtxRelease_v2");
      api.release(dev);
    }
  }
  return d;
}

}  // namespace

void run_cuda_probe(bool create_contexts) {
  CudaFacts f;
  json unavailable = json::object();
  announce_stage("dlopen libcuda.so.1");
  auto lib = vendor::open_library("libcuda.so.1");
  f.library = lib.fact;
  const std::string not_loaded = "libcuda.so.1 could not be loaded";
  f.init = Fact<ApiResult>::missing(not_loaded);
  f.driver_version = Fact<int>::missing(not_loaded);
  f.device_count = Fact<int>::missing(not_loaded);
  if (!lib.handle) finish(to_json_value(f, unavailable, "cuda"), unavailable);

  void* h = lib.handle;
  Api api;
  api.init = sym<InitFn>(h, {"cuInit"});
  api.driver_version = sym<DriverGetVersionFn>(h, {"cuDriverGetVersion"});
  api.count = sym<DeviceGetCountFn>(h, {"cuDeviceGetCount"});
  api.get = sym<DeviceGetFn>(h, {"cuDeviceGet"});
  api.name = sym<DeviceGetNameFn>(h, {"cuDeviceGetName"});
  api.uuid = sym<DeviceGetUuidFn>(h, {"cuDeviceGetUuid_v2", "cuDeviceGetUuid"});
  api.pci = sym<DeviceGetPciBusIdFn>(h, {"cuDeviceGetPCIBusId"});
  api.attribute = sym<DeviceGetAttributeFn>(h, {"cuDeviceGetAttribute"});
  api.total_mem = sym<DeviceTotalMemFn>(h, {"cuDeviceTotalMem_v2"});
  api.retain = sym<PrimaryCtxRetainFn>(h, {"cuDevicePrimaryCtxRetain"});
  api.release =
      sym<PrimaryCtxReleaseFn>(h, {"cuDevicePrimaryCtxRelease_v2", "cuDevicePrimaryCtxRelease"});
  api.error_string = sym<GetErrorStringFn>(h, {"cuGetErrorString"});

  // cuDriverGetVersion works before cuInit and even when cuInit fails.
  if (api.driver_version) {
    int v = 0;
    announce_stage("cuDriverGetVersion");
    cuda::Result rc = api.driver_version(&v);
    f.driver_version = rc == kSuccess ? Fact<int>(v) : failed<int>(api, "cuDriverGetVersion", rc);
  }
  if (!api.init) {
    f.init = Fact<ApiResult>::missing("cuInit is not in this libcuda");
    finish(to_json_value(f, unavailable, "cuda"), unavailable);
  }
  announce_stage("cuInit");
  cuda::Result rc = api.init(0);
  f.init = api_result(api, rc);
  if (rc != kSuccess) {
    f.device_count = Fact<int>::missing(fmt::format("cuInit failed ({})", describe(rc).name));
    finish(to_json_value(f, unavailable, "cuda"), unavailable);
  }
  int count = 0;
  announce_stage("cuDeviceGetCount");
  rc = api.count ? api.count(&count) : kErrorNoDevice;
  if (rc != kSuccess) {
    f.device_count = failed<int>(api, "cuDeviceGetCount", rc);
    finish(to_json_value(f, unavailable, "cuda"), unavailable);
  }
  f.device_count = count;
  for (int i = 0; i < std::min<int>(count, static_cast<int>(kMaxGpus)); ++i) {
    f.devices.push_back(read_device(api, i, create_contexts));
  }
  finish(to_json_value(f, unavailable, "cuda"), unavailable);
}

}  // namespace ongpu::probe
