// The catalog's entries: every finding ongpu can report, with its link and
// severity. A constant the compiler can read, so that a finding id written in
// a rule is checked when it is built (FindingId, rules/catalog.h). What each
// one means and its general fix are words: render/catalog_words.h.
// docs/findings.md is generated from both (tools/gen-findings-doc.py).
#pragma once

#include <array>
#include <string_view>

#include "rules/finding.h"

namespace ongpu {

struct CatalogEntry {
  std::string_view id;
  Link link;
  Severity severity;
};

namespace catalog_data {

using enum Link;
using enum Severity;

inline constexpr std::array kCatalog = std::to_array<CatalogEntry>({
    {"pci.unreadable", hardware, warning},
    {"pci.no_nvidia_device", hardware, error},
    {"pci.no_driver_bound", hardware, error},
    {"pci.nouveau_bound", hardware, error},
    {"pci.vfio_bound", hardware, error},
    {"module.not_loaded", kernel_module, error},
    {"module.uvm_not_loaded", kernel_module, error},
    {"nodes.missing", device_nodes, error},
    {"nodes.uvm_missing", device_nodes, error},
    {"nodes.inaccessible", device_nodes, error},
    {"driver.libcuda_missing", userspace_driver, error},
    {"driver.libnvml_missing", userspace_driver, warning},
    {"driver.libcuda_stub", userspace_driver, error},
    {"driver.libnvml_stub", userspace_driver, error},
    {"driver.version_mismatch", userspace_driver, error},
    {"nvml.probe_not_started", nvml, error},
    {"nvml.probe_crashed", nvml, error},
    {"nvml.probe_timed_out", nvml, error},
    {"nvml.probe_failed", nvml, error},
    {"nvml.init_failed", nvml, error},
    {"nvml.absurd_device_count", nvml, warning},
    {"cuda.probe_not_started", cuda, error},
    {"cuda.probe_crashed", cuda, error},
    {"cuda.probe_timed_out", cuda, error},
    {"cuda.probe_failed", cuda, error},
    {"cuda.init_failed", cuda, error},
    {"cuda.no_visible_device", cuda, error},
    {"cuda.context_failed", cuda, error},
    {"gpu.compute_prohibited", gpu_state, error},
    {"gpu.exclusive_process_busy", gpu_state, error},
    {"gpu.mig_no_instance", gpu_state, error},
    {"gpu.retired_pages_pending", gpu_state, warning},
    {"gpu.row_remap_pending", gpu_state, warning},
    {"gpu.row_remap_failed", gpu_state, error},
    {"env.cvd_hides_all", environment, error},
    {"env.cvd_unknown_gpu", environment, warning},
    {"env.cvd_ends_early", environment, warning},
    {"env.device_order_differs", environment, warning},
    {"env.debug_variables", environment, warning},
    {"framework.environment_unchecked", framework, warning},
    {"framework.build_unknown", framework, warning},
    {"framework.cpu_only_build", framework, error},
    {"framework.tensorflow_gpu_stub", framework, error},
    {"framework.tensorflow_gpu_outdated", framework, warning},
    {"framework.conflicting_distributions", framework, error},
    {"framework.platform_unsupported", framework, error},
    {"framework.wheel_wrong_architecture", framework, error},
    {"framework.cuda_wheels_missing", cuda_libraries, error},
    {"framework.cuda_wheels_partial", cuda_libraries, warning},
    {"framework.cuda_library_missing", cuda_libraries, error},
    {"framework.cuda_wheels_unreachable", cuda_libraries, error},
    {"framework.cuda_library_later_missing", cuda_libraries, warning},
    {"framework.cuda_library_too_old", cuda_libraries, error},
    {"framework.cuda_library_dependency_missing", cuda_libraries, error},
    {"framework.cuda_library_shadowed", cuda_libraries, warning},
    {"framework.cuda_libraries_mixed", cuda_libraries, warning},
    {"framework.cudnn_mismatch", compatibility, error},
    {"framework.driver_too_old", compatibility, error},
    {"framework.minor_version_compatibility", compatibility, warning},
    {"framework.gpu_arch_unsupported", compatibility, error},
    {"framework.gpu_arch_ptx_only", compatibility, warning},
    {"framework.jax_version_skew", framework, error},
    {"framework.jax_platforms_cpu", framework, error},
    {"framework.tf_log_level_hides_warnings", framework, warning},
    {"env.nvidia_visible_devices_void", environment, warning},

    // ongpu verify: what the framework itself did (src/verify/).
    {"verify.timed_out", live, error},
    {"verify.crashed", live, error},
    {"verify.probe_failed", live, error},
    {"verify.import_failed", live, error},
    {"verify.no_gpu_device", live, error},
    {"verify.step_failed", live, error},
    {"verify.compute_failed", live, error},
    {"verify.not_on_gpu", live, error},
    {"verify.wrong_result", live, error},
    {"verify.gpu_slower_than_cpu", live, warning},
    {"verify.library_differs", live, warning},
    {"verify.disagrees_with_doctor", live, warning},
    {"verify.library_not_loaded", live, error},
    {"verify.gpu_libraries_missing", live, error},
    {"verify.cuda_driver_not_found", live, error},
    {"verify.driver_dso_mismatch", live, error},
    {"verify.cudnn_version_mismatch", live, error},
    {"verify.driver_too_old", live, error},
    {"verify.no_kernel_image", live, error},
    {"verify.not_compiled_with_cuda", live, error},
    {"verify.jax_cuda_jaxlib_missing", live, error},
    {"verify.jax_plugin_failed", live, error},
    {"verify.ort_cuda_provider_failed", live, error},
    {"verify.gpu_ignored", live, error},
    {"verify.ptx_jit", live, warning},
    {"verify.no_cuda_device", live, error},
    {"verify.cuda_init_failed", live, error},
    {"verify.device_unavailable", live, error},
});

}  // namespace catalog_data
}  // namespace ongpu
