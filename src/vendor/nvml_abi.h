// Our own minimal NVML declarations, so no NVIDIA SDK is needed to build and
// libnvidia-ml is only ever reached through dlopen. Values and layouts follow
// NVIDIA's nvml.h (NVML API version 12; the NVML API reference at
// docs.nvidia.com/deploy/nvml-api/). Layouts are pinned by static_asserts.
#pragma once

#include <cstddef>

namespace ongpu::nvml {

using Return = int;  // nvmlReturn_t
using Device = struct nvmlDevice_st*;

// nvmlReturn_t values (nvml.h, "nvmlReturn_t").
inline constexpr Return kSuccess = 0;
inline constexpr Return kErrorNotSupported = 3;
inline constexpr Return kErrorNoPermission = 4;
inline constexpr Return kErrorNotFound = 6;
inline constexpr Return kErrorInsufficientSize = 7;
inline constexpr Return kErrorDriverNotLoaded = 9;
inline constexpr Return kErrorLibraryNotFound = 12;
inline constexpr Return kErrorGpuIsLost = 15;
inline constexpr Return kErrorResetRequired = 16;
inline constexpr Return kErrorOperatingSystem = 17;
inline constexpr Return kErrorLibRmVersionMismatch = 18;

// Buffer sizes (nvml.h: NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE,
// NVML_DEVICE_NAME_V2_BUFFER_SIZE, NVML_DEVICE_UUID_V2_BUFFER_SIZE).
inline constexpr unsigned kDriverVersionBufferSize = 80;
inline constexpr unsigned kDeviceNameBufferSize = 96;
inline constexpr unsigned kDeviceUuidBufferSize = 96;

// nvmlComputeMode_t
inline constexpr int kComputeModeDefault = 0;
inline constexpr int kComputeModeExclusiveThread = 1;
inline constexpr int kComputeModeProhibited = 2;
inline constexpr int kComputeModeExclusiveProcess = 3;

// nvmlPciInfo_t as taken by nvmlDeviceGetPciInfo_v3.
struct PciInfo {
  char bus_id_legacy[16];
  unsigned int domain;
  unsigned int bus;
  unsigned int device;
  unsigned int pci_device_id;
  unsigned int pci_sub_system_id;
  char bus_id[32];
};
static_assert(sizeof(PciInfo) == 68 && offsetof(PciInfo, bus_id) == 36);

// nvmlMemory_t (nvmlDeviceGetMemoryInfo, version 1).
struct Memory {
  unsigned long long total;
  unsigned long long free;
  unsigned long long used;
};
static_assert(sizeof(Memory) == 24);

// nvmlProcessInfo_v2_t, taken by nvmlDeviceGetComputeRunningProcesses_v2 and _v3;
// the unversioned call takes nvmlProcessInfo_v1_t (pid and memory only).
struct ProcessInfoV2 {
  unsigned int pid;
  unsigned long long used_gpu_memory;
  unsigned int gpu_instance_id;
  unsigned int compute_instance_id;
};
static_assert(sizeof(ProcessInfoV2) == 24 && offsetof(ProcessInfoV2, used_gpu_memory) == 8);
struct ProcessInfoV1 {
  unsigned int pid;
  unsigned long long used_gpu_memory;
};
static_assert(sizeof(ProcessInfoV1) == 16);

// "Not available" marker for usedGpuMemory (nvml.h: NVML_VALUE_NOT_AVAILABLE).
inline constexpr unsigned long long kValueNotAvailable = ~0ULL;

// nvmlUtilization_t (nvmlDeviceGetUtilizationRates): percent of the last
// sample period the GPU was busy, and its memory was read or written.
struct Utilization {
  unsigned int gpu;
  unsigned int memory;
};
static_assert(sizeof(Utilization) == 8);

// nvmlProcessUtilizationSample_t (nvmlDeviceGetProcessUtilization); timeStamp
// is in microseconds (CPU time of the sample).
struct ProcessUtilizationSample {
  unsigned int pid;
  unsigned long long time_stamp;
  unsigned int sm_util;
  unsigned int mem_util;
  unsigned int enc_util;
  unsigned int dec_util;
};
static_assert(sizeof(ProcessUtilizationSample) == 32 &&
              offsetof(ProcessUtilizationSample, sm_util) == 16);

using InitFn = Return (*)();
using ShutdownFn = Return (*)();
using ErrorStringFn = const char* (*)(Return);
using GetStringFn = Return (*)(char*, unsigned int);
using GetIntFn = Return (*)(int*);
using GetUintFn = Return (*)(unsigned int*);
using HandleByIndexFn = Return (*)(unsigned int, Device*);
using DeviceStringFn = Return (*)(Device, char*, unsigned int);
using DevicePciFn = Return (*)(Device, PciInfo*);
using DeviceMemoryFn = Return (*)(Device, Memory*);
using DeviceTwoIntFn = Return (*)(Device, int*, int*);
using DeviceIntFn = Return (*)(Device, int*);  // enums are int-sized
using DeviceTwoUintFn = Return (*)(Device, unsigned int*, unsigned int*);
using DeviceUintFn = Return (*)(Device, unsigned int*);
using MigHandleFn = Return (*)(Device, unsigned int, Device*);
using RemappedRowsFn = Return (*)(Device, unsigned int*, unsigned int*, unsigned int*,
                                  unsigned int*);
using ProcessesFn = Return (*)(Device, unsigned int*, void*);
using UtilizationFn = Return (*)(Device, Utilization*);
using ProcessUtilizationFn = Return (*)(Device, ProcessUtilizationSample*, unsigned int*,
                                        unsigned long long);

// Names of nvmlReturn_t values, and NVML's documented meaning in plain words.
struct CodeInfo {
  const char* name;
  const char* meaning;
};
CodeInfo describe(Return code);

}  // namespace ongpu::nvml
