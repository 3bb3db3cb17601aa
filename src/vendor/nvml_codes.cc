// nvmlReturn_t names and meanings. Codes and names: NVIDIA's nvml.h
// (NVML API version 12), enum nvmlReturn_enum; meanings paraphrase the NVML
// API reference (docs.nvidia.com/deploy/nvml-api/, "Error reporting").
#include "vendor/nvml_abi.h"

namespace ongpu::nvml {

CodeInfo describe(Return code) {
  switch (code) {
    case 0:
      return {"NVML_SUCCESS", "the call succeeded"};
    case 1:
      return {"NVML_ERROR_UNINITIALIZED", "NVML was not first initialized"};
    case 2:
      return {"NVML_ERROR_INVALID_ARGUMENT", "a supplied argument is invalid"};
    case 3:
      return {"NVML_ERROR_NOT_SUPPORTED", "the device does not support this request"};
    case 4:
      return {"NVML_ERROR_NO_PERMISSION", "this user has no permission to do this"};
    case 5:
      return {"NVML_ERROR_ALREADY_INITIALIZED", "NVML was already initialized"};
    case 6:
      return {"NVML_ERROR_NOT_FOUND", "a query to find an object was unsuccessful"};
    case 7:
      return {"NVML_ERROR_INSUFFICIENT_SIZE", "an input argument is not large enough"};
    case 8:
      return {"NVML_ERROR_INSUFFICIENT_POWER",
              "a device's external power cables are not properly attached"};
    case 9:
      return {"NVML_ERROR_DRIVER_NOT_LOADED", "the NVIDIA kernel driver is not loaded"};
    case 10:
      return {"NVML_ERROR_TIMEOUT", "the driver timed out"};
    case 11:
      return {"NVML_ERROR_IRQ_ISSUE", "the NVIDIA kernel detected an interrupt issue with a GPU"};
    case 12:
      return {"NVML_ERROR_LIBRARY_NOT_FOUND",
              "NVML could not find or load one of its own libraries"};
    case 13:
      return {"NVML_ERROR_FUNCTION_NOT_FOUND",
              "the installed library does not implement a needed function"};
    case 14:
      return {"NVML_ERROR_CORRUPTED_INFOROM", "a GPU's infoROM is corrupted"};
    case 15:
      return {"NVML_ERROR_GPU_IS_LOST",
              "a GPU has fallen off the bus or is otherwise inaccessible"};
    case 16:
      return {"NVML_ERROR_RESET_REQUIRED", "a GPU needs a reset before it can be used again"};
    case 17:
      return {"NVML_ERROR_OPERATING_SYSTEM", "the operating system blocked the request"};
    case 18:
      return {"NVML_ERROR_LIB_RM_VERSION_MISMATCH",
              "the user-space driver library and the kernel module have different versions"};
    case 19:
      return {"NVML_ERROR_IN_USE", "the GPU is in use"};
    case 20:
      return {"NVML_ERROR_MEMORY", "insufficient memory"};
    case 21:
      return {"NVML_ERROR_NO_DATA", "no data"};
    case 22:
      return {"NVML_ERROR_VGPU_ECC_NOT_SUPPORTED", "ECC is not supported with vGPU enabled"};
    case 23:
      return {"NVML_ERROR_INSUFFICIENT_RESOURCES", "not enough resources to complete the request"};
    case 24:
      return {"NVML_ERROR_FREQ_NOT_SUPPORTED", "the frequency is not supported"};
    case 25:
      return {"NVML_ERROR_ARGUMENT_VERSION_MISMATCH",
              "the structure version does not match the library"};
    case 26:
      return {"NVML_ERROR_DEPRECATED", "the requested functionality is deprecated"};
    case 27:
      return {"NVML_ERROR_NOT_READY", "the system is not ready for the request"};
    case 28:
      return {"NVML_ERROR_GPU_NOT_FOUND", "no GPU was found"};
    case 29:
      return {"NVML_ERROR_INVALID_STATE", "the resource is in an invalid state"};
    case 999:
      return {"NVML_ERROR_UNKNOWN", "an internal driver error occurred"};
    default:
      return {"NVML_ERROR_UNRECOGNIZED", "a code this version of ongpu does not know"};
  }
}

}  // namespace ongpu::nvml
