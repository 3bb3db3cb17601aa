// What each finding of the catalog (rules/catalog_entries.h) means, and its
// general fix: the words of docs/findings.md (tools/gen-findings-doc.py),
// and the fix of a live finding that has no fix of its own.
#pragma once

#include <array>
#include <string_view>

#include "rules/catalog.h"

namespace ongpu {

struct CatalogWords {
  FindingId id;
  std::string_view meaning;  // what is wrong, in general terms
  std::string_view fix;      // the general fix
};

// nullptr for an id that has no words (a unit test checks that none lacks them).
const CatalogWords* catalog_words(std::string_view id);

namespace catalog_data {

inline constexpr std::array kCatalogWords = std::to_array<CatalogWords>({
    {"pci.unreadable", "/sys/bus/pci could not be read, so the PCI devices are unknown.",
     "Run ongpu where /sys is mounted (in a container, do not mask /sys)."},
    {"pci.no_nvidia_device",
     "There is no NVIDIA GPU on the PCI bus: nothing can run on a GPU here.",
     "Use a machine or cloud instance with an NVIDIA GPU; in a VM, attach the GPU by PCI "
     "passthrough."},
    {"pci.no_driver_bound", "An NVIDIA GPU is on the bus but no kernel driver is bound to it.",
     "Install the NVIDIA driver for this kernel and load it (sudo modprobe nvidia)."},
    {"pci.nouveau_bound",
     "The open-source nouveau driver owns the GPU; CUDA needs NVIDIA's driver.",
     "Install the NVIDIA driver, blacklist nouveau, rebuild the initramfs and reboot."},
    {"pci.vfio_bound",
     "The GPU is bound to vfio-pci, reserved for passthrough to a virtual machine.",
     "Unbind it from vfio-pci (remove it from vfio-pci.ids) and bind the nvidia driver, or use it "
     "inside the VM."},
    {"module.not_loaded", "The nvidia kernel module is not loaded.",
     "Load it with sudo modprobe nvidia; if that fails, read dmesg (Secure Boot, a kernel without "
     "a matching module)."},
    {"module.uvm_not_loaded",
     "The nvidia_uvm module is not loaded; CUDA needs it for memory management.",
     "sudo modprobe nvidia-uvm (or sudo nvidia-modprobe -u -c=0)."},
    {"nodes.missing", "The NVIDIA device nodes (/dev/nvidiactl, /dev/nvidiaN) are missing.",
     "Create them with sudo nvidia-modprobe -c=0; in a container, start it with the GPU passed in "
     "(--gpus all)."},
    {"nodes.uvm_missing", "/dev/nvidia-uvm is missing; CUDA cannot initialise without it.",
     "sudo nvidia-modprobe -u -c=0 on the host; in a container, pass /dev/nvidia-uvm in (the "
     "NVIDIA Container Toolkit does)."},
    {"nodes.inaccessible",
     "A NVIDIA device node exists but this user cannot open it for reading and writing. An error "
     "for /dev/nvidiactl, /dev/nvidia-uvm, or a GPU's /dev/nvidiaN when no GPU's node can be "
     "opened; a warning for /dev/nvidia-uvm-tools (profilers only) and for a GPU node locked while "
     "another GPU's is open (clusters hand out GPUs per job that way).",
     "Add the user to the node's group (sudo usermod -aG GROUP $USER, then log in again) or fix "
     "the node's mode."},
    {"driver.libcuda_missing",
     "libcuda.so.1, the user-space CUDA driver, is not found by the dynamic loader.",
     "Install the driver's user-space libraries (the same version as the kernel module), or in a "
     "container use the NVIDIA Container Toolkit."},
    {"driver.libnvml_missing",
     "libnvidia-ml.so.1 (NVML) is not found; nvidia-smi and monitoring will not work.",
     "Install the driver's user-space libraries, the same version as the kernel module."},
    {"driver.libcuda_stub",
     "The libcuda.so.1 that is loaded is the CUDA toolkit's stub, which fails every call.",
     "Remove the toolkit's stubs/ directory from LD_LIBRARY_PATH (it is for linking only)."},
    {"driver.libnvml_stub", "The libnvidia-ml.so.1 that is loaded is the CUDA toolkit's stub.",
     "Remove the toolkit's stubs/ directory from LD_LIBRARY_PATH (it is for linking only)."},
    {"driver.version_mismatch",
     "The user-space driver library and the kernel module have different versions "
     "(\"Driver/library version mismatch\"), usually after a driver upgrade without a reboot.",
     "Reboot, or unload and reload the NVIDIA kernel modules when no process uses the GPU."},
    {"nvml.probe_not_started",
     "ongpu could not start its NVML probe (no /proc, too few file descriptors, its executable "
     "gone): NVML was not asked, and is not to blame.",
     "Raise the open-file limit (ulimit -n) or run ongpu where /proc is mounted, and run it "
     "again."},
    {"nvml.probe_crashed", "libnvidia-ml crashed inside the NVML probe.",
     "Reinstall the driver (kernel module and libraries of one version); check dmesg for Xid "
     "errors."},
    {"nvml.probe_timed_out",
     "libnvidia-ml did not return before the deadline: the driver is hung or a GPU is "
     "unresponsive.",
     "Check dmesg for Xid errors and nvidia-smi; a GPU that has fallen off the bus needs a reset "
     "or a reboot."},
    {"nvml.probe_failed", "The NVML probe ended without a usable answer.",
     "Run ongpu doctor -v to see the probe's output, and report it."},
    {"nvml.init_failed", "nvmlInit failed, so the driver cannot be queried.",
     "Follow the fix for the NVML error code shown."},
    {"nvml.absurd_device_count",
     "NVML reported an impossible number of GPUs; only the first ones were read.",
     "Reinstall the driver; the library may be corrupt or not NVIDIA's."},
    {"cuda.probe_not_started",
     "ongpu could not start its CUDA probe (no /proc, too few file descriptors, its executable "
     "gone): the CUDA driver was not asked, and is not to blame.",
     "Raise the open-file limit (ulimit -n) or run ongpu where /proc is mounted, and run it "
     "again."},
    {"cuda.probe_crashed", "libcuda crashed inside the CUDA probe.",
     "Reinstall the driver (kernel module and libraries of one version); check dmesg for Xid "
     "errors."},
    {"cuda.probe_timed_out",
     "libcuda did not return before the deadline: the driver is hung or a GPU is unresponsive.",
     "Check dmesg for Xid errors and nvidia-smi; a hung GPU needs a reset or a reboot."},
    {"cuda.probe_failed", "The CUDA probe ended without a usable answer.",
     "Run ongpu doctor -v to see the probe's output, and report it."},
    {"cuda.init_failed", "cuInit failed, so no CUDA program can use a GPU here.",
     "Follow the fix for the CUDA error code shown."},
    {"cuda.no_visible_device", "The CUDA driver initialised but this process sees no GPU.",
     "Check CUDA_VISIBLE_DEVICES and, in a container, that GPUs were passed in."},
    {"cuda.context_failed", "A CUDA context could not be created on a visible GPU.",
     "Follow the fix for the CUDA error code shown (compute mode, memory, a busy exclusive GPU)."},
    {"gpu.compute_prohibited",
     "A GPU's compute mode is Prohibited: no process may create a CUDA context on it.",
     "An administrator sets it back with sudo nvidia-smi -i N -c DEFAULT."},
    {"gpu.exclusive_process_busy",
     "A GPU is in Exclusive_Process mode and another process already uses it.",
     "Wait for that process, pick another GPU with CUDA_VISIBLE_DEVICES, or have an administrator "
     "set -c DEFAULT."},
    {"gpu.mig_no_instance",
     "MIG is enabled on a GPU but it has no MIG instance, so CUDA cannot use it.",
     "Create GPU and compute instances (sudo nvidia-smi mig -i N -cgi PROFILE -C) or disable MIG "
     "(sudo nvidia-smi -i N -mig 0)."},
    {"gpu.retired_pages_pending",
     "A GPU has memory pages waiting to be retired; they take effect after a reset.",
     "Reset the GPU when idle (sudo nvidia-smi -r -i N) or reboot."},
    {"gpu.row_remap_pending",
     "A GPU has memory rows waiting to be remapped; this takes effect after a reset.",
     "Reset the GPU when idle (sudo nvidia-smi -r -i N) or reboot."},
    {"gpu.row_remap_failed", "A GPU failed to remap a memory row; its memory is unreliable.",
     "Have the GPU serviced (RMA); take it out of use meanwhile."},
    {"env.cvd_hides_all", "CUDA_VISIBLE_DEVICES hides every GPU from CUDA programs.",
     "unset CUDA_VISIBLE_DEVICES, or set it to the GPUs to use (for example 0)."},
    {"env.cvd_unknown_gpu", "CUDA_VISIBLE_DEVICES names a GPU that does not exist here.",
     "Use an index below the GPU count, or a UUID (prefix) from nvidia-smi -L."},
    {"env.cvd_ends_early",
     "CUDA_VISIBLE_DEVICES has an invalid entry; CUDA ignores it and every entry after it.",
     "Remove the invalid entry from CUDA_VISIBLE_DEVICES."},
    {"env.device_order_differs",
     "CUDA numbers the GPUs differently from nvidia-smi (CUDA_DEVICE_ORDER is FASTEST_FIRST).",
     "export CUDA_DEVICE_ORDER=PCI_BUS_ID, or name GPUs by UUID."},
    {"env.debug_variables",
     "A debugger, profiler or injection variable is set; it changes or slows every CUDA program.",
     "Unset the variable unless you are debugging or profiling on purpose."},
    {"framework.environment_unchecked",
     "A Python interpreter that was to be checked did not answer (it hung past the deadline, "
     "crashed, or cannot be run): the frameworks in it are unknown, not absent.",
     "Run the interpreter yourself to see why; on a slow or loaded machine, give the doctor a "
     "longer --timeout."},
    {"framework.build_unknown",
     "The framework is installed, but what it is built for cannot be read (its package directory "
     "or METADATA is missing or unreadable): whether it would use the GPU is unknown.",
     "Reinstall it at the same version (pip install --force-reinstall --no-deps "
     "<package>==<version>), or make its files readable by this user."},
    {"framework.cpu_only_build",
     "The framework installed is a build without CUDA support: it can only use the CPU.",
     "Install the framework's CUDA build (the fix names the command for this framework and "
     "installer)."},
    {"framework.tensorflow_gpu_stub",
     "tensorflow-gpu 2.12.0 is an empty package that only raises an error; GPU support is in the "
     "plain tensorflow package since TF 2.1.",
     "pip uninstall tensorflow-gpu && pip install 'tensorflow[and-cuda]'."},
    {"framework.tensorflow_gpu_outdated",
     "The old tensorflow-gpu package is installed; it is no longer released.",
     "pip uninstall tensorflow-gpu && pip install 'tensorflow[and-cuda]'."},
    {"framework.conflicting_distributions",
     "Two distributions install the same package (tensorflow and tensorflow-cpu, onnxruntime and "
     "onnxruntime-gpu, two CuPy wheels): whichever was installed last owns the files.",
     "Uninstall all of them, then install the one GPU distribution."},
    {"framework.platform_unsupported",
     "This platform has no CUDA build of the framework (TensorFlow after 2.10 on native Windows, "
     "any framework on macOS).",
     "Use Linux or WSL2 for GPU work."},
    {"framework.wheel_wrong_architecture",
     "The framework's wheel was built for another CPU architecture or operating system than the "
     "interpreter runs on (its WHEEL file's platform tag): its compiled modules cannot load.",
     "Reinstall it with this interpreter's own pip (python -m pip install --force-reinstall "
     "<package>), which picks the wheel for this platform."},
    {"framework.cuda_wheels_missing",
     "The framework expects NVIDIA's CUDA libraries from pip wheels (its CUDA extra) and none is "
     "installed.",
     "Install the framework with its CUDA extra, e.g. pip install 'tensorflow[and-cuda]'."},
    {"framework.cuda_wheels_partial",
     "Some of the NVIDIA wheels the framework pins are not installed.",
     "Install the framework's own requirement at its installed version, with its CUDA extra (pip "
     "install 'tensorflow[and-cuda]==2.20.0', 'jax[cuda12]==0.10.2', torch==2.15.0): pip keeps "
     "what is installed and adds the missing pins."},
    {"framework.cuda_library_missing",
     "A CUDA library the framework needs is not found where the dynamic loader will look for it "
     "(the framework's own RUNPATH, LD_LIBRARY_PATH, ld.so.cache, the default directories).",
     "Install the NVIDIA wheel that provides it (the framework's CUDA extra), or put a CUDA "
     "toolkit of the right major version on the loader's path."},
    {"framework.cuda_wheels_unreachable",
     "The NVIDIA wheel that provides a library is installed, but the loader will not find the "
     "library from where the framework looks.",
     "Add the wheel's lib directory to LD_LIBRARY_PATH (the fix names it): the framework's RUNPATH "
     "does not list it (TensorFlow 2.21.0 from PyPI lacks nvidia/cusolver/lib), and reinstalling "
     "the same release does not change that."},
    {"framework.cuda_library_later_missing",
     "A CUDA library the framework opens on first use (not to register a GPU) is not found where "
     "the loader will look: the framework runs on the GPU, and fails when it first needs that "
     "library (JAX's cuSOLVER for linear algebra, say; CuPy's cuBLAS, cuSOLVER or cuFFT module, "
     "whose import fails when only CUDA 13's sonames are there).",
     "Install the NVIDIA wheel that provides it (for CuPy, its [ctk] extra), or put its directory "
     "on LD_LIBRARY_PATH."},
    {"framework.cuda_library_too_old",
     "A CUDA library the framework's own object lists is found, but not the copy it was built "
     "against: another copy (a system NCCL, say) that lacks symbols the object needs, so loading "
     "the framework fails with \"undefined symbol\".",
     "Install the NVIDIA wheel the framework pins (its own requirement at its version), so its "
     "copy is the one loaded."},
    {"framework.cuda_library_dependency_missing",
     "A CUDA library the framework needs is found, but one of its own dependencies is not "
     "(libcusolver without libnvJitLink, say): loading it fails.",
     "Install the missing dependency's wheel or toolkit library of the matching major version."},
    {"framework.cuda_library_shadowed",
     "Another copy of a CUDA library comes first in the loader's search (LD_LIBRARY_PATH or a "
     "system directory) and wins over the copy the framework pins.",
     "Remove that directory from LD_LIBRARY_PATH (or the system copy), so the framework's own copy "
     "is loaded."},
    {"framework.cuda_libraries_mixed",
     "The CUDA libraries the loader would give the framework come from different CUDA releases "
     "(toolkit directories of different versions, a CUDA major other than the build's): mixed "
     "releases fail to load or fail at run time.",
     "Take all of them from one installation of the framework's CUDA major: remove the other "
     "release's directory from LD_LIBRARY_PATH or /etc/ld.so.conf.d, or install the framework's "
     "CUDA wheels."},
    {"framework.cudnn_mismatch",
     "The cuDNN that is installed, or that the loader finds (its own version, else its file name), "
     "has a different major version than the framework was built with, or an older minor.",
     "Install the cuDNN the framework pins (its CUDA extra does); for a system cuDNN, one of the "
     "build's major version and at least its minor, built for the same CUDA major."},
    {"framework.driver_too_old",
     "The NVIDIA driver is too old for the CUDA the framework was built with.",
     "Upgrade the NVIDIA driver, or install a framework build for an older CUDA."},
    {"framework.minor_version_compatibility",
     "The driver is older than the framework's CUDA minor version; it runs through CUDA "
     "minor-version compatibility, but PTX newer than the driver cannot be JIT-compiled.",
     "Upgrade the driver to at least the toolkit's own minimum to be safe."},
    {"framework.gpu_arch_unsupported",
     "The framework has no GPU code this GPU can run: no SASS of its major version at or below its "
     "minor, and no PTX at or below it (\"no kernel image is available\").",
     "Use a framework build compiled for this GPU's architecture, or a GPU the build supports."},
    {"framework.gpu_arch_ptx_only",
     "The framework reaches this GPU only through PTX: the first start JIT-compiles its kernels, "
     "possibly for minutes.",
     "Expect a slow first start; a build with SASS for this GPU avoids it."},
    {"framework.jax_version_skew",
     "The JAX CUDA plugin is of another version than jaxlib; they are released together at one "
     "version, and jax's CUDA extras install them as a matched set.",
     "pip install 'jax[cuda12]==<jax version>' (or cuda13): jax's extra pins jaxlib and the plugin "
     "to its own release."},
    {"framework.jax_platforms_cpu", "JAX_PLATFORMS limits JAX to the CPU.",
     "unset JAX_PLATFORMS (or include cuda in it)."},
    {"framework.tf_log_level_hides_warnings",
     "TF_CPP_MIN_LOG_LEVEL hides the warnings in which TensorFlow explains why it falls back to "
     "the CPU.",
     "unset TF_CPP_MIN_LOG_LEVEL while diagnosing."},
    {"env.nvidia_visible_devices_void",
     "NVIDIA_VISIBLE_DEVICES asks the container runtime to pass no GPU into the container.",
     "Start the container with NVIDIA_VISIBLE_DEVICES=all (or --gpus all)."},
    {"verify.timed_out",
     "The framework did not finish importing, listing its devices and computing before the "
     "deadline; the check was stopped and its processes killed.",
     "Rerun with a longer --timeout (a start that JIT-compiles PTX can take minutes, and verify "
     "compiles every time: it runs with CUDA_CACHE_DISABLE=1 so as to write nothing); if it hangs "
     "at import, run python -c 'import <framework>' by hand."},
    {"verify.crashed",
     "The framework's process was killed by a signal (a crash inside the framework or a library it "
     "loaded).",
     "Run the step it crashed in by hand to see the native stack (python -X faulthandler); a crash "
     "while loading CUDA libraries often means mismatched library versions."},
    {"verify.probe_failed",
     "The check could not run to the end in this interpreter, or its answer could not be read.",
     "Read the interpreter's output shown with -v; check that the interpreter runs (python -c "
     "pass)."},
    {"verify.import_failed",
     "Importing the framework raised an exception: it cannot be used at all in this interpreter.",
     "Install it in this interpreter (python -m pip install <package>), or fix the error the "
     "import names."},
    {"verify.no_gpu_device",
     "The framework imported but lists no GPU: everything it computes runs on the CPU.",
     "Fix the root cause shown (the doctor's chain, or the framework's own message); ongpu doctor "
     "names it."},
    {"verify.step_failed",
     "A step of the check (listing the devices, setting memory growth) raised an exception: the "
     "framework cannot be used as it is.",
     "Read the exception; run the same call by hand in this interpreter to see the whole "
     "traceback."},
    {"verify.compute_failed",
     "The framework lists a device but the matrix multiplication on it raised an error.",
     "Read the error: 'no kernel image' means the build lacks code for this GPU; out of memory "
     "means the card is taken."},
    {"verify.not_on_gpu",
     "The multiplication placed on the GPU produced a result that lives on the CPU: the framework "
     "silently ran it there.",
     "Check the framework's placement (soft device placement) and that the GPU device is usable."},
    {"verify.wrong_result",
     "The GPU's result differs from the CPU's by more than float32 tolerance: the GPU computes "
     "wrongly.",
     "Check the GPU for errors (nvidia-smi -q -d ECC, dmesg for Xid); try another driver version."},
    {"verify.gpu_slower_than_cpu", "The GPU multiplied the matrices no faster than the CPU.",
     "Check the GPU's clocks and power state (nvidia-smi -q -d CLOCK,PERFORMANCE) and that no "
     "other process saturates it; a small --size understates a GPU."},
    {"verify.library_differs",
     "The framework loaded a CUDA library from another file than the one the doctor's static "
     "resolution predicted.",
     "Something outside the loader's search path (an earlier import, LD_PRELOAD, a framework's own "
     "loading logic) decided; check which copy you mean to use."},
    {"verify.disagrees_with_doctor",
     "What the framework did differs from the doctor's prediction: the knowledge or the resolution "
     "is wrong, or the environment is unusual.",
     "Trust the live result; please report the case with ongpu verify --json and ongpu doctor "
     "--json."},
    {"verify.library_not_loaded",
     "The framework tried to load a CUDA library and the dynamic loader could not find or load it.",
     "Install the library (for TensorFlow >= 2.14: pip install 'tensorflow[and-cuda]'), or put its "
     "directory on LD_LIBRARY_PATH."},
    {"verify.gpu_libraries_missing",
     "TensorFlow could not load some GPU libraries and skips the GPU.",
     "Install the libraries named above it (pip install 'tensorflow[and-cuda]' from 2.14; the "
     "matching CUDA and cuDNN before)."},
    {"verify.cuda_driver_not_found",
     "The framework found no CUDA driver (libcuda.so.1) on this machine.",
     "Install the NVIDIA driver (ongpu doctor shows the chain); in a container, start it with "
     "--gpus all."},
    {"verify.driver_dso_mismatch",
     "The loaded kernel module and the user-space driver library (libcuda) are of different "
     "versions.",
     "Reboot after a driver upgrade, or reinstall the driver so both match."},
    {"verify.cudnn_version_mismatch",
     "The cuDNN loaded at run time is older than, or of another major version than, the one the "
     "framework was built with.",
     "Install the cuDNN the framework was built with (ongpu compat <framework>==<version> names "
     "it)."},
    {"verify.driver_too_old",
     "The framework reports that the NVIDIA driver is too old for its CUDA runtime.",
     "Upgrade the driver (ongpu compat --driver <version> shows what it allows), or install a "
     "build for an older CUDA."},
    {"verify.no_kernel_image",
     "The framework has no GPU code for this GPU's architecture (no kernel image is available).",
     "Install a build compiled for this GPU (a newer release, or one for its CUDA version)."},
    {"verify.not_compiled_with_cuda", "This PyTorch was built without CUDA.",
     "Install a CUDA build: pip install torch --index-url "
     "https://download.pytorch.org/whl/cu<XYZ>."},
    {"verify.jax_cuda_jaxlib_missing",
     "JAX reports that no CUDA-enabled jaxlib (CUDA plugin) is installed and falls back to the "
     "CPU.",
     "pip install -U 'jax[cuda12]' (or 'jax[cuda13]')."},
    {"verify.jax_plugin_failed",
     "JAX's CUDA plugin failed to initialise, and JAX falls back to the CPU.",
     "Read the plugin's error; reinstall a matched set with pip install -U 'jax[cuda12]' (or "
     "cuda13)."},
    {"verify.ort_cuda_provider_failed",
     "ONNX Runtime could not create its CUDA execution provider and runs on the CPU provider.",
     "Install the CUDA and cuDNN versions onnxruntime-gpu requires (its message names them), e.g. "
     "pip install 'onnxruntime-gpu[cuda,cudnn]'."},
    {"verify.gpu_ignored",
     "TensorFlow ignores the GPU: its compute capability is below the minimum this build supports.",
     "Install a TensorFlow build that supports this GPU (an older release), or use a newer GPU."},
    {"verify.ptx_jit",
     "The framework has no machine code for this GPU and JIT-compiles its PTX at start-up, which "
     "can take many minutes.",
     "Install a build with code for this GPU's architecture; otherwise expect a slow first start "
     "(verify compiles every time, as it runs with CUDA_CACHE_DISABLE=1: give it a long "
     "--timeout)."},
    {"verify.no_cuda_device", "CUDA initialised but reports no CUDA-capable device.",
     "Check CUDA_VISIBLE_DEVICES and that the GPU is passed into the container (ongpu visible)."},
    {"verify.cuda_init_failed", "The framework's call to cuInit failed.",
     "ongpu doctor shows why CUDA cannot initialise here."},
    {"verify.device_unavailable",
     "CUDA answered that every device is busy or unavailable (cudaErrorDevicesUnavailable, "
     "CUDA_ERROR_DEVICE_UNAVAILABLE): the GPU's compute mode is Exclusive_Process and another "
     "process holds it, or it is Prohibited, or long-running work fills it.",
     "nvidia-smi shows the compute mode and the processes on the GPU: wait for the other process, "
     "use another GPU, or ask the administrator to set the Default compute mode."},
});

}  // namespace catalog_data
}  // namespace ongpu
