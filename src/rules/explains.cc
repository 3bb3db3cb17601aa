#include "rules/explains.h"

#include <algorithm>
#include <array>

#include "vendor/cuda_abi.h"

namespace ongpu {
namespace {

// CUDA_ERROR_DEVICE_UNAVAILABLE (cuda.h): "Devices are often unavailable due
// to use of CU_COMPUTEMODE_EXCLUSIVE_PROCESS or CU_COMPUTEMODE_PROHIBITED".
bool context_unavailable(const FactSet& f) {
  return std::any_of(f.cuda.devices.begin(), f.cuda.devices.end(), [](const CudaDevice& d) {
    return d.context && d.context->code == cuda::kErrorDeviceUnavailable;
  });
}

// CUDA_ERROR_NO_DEVICE from cuInit.
bool init_no_device(const FactSet& f) {
  return f.cuda.init && f.cuda.init->code == cuda::kErrorNoDevice;
}

// CUDA sees no device at all: cuInit answered NO_DEVICE, or it counted
// none. (On a machine with one MIG GPU without an instance and another GPU
// that works, CUDA sees the other one: MIG explains nothing then.)
bool cuda_sees_no_device(const FactSet& f) {
  return init_no_device(f) || (f.cuda.device_count && *f.cuda.device_count == 0);
}

std::string container_devices_value(const FactSet& f) {
  std::string v = *f.env.nvidia_visible_devices;
  std::transform(v.begin(), v.end(), v.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  v.erase(0, v.find_first_not_of(" \t"));
  v.erase(v.find_last_not_of(" \t") + 1);
  return v;
}

// NVIDIA Container Toolkit: "void" or empty injects neither the devices nor
// the driver's libraries; "none" injects the libraries only.
bool container_without_driver(const FactSet& f) {
  if (!f.env.nvidia_visible_devices) return false;
  const std::string v = container_devices_value(f);
  return v == "void" || v.empty();
}

// void, empty or none: no GPU device is injected.
bool container_without_gpu(const FactSet& f) {
  if (!f.env.nvidia_visible_devices) return false;
  const std::string v = container_devices_value(f);
  return v == "void" || v == "none" || v.empty();
}

constexpr std::string_view kDeviceUnavailable =
    "cuda.h, CUDA_ERROR_DEVICE_UNAVAILABLE: devices are often unavailable due to "
    "CU_COMPUTEMODE_EXCLUSIVE_PROCESS or "
    "CU_COMPUTEMODE_PROHIBITED";
constexpr std::string_view kMig =
    "NVIDIA MIG user guide: with MIG enabled, CUDA applications see only MIG devices "
    "(CUDA_VISIBLE_DEVICES lists "
    "them by UUID); a GPU without an instance offers none";
constexpr std::string_view kToolkit =
    "NVIDIA Container Toolkit, specialized configurations: NVIDIA_VISIBLE_DEVICES=void (or empty) "
    "injects no GPU and "
    "no driver; none injects the driver's libraries but no GPU";

constexpr std::string_view kDevicesUnavailable =
    "CUDA runtime API, cudaErrorDevicesUnavailable: all CUDA devices are busy or unavailable, "
    "often because of cudaComputeModeProhibited or cudaComputeModeExclusiveProcess";

constexpr std::array kExplanations = std::to_array<Explanation>({
    {"gpu.exclusive_process_busy", "cuda.context_failed",
     "the context failed with CUDA_ERROR_DEVICE_UNAVAILABLE", context_unavailable,
     kDeviceUnavailable},
    {"gpu.compute_prohibited", "cuda.context_failed",
     "the context failed with CUDA_ERROR_DEVICE_UNAVAILABLE", context_unavailable,
     kDeviceUnavailable},
    {"gpu.mig_no_instance", "cuda.init_failed", "cuInit answered CUDA_ERROR_NO_DEVICE",
     init_no_device, kMig},
    {"gpu.mig_no_instance", "cuda.no_visible_device", "", nullptr, kMig},
    {"env.nvidia_visible_devices_void", "nodes.missing", "", nullptr, kToolkit},
    {"env.nvidia_visible_devices_void", "driver.libcuda_missing",
     "NVIDIA_VISIBLE_DEVICES is void or empty", container_without_driver, kToolkit},
    {"env.nvidia_visible_devices_void", "driver.libnvml_missing",
     "NVIDIA_VISIBLE_DEVICES is void or empty", container_without_driver, kToolkit},
    // What a framework says in `ongpu verify`, explained by the machine.
    {"gpu.exclusive_process_busy", "verify.device_unavailable",
     "the doctor's context failed with CUDA_ERROR_DEVICE_UNAVAILABLE too", context_unavailable,
     kDevicesUnavailable},
    {"gpu.compute_prohibited", "verify.device_unavailable",
     "the doctor's context failed with CUDA_ERROR_DEVICE_UNAVAILABLE too", context_unavailable,
     kDevicesUnavailable},
    {"gpu.mig_no_instance", "verify.no_cuda_device", "CUDA sees no device", cuda_sees_no_device,
     kMig},
    {"gpu.mig_no_instance", "verify.no_gpu_device", "CUDA sees no device", cuda_sees_no_device,
     kMig},
    {"env.nvidia_visible_devices_void", "verify.cuda_driver_not_found",
     "NVIDIA_VISIBLE_DEVICES is void or empty", container_without_driver, kToolkit},
    {"env.nvidia_visible_devices_void", "verify.no_gpu_device",
     "NVIDIA_VISIBLE_DEVICES is void, none or empty", container_without_gpu, kToolkit},
});

const Finding* find(std::span<const Finding> findings, std::string_view id) {
  for (const auto& f : findings) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

}  // namespace

std::span<const Explanation> explanations() { return kExplanations; }

const Finding* root_cause_of(const FactSet& facts, std::span<const Finding> findings) {
  for (const auto& f : findings) {
    if (f.severity == Severity::error) return cause_of(facts, f, findings);
  }
  return nullptr;
}

const Finding* cause_of(const FactSet& facts, const Finding& symptom,
                        std::span<const Finding> findings) {
  const Finding* root = &symptom;
  // Follow "explained by" upwards; each step moves to another finding, and
  // a finding is visited once (no cycle can loop).
  std::vector<const Finding*> seen;
  while (root && std::find(seen.begin(), seen.end(), root) == seen.end()) {
    seen.push_back(root);
    const Finding* cause = nullptr;
    for (const auto& e : kExplanations) {
      if (e.explained != root->id || (e.holds && !e.holds(facts))) continue;
      if ((cause = find(findings, e.explainer))) break;
    }
    if (!cause || std::find(seen.begin(), seen.end(), cause) != seen.end()) break;
    root = cause;
  }
  return root;
}

}  // namespace ongpu
