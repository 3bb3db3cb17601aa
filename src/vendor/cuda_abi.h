// Our own minimal CUDA driver API declarations; libcuda is only reached
// through dlopen, inside a probe child. Values follow the CUDA 13.0 toolkit's
// include/cuda.h (also on this build machine under /usr/local/cuda/include).
#pragma once

namespace ongpu::cuda {

using Result = int;  // CUresult
using Device = int;  // CUdevice
using Context = struct CUctx_st*;

inline constexpr Result kSuccess = 0;
inline constexpr Result kErrorStubLibrary = 34;            // CUDA_ERROR_STUB_LIBRARY
inline constexpr Result kErrorDeviceUnavailable = 46;      // CUDA_ERROR_DEVICE_UNAVAILABLE
inline constexpr Result kErrorNoDevice = 100;              // CUDA_ERROR_NO_DEVICE
inline constexpr Result kErrorOperatingSystem = 304;       // CUDA_ERROR_OPERATING_SYSTEM
inline constexpr Result kErrorSystemNotReady = 802;        // CUDA_ERROR_SYSTEM_NOT_READY
inline constexpr Result kErrorSystemDriverMismatch = 803;  // CUDA_ERROR_SYSTEM_DRIVER_MISMATCH
inline constexpr Result kErrorCompatNotSupportedOnDevice =
    804;                                      // CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE
inline constexpr Result kErrorUnknown = 999;  // CUDA_ERROR_UNKNOWN

// CUdevice_attribute
inline constexpr int kAttrComputeCapabilityMajor = 75;
inline constexpr int kAttrComputeCapabilityMinor = 76;

struct Uuid {
  unsigned char bytes[16];
};
static_assert(sizeof(Uuid) == 16);

using InitFn = Result (*)(unsigned int);
using DriverGetVersionFn = Result (*)(int*);
using DeviceGetCountFn = Result (*)(int*);
using DeviceGetFn = Result (*)(Device*, int);
using DeviceGetNameFn = Result (*)(char*, int, Device);
using DeviceGetUuidFn = Result (*)(Uuid*, Device);
using DeviceGetPciBusIdFn = Result (*)(char*, int, Device);
using DeviceGetAttributeFn = Result (*)(int*, int, Device);
using DeviceTotalMemFn = Result (*)(unsigned long long*, Device);  // cuDeviceTotalMem_v2 (size_t)
using PrimaryCtxRetainFn = Result (*)(Context*, Device);
using PrimaryCtxReleaseFn = Result (*)(Device);
using GetErrorStringFn = Result (*)(Result, const char**);

struct CodeInfo {
  const char* name;
  const char* meaning;
};
CodeInfo describe(Result code);

}  // namespace ongpu::cuda
