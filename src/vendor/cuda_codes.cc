// CUresult names and meanings for the codes the driver can return from the
// calls ongpu makes (cuInit, device queries, context creation). Codes and
// names: CUDA 13.0 include/cuda.h, enum cudaError_enum; meanings paraphrase
// the comments there.
#include "vendor/cuda_abi.h"

namespace ongpu::cuda {

CodeInfo describe(Result code) {
  switch (code) {
    case 0:
      return {"CUDA_SUCCESS", "the call succeeded"};
    case 1:
      return {"CUDA_ERROR_INVALID_VALUE", "a parameter is out of range"};
    case 2:
      return {"CUDA_ERROR_OUT_OF_MEMORY", "the driver could not allocate enough memory"};
    case 3:
      return {"CUDA_ERROR_NOT_INITIALIZED", "the driver was not initialized with cuInit"};
    case 4:
      return {"CUDA_ERROR_DEINITIALIZED", "the driver is shutting down"};
    case 34:
      return {"CUDA_ERROR_STUB_LIBRARY",
              "the CUDA driver loaded is a stub library from the toolkit, not the real driver"};
    case 36:
      return {"CUDA_ERROR_CALL_REQUIRES_NEWER_DRIVER", "the call needs a newer driver"};
    case 46:
      return {"CUDA_ERROR_DEVICE_UNAVAILABLE",
              "the device is unavailable right now, often because of an exclusive-process or "
              "prohibited compute mode"};
    case 100:
      return {"CUDA_ERROR_NO_DEVICE", "no CUDA-capable device was detected"};
    case 101:
      return {"CUDA_ERROR_INVALID_DEVICE", "the device ordinal is not a valid CUDA device"};
    case 102:
      return {"CUDA_ERROR_DEVICE_NOT_LICENSED", "the device does not have a valid Grid license"};
    case 216:
      return {"CUDA_ERROR_CONTEXT_ALREADY_IN_USE",
              "the context is already bound to another CPU thread"};
    case 304:
      return {"CUDA_ERROR_OPERATING_SYSTEM",
              "an operating-system call failed (often a /dev/nvidia* node that cannot be opened)"};
    case 800:
      return {"CUDA_ERROR_NOT_PERMITTED", "the operation is not permitted"};
    case 801:
      return {"CUDA_ERROR_NOT_SUPPORTED",
              "the operation is not supported on this system or device"};
    case 802:
      return {"CUDA_ERROR_SYSTEM_NOT_READY",
              "the system is not ready (on NVSwitch systems, the fabric manager is not running)"};
    case 803:
      return {"CUDA_ERROR_SYSTEM_DRIVER_MISMATCH",
              "the display driver and the CUDA driver are of different versions (a "
              "forward-compatibility libcuda that does not match the kernel driver)"};
    case 804:
      return {"CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE",
              "forward-compatibility libraries are loaded on a device that does not support them"};
    case 999:
      return {"CUDA_ERROR_UNKNOWN", "an unknown internal error occurred"};
    default:
      return {"CUDA_ERROR_UNRECOGNIZED", "a code this version of ongpu does not know"};
  }
}

}  // namespace ongpu::cuda
