// FactSet: everything the collectors gathered, as plain data. Collectors fill
// it and never judge; rules read it and never touch the system.
//
// Each struct lists its fields once, in `fields()`, with their stable
// snake_case names; the JSON writer and reader (facts/json.h) both walk that
// list, so the saved form (--save-facts) and the replayed form (--facts-from)
// cannot drift apart.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "facts/fact.h"
#include "facts/framework.h"
#include "facts/library_kinds.h"
#include "util/enum_names.h"

namespace ongpu {

inline constexpr int kFactSchemaVersion = 1;

struct HostFacts {
  Fact<std::string> hostname;  // /proc/sys/kernel/hostname: the node's name in fleet reports
  Fact<std::string> os_name;   // os-release(5) PRETTY_NAME: "Ubuntu 22.04.4 LTS"
  Fact<std::string> kernel_release;
  bool wsl = false;       // /dev/dxg or /usr/lib/wsl/lib
  std::string container;  // "docker", "podman", "kubernetes" or "" when not in one
  uint32_t uid = 0;
  template <class V>
  void fields(V& v) {
    v("hostname", hostname);
    v("os_name", os_name);
    v("kernel_release", kernel_release);
    v("wsl", wsl);
    v("container", container);
    v("uid", uid);
  }
};

struct PciDevice {
  std::string bus_id;  // 0000:65:00.0
  uint32_t vendor_id = 0;
  uint32_t device_id = 0;
  uint32_t class_code = 0;
  std::string driver;  // the bound kernel driver, "" when none is bound
  template <class V>
  void fields(V& v) {
    v("bus_id", bus_id);
    v("vendor_id", vendor_id);
    v("device_id", device_id);
    v("class_code", class_code);
    v("driver", driver);
  }
};

struct PciFacts {
  Fact<std::vector<PciDevice>> nvidia_devices;
  template <class V>
  void fields(V& v) {
    v("nvidia_devices", nvidia_devices);
  }
};

// A GPU's /dev/nvidiaN number, from /proc/driver/nvidia/gpus/<bus id>/information.
struct GpuMinor {
  std::string bus_id;  // the directory's name: 0000:65:00.0
  uint32_t minor = 0;
  template <class V>
  void fields(V& v) {
    v("bus_id", bus_id);
    v("minor", minor);
  }
};

struct KernelModuleFacts {
  bool nvidia_loaded = false;
  bool nvidia_uvm_loaded = false;
  bool nouveau_loaded = false;
  bool vfio_pci_loaded = false;
  Fact<std::string> version;       // 580.65.06
  Fact<std::string> flavor;        // "open" or "proprietary"
  Fact<std::string> version_text;  // the NVRM line as the kernel printed it
  Fact<bool> secure_boot;
  Fact<std::vector<GpuMinor>> gpu_minors;  // the device node of each GPU the driver bound
  template <class V>
  void fields(V& v) {
    v("nvidia_loaded", nvidia_loaded);
    v("nvidia_uvm_loaded", nvidia_uvm_loaded);
    v("nouveau_loaded", nouveau_loaded);
    v("vfio_pci_loaded", vfio_pci_loaded);
    v("version", version);
    v("flavor", flavor);
    v("version_text", version_text);
    v("secure_boot", secure_boot);
    v("gpu_minors", gpu_minors);
  }
};

struct DeviceNode {
  std::string path;
  bool exists = false;
  bool is_char_device = false;
  bool readable = false;
  bool writable = false;
  uint32_t mode = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string group;  // the name of gid in /etc/group, "" if unknown
  template <class V>
  void fields(V& v) {
    v("path", path);
    v("exists", exists);
    v("is_char_device", is_char_device);
    v("readable", readable);
    v("writable", writable);
    v("mode", mode);
    v("uid", uid);
    v("gid", gid);
    v("group", group);
  }
};

struct DeviceNodeFacts {
  std::vector<DeviceNode> nodes;  // nvidiactl, nvidia-uvm, nvidia-uvm-tools, then nvidiaN
  template <class V>
  void fields(V& v) {
    v("nodes", nodes);
  }
};

// nvmlDeviceGetComputeMode: who may create a context on the GPU (nvml.h
// nvmlComputeMode_t). A value ongpu does not know is a missing fact.
enum class ComputeMode { shared, exclusive_thread, prohibited, exclusive_process };
template <>
struct EnumNames<ComputeMode> {
  static constexpr auto last = ComputeMode::exclusive_process;
  static constexpr std::array<std::string_view, 4> names{"default", "exclusive_thread",
                                                         "prohibited", "exclusive_process"};
};

// What a framework build computes on: CUDA, only the CPU, ROCm; a stub (the
// empty tensorflow-gpu package); unknown when its build could not be read.
enum class BuildFlavor { cuda, cpu, rocm, stub, unknown };
template <>
struct EnumNames<BuildFlavor> {
  static constexpr auto last = BuildFlavor::unknown;
  static constexpr std::array<std::string_view, 5> names{"cuda", "cpu", "rocm", "stub", "unknown"};
};

// How a probe child process ended.
enum class ProbeStatus {
  ok,            // it answered
  crashed,       // killed by a signal
  timed_out,     // past its deadline, then killed
  garbage,       // it exited 0 but its answer could not be read
  exited,        // it exited with a non-zero status
  spawn_failed,  // it could not be started
  not_run,       // not needed, or not asked for
};
template <>
struct EnumNames<ProbeStatus> {
  static constexpr auto last = ProbeStatus::not_run;
  static constexpr std::array<std::string_view, 7> names{
      "ok", "crashed", "timed_out", "garbage", "exited", "spawn_failed", "not_run"};
};

// How a probe child process ended. The outcome is itself a fact.
struct ProbeRun {
  ProbeStatus status = ProbeStatus::not_run;
  int exit_code = 0;
  int signal = 0;
  std::string last_stage;  // the vendor call in progress when it ended
  double duration_ms = 0;
  double deadline_ms = 0;  // the deadline it ran under
  int pid = 0;             // its process id (so its own GPU use can be told apart)
  std::string stderr_tail;
  int spawn_errno = 0;  // spawn_failed: why it could not be started (errno), 0 otherwise
  template <class V>
  void fields(V& v) {
    v("status", status);
    v("exit_code", exit_code);
    v("signal", signal);
    v("last_stage", last_stage);
    v("duration_ms", duration_ms);
    v("deadline_ms", deadline_ms);
    v("pid", pid);
    v("stderr_tail", stderr_tail);
    v("spawn_errno", spawn_errno);
  }
};

// A vendor library as the dynamic loader resolved it inside a probe.
struct LoadedLibrary {
  std::string soname;
  bool loaded = false;
  std::string load_error;
  Fact<std::string> path;                   // as the loader reports it (link_map l_name)
  Fact<std::string> real_path;              // symlinks resolved
  Fact<std::string> version;                // from the real file name, libcuda.so.580.65.06
  Fact<std::string> ld_library_path_entry;  // the LD_LIBRARY_PATH entry it came from
  bool stub = false;                        // a CUDA toolkit stub (in a stubs/ directory)
  template <class V>
  void fields(V& v) {
    v("soname", soname);
    v("loaded", loaded);
    v("load_error", load_error);
    v("path", path);
    v("real_path", real_path);
    v("version", version);
    v("ld_library_path_entry", ld_library_path_entry);
    v("stub", stub);
  }
};

struct ApiResult {
  int code = 0;
  std::string name;     // NVML_ERROR_DRIVER_NOT_LOADED / CUDA_ERROR_NO_DEVICE
  std::string message;  // the vendor's own message, where it gave one
  bool operator==(const ApiResult&) const = default;
  template <class V>
  void fields(V& v) {
    v("code", code);
    v("name", name);
    v("message", message);
  }
};

struct GpuProcess {
  uint32_t pid = 0;
  Fact<uint64_t> used_memory_bytes;
  template <class V>
  void fields(V& v) {
    v("pid", pid);
    v("used_memory_bytes", used_memory_bytes);
  }
};

struct NvmlGpu {
  uint32_t index = 0;  // NVML index = nvidia-smi's numbering
  Fact<std::string> name;
  Fact<std::string> uuid;
  Fact<std::string> pci_bus_id;
  Fact<uint64_t> memory_total_bytes;
  Fact<uint64_t> memory_used_bytes;
  Fact<std::string> compute_capability;  // "9.0"
  Fact<ComputeMode> compute_mode;
  Fact<bool> persistence_mode;
  Fact<bool> mig_enabled;
  Fact<std::vector<std::string>> mig_device_uuids;
  Fact<bool> retired_pages_pending;
  Fact<bool> row_remap_pending;
  Fact<bool> row_remap_failed;
  Fact<std::vector<GpuProcess>> compute_processes;
  template <class V>
  void fields(V& v) {
    v("index", index);
    v("name", name);
    v("uuid", uuid);
    v("pci_bus_id", pci_bus_id);
    v("memory_total_bytes", memory_total_bytes);
    v("memory_used_bytes", memory_used_bytes);
    v("compute_capability", compute_capability);
    v("compute_mode", compute_mode);
    v("persistence_mode", persistence_mode);
    v("mig_enabled", mig_enabled);
    v("mig_device_uuids", mig_device_uuids);
    v("retired_pages_pending", retired_pages_pending);
    v("row_remap_pending", row_remap_pending);
    v("row_remap_failed", row_remap_failed);
    v("compute_processes", compute_processes);
  }
};

struct NvmlFacts {
  ProbeRun probe;
  LoadedLibrary library;
  Fact<ApiResult> init;
  Fact<std::string> driver_version;
  Fact<int> cuda_driver_version;  // 13000 = CUDA 13.0, the newest CUDA the driver supports
  Fact<uint32_t> device_count;    // as NVML reported it, before any cap
  std::vector<NvmlGpu> gpus;
  template <class V>
  void fields(V& v) {
    v("probe", probe);
    v("library", library);
    v("init", init);
    v("driver_version", driver_version);
    v("cuda_driver_version", cuda_driver_version);
    v("device_count", device_count);
    v("gpus", gpus);
  }
};

struct CudaDevice {
  int ordinal = 0;  // CUDA's numbering inside the process
  Fact<std::string> name;
  Fact<std::string> uuid;        // GPU-xxxxxxxx-... as nvidia-smi prints it
  Fact<std::string> pci_bus_id;  // 0000:65:00.0
  Fact<std::string> compute_capability;
  Fact<uint64_t> memory_total_bytes;
  Fact<ApiResult> context;  // the result of creating a context; absent when not tried
  template <class V>
  void fields(V& v) {
    v("ordinal", ordinal);
    v("name", name);
    v("uuid", uuid);
    v("pci_bus_id", pci_bus_id);
    v("compute_capability", compute_capability);
    v("memory_total_bytes", memory_total_bytes);
    v("context", context);
  }
};

struct CudaFacts {
  ProbeRun probe;
  LoadedLibrary library;
  Fact<ApiResult> init;
  Fact<int> driver_version;  // cuDriverGetVersion: 13000 = 13.0
  Fact<int> device_count;
  std::vector<CudaDevice> devices;
  template <class V>
  void fields(V& v) {
    v("probe", probe);
    v("library", library);
    v("init", init);
    v("driver_version", driver_version);
    v("device_count", device_count);
    v("devices", devices);
  }
};

struct EnvFacts {
  // null = unset (which differs from set-but-empty for CUDA_VISIBLE_DEVICES).
  std::optional<std::string> cuda_visible_devices;
  std::optional<std::string> cuda_device_order;
  std::optional<std::string> nvidia_visible_devices;
  std::optional<std::string> ld_library_path;
  std::optional<std::string> jax_platforms;
  std::optional<std::string> tf_cpp_min_log_level;
  std::map<std::string, std::string> debug_variables;  // debugger/profiler/injection, when set
  std::optional<std::string> ld_preload;  // loaded into every process, ongpu's probes included
  template <class V>
  void fields(V& v) {
    v("cuda_visible_devices", cuda_visible_devices);
    v("cuda_device_order", cuda_device_order);
    v("nvidia_visible_devices", nvidia_visible_devices);
    v("ld_library_path", ld_library_path);
    v("jax_platforms", jax_platforms);
    v("tf_cpp_min_log_level", tf_cpp_min_log_level);
    v("debug_variables", debug_variables);
    v("ld_preload", ld_preload);
  }
};

// One installed distribution (dist-info or egg-info), read without importing it.
struct Distribution {
  std::string name;  // PEP 503 normalized: tensorflow, jax-cuda12-plugin
  std::string version;
  std::string installer;                   // pip, conda, uv, … ("" when not recorded)
  std::string location;                    // the site-packages directory
  std::string metadata_dir;                // tensorflow-2.21.0.dist-info
  std::vector<std::string> requires_dist;  // kept for the frameworks and their plugins only
  // Why its METADATA could not be read ("" when it was): name and version
  // then come from the directory's name, and what it is built for is unknown.
  std::string unreadable;
  template <class V>
  void fields(V& v) {
    v("name", name);
    v("version", version);
    v("installer", installer);
    v("location", location);
    v("metadata_dir", metadata_dir);
    v("requires_dist", requires_dist);
    v("unreadable", unreadable);
  }
};

// A CUDA wheel a framework pins (TensorFlow's [and-cuda] extra, torch's
// requirements, a JAX CUDA plugin's), and what is installed of it.
struct PinnedWheel {
  std::string name;       // nvidia-cudnn-cu12
  std::string specifier;  // <10.0,>=9.3.0.75
  std::string extra;      // and-cuda, or ""
  std::string installed;  // the installed version, "" when not installed
  template <class V>
  void fields(V& v) {
    v("name", name);
    v("specifier", specifier);
    v("extra", extra);
    v("installed", installed);
  }
};

// Another copy of a library than the one the loader takes, and why it loses.
// Its JSON form is one string, "<path>: <status>: <why>" (schema 1), so
// rules read the status as a value and only renderers write the words.
struct OtherCopy {
  enum class Status {
    skipped,             // before the winner, passed over (other ELF class, unreadable)
    broken,              // the loader stops there with an error
    unreached,           // after a broken copy
    shadowed,            // after the winner in the search order
    not_searched,        // where this requester's search does not look (DF_1_NODEFLIB, ...)
    not_on_search_path,  // in a CUDA installation directory the loader never searches
    other,               // a saved fact in no known form: `path` holds it whole
  };
  std::string path;
  Status status = Status::shadowed;
  std::string reason;
  std::string to_text() const;
  static OtherCopy from_text(std::string_view text);
  bool operator==(const OtherCopy&) const = default;
};
std::string_view other_copy_status_key(OtherCopy::Status s);

// One CUDA library a framework needs, resolved as the dynamic loader would
// resolve it for the framework's own shared object (src/libs/).
struct LibraryFact {
  std::string soname;     // libcudnn.so.9
  std::string wanted_by;  // the pinned wheel that provides it (nvidia-cudnn-cu12), or for a
                          // TensorFlow without pins the build_info.py version it follows from
                          // (build_info.py cuda_version 11.8)
  std::string requester;  // the framework's file that loads it ("" when none was found)
  // The framework's object that lists it as DT_NEEDED (its path): the loader
  // loads it with that object, and the object's symbols must be in it. ""
  // when the framework loads it by dlopen or a preload.
  std::string needed_by;
  // gpu: the framework needs it to register a GPU (or to import); later: it
  // opens it on first use (knowledge/framework_libraries.csv)
  LibraryRole role = LibraryRole::gpu;
  LibraryOutcome outcome = LibraryOutcome::not_found;
  Fact<std::string> path;
  Fact<std::string> real_path;
  std::string found_by;  // "DT_RUNPATH of … ($ORIGIN/../nvidia/cudnn/lib)", "ld.so.cache", …
  // The search step that found it; `path` when it was opened by its path (a
  // preload, cuda-pathfinder). null when it was not found.
  std::optional<LoaderStep> found_step;
  Fact<std::string> version;            // from the real file name (libcudnn.so.9.3.0)
  Fact<std::string> reported_version;   // the library's own version call (--library-versions)
  std::vector<OtherCopy> other_copies;  // JSON: "<path>: <status>: <why it loses>"
  std::vector<std::string>
      missing_dependencies;  // "libnvJitLink.so.12 (libcusolver.so.11 → libnvJitLink.so.12)"
  // Symbols the framework's own object needs from this library that the copy
  // found does not define (an older NCCL than the wheel torch was linked
  // with): the loader fails on the first of them. Checked only for a copy
  // outside the framework's NVIDIA wheels.
  std::vector<std::string> missing_symbols;
  // Not found by the loader, but an installed NVIDIA wheel has it here
  // (site-packages/nvidia/cusolver/lib/libcusolver.so.11); "" otherwise.
  std::string wheel_copy;
  template <class V>
  void fields(V& v) {
    v("soname", soname);
    v("wanted_by", wanted_by);
    v("requester", requester);
    v("needed_by", needed_by);
    v("role", role);
    v("outcome", outcome);
    v("path", path);
    v("real_path", real_path);
    v("found_by", found_by);
    v("found_step", found_step);
    v("version", version);
    v("reported_version", reported_version);
    v("other_copies", other_copies);
    v("missing_dependencies", missing_dependencies);
    v("wheel_copy", wheel_copy);
    v("missing_symbols", missing_symbols);
  }
};

// One framework in one Python environment, read statically.
struct FrameworkFacts {
  Framework framework = Framework::tensorflow;
  std::string distribution;  // the distribution that provides it: tensorflow-cpu, onnxruntime-gpu
  std::string version;
  std::string package_dir;  // <site-packages>/tensorflow ("" when the package directory is missing)
  BuildFlavor flavor = BuildFlavor::unknown;
  // The Tag lines of its dist-info WHEEL file (for JAX, jaxlib's: the compiled
  // part): cp311-cp311-manylinux_2_17_x86_64, the platform it was built for.
  Fact<std::vector<std::string>> wheel_tags;
  Fact<std::string> cuda_version;              // the CUDA it was built with (12.5.1)
  Fact<std::string> cudnn_version;             // the cuDNN it was built with (9)
  Fact<std::vector<std::string>> gpu_targets;  // compiled GPU code: sm_80 (SASS), compute_90 (PTX)
  std::vector<std::string> conflicts;          // other distributions providing the same package
  std::vector<PinnedWheel> cuda_wheels;
  std::map<std::string, std::string> components;  // jax: jaxlib, plugin and pjrt versions
  std::vector<LibraryFact> libraries;             // the CUDA libraries it needs, resolved
  template <class V>
  void fields(V& v) {
    v("framework", framework);
    v("distribution", distribution);
    v("version", version);
    v("package_dir", package_dir);
    v("flavor", flavor);
    v("wheel_tags", wheel_tags);
    v("cuda_version", cuda_version);
    v("cudnn_version", cudnn_version);
    v("gpu_targets", gpu_targets);
    v("conflicts", conflicts);
    v("cuda_wheels", cuda_wheels);
    v("components", components);
    v("libraries", libraries);
  }
};

// A Python interpreter the user may run their code with, as it reports itself.
struct PythonEnv {
  std::string interpreter;  // the path as found
  std::string source;       // --python, VIRTUAL_ENV, CONDA_PREFIX, PATH, beside ongpu
  ProbeRun probe;           // the interpreter's own answer, in a child process
  Fact<std::string> executable;
  Fact<std::string> version;  // 3.11.7
  Fact<std::string> implementation;
  Fact<std::string> prefix;
  Fact<std::string> base_prefix;
  Fact<std::string> platform;              // sys.platform
  Fact<std::string> machine;               // x86_64
  std::vector<std::string> site_packages;  // in import order
  std::vector<Distribution> distributions;
  std::vector<FrameworkFacts> frameworks;
  template <class V>
  void fields(V& v) {
    v("interpreter", interpreter);
    v("source", source);
    v("probe", probe);
    v("executable", executable);
    v("version", version);
    v("implementation", implementation);
    v("prefix", prefix);
    v("base_prefix", base_prefix);
    v("platform", platform);
    v("machine", machine);
    v("site_packages", site_packages);
    v("distributions", distributions);
    v("frameworks", frameworks);
  }
};

struct PythonFacts {
  std::vector<PythonEnv> environments;
  template <class V>
  void fields(V& v) {
    v("environments", environments);
  }
};

struct FactSet {
  int schema_version = kFactSchemaVersion;
  std::string ongpu_version;
  HostFacts host;
  PciFacts pci;
  KernelModuleFacts kernel_module;
  DeviceNodeFacts device_nodes;
  NvmlFacts nvml;
  CudaFacts cuda;
  // CUDA's own numbering of every GPU (the CUDA probe run with
  // CUDA_VISIBLE_DEVICES unset); only collected when the variable is set.
  CudaFacts cuda_all;
  EnvFacts env;
  PythonFacts python;
  template <class V>
  void fields(V& v) {
    v("schema_version", schema_version);
    v("ongpu_version", ongpu_version);
    v("host", host);
    v("pci", pci);
    v("kernel_module", kernel_module);
    v("device_nodes", device_nodes);
    v("nvml", nvml);
    v("cuda", cuda);
    v("cuda_all", cuda_all);
    v("env", env);
    v("python", python);
  }
};

}  // namespace ongpu
