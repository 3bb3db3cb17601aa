// Compatibility knowledge: which CUDA, cuDNN, driver, Python and GPU
// architectures each framework version needs. The tables are data files
// (knowledge/*.csv, docs/knowledge.md) with a source on every row, embedded
// in the binary; `--knowledge DIR` replaces any of them with a newer copy.
//
// Load once with Knowledge::load() and query; queries never touch the system.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "facts/library_kinds.h"
#include "util/result.h"

namespace ongpu::knowledge {

// Where a row was read: "embedded:cuda_driver.csv" or the override's path.
struct Origin {
  std::string file;
  int line = 0;
};

// tensorflow_gpu.csv: one tested Linux GPU build configuration.
struct TfBuild {
  std::string version;  // "2.15.0"
  std::string python_min, python_max;
  std::vector<std::string> python_also;  // e.g. "2.7" beside 3.5-3.7
  std::string cudnn, cuda;               // "8.9", "12.2"
  std::string source;
  Origin origin;
};

// tensorflow_notes.csv: a fact that holds for versions in [from, before).
struct FrameworkNote {
  std::string package;       // "tensorflow", "tensorflow-gpu"
  std::string key;           // stable id: "and_cuda", "stub", ...
  std::string from, before;  // before == "": no upper end
  std::string text, source;
  Origin origin;
};

// tensorflow_cuda_libraries.csv: a library a CUDA build of TensorFlow
// dlopens by soname, for builds whose `component` version (build_info.py's
// cuda_version or cudnn_version) is in [from, before).
struct TfLibrary {
  std::string component;     // "cuda" or "cudnn"
  std::string from, before;  // "11.1", "12.0"
  std::string soname;        // "libcusolver.so.11"
  std::string source;
  Origin origin;
};

// framework_libraries.csv: how a framework release opens one of its CUDA
// libraries, and whether it needs it to register a GPU. Checked against the
// real wheels by the ground-truth suite (tests/ground_truth).
struct FrameworkLibrary {
  std::string framework;     // tensorflow, jax, torch (the import name)
  std::string from, before;  // the framework's versions [from, before); before "" = no upper end
  std::string library;  // the soname's stem (libcusolver), or DT_NEEDED: the CUDA libraries the
                        // framework's loading object lists as DT_NEEDED
  LibraryRole role = LibraryRole::gpu;  // facts/library_kinds.h
  LibraryLoader loader = LibraryLoader::dlopen;
  std::vector<std::string> fallback;  // sonames asked for, in order, when the library is not found
  // The framework's module that lists the library as DT_NEEDED once the
  // loader row has loaded it, relative to site-packages and without its
  // Python suffix (cupy_backends/cuda/libs/cublas); "" = none.
  std::string object;
  std::string source;
  Origin origin;
};

// cuda_pathfinder.csv: how NVIDIA's cuda-pathfinder (load_nvidia_dynamic_lib)
// finds one library, for the frameworks that load through it (CuPy).
struct PathfinderLibrary {
  std::string library;               // the soname's stem: libcublas
  std::vector<std::string> sonames;  // in the order it asks: libcublas.so.13 libcublas.so.12
  std::vector<std::string>
      site_dirs;  // under each site-packages, in order: nvidia/cu13/lib nvidia/cublas/lib
  std::vector<std::string> dependencies;  // stems it loads first, found or not
  std::string source;
  Origin origin;
};

// cuda_driver.csv: a CUDA toolkit release and its minimum driver (Table 3).
struct CudaRelease {
  std::string cuda;                    // "12.5"
  std::string release;                 // NVIDIA's label: "12.5 Update 1", "11.4.0 GA"
  int update = 0;                      // -1 RC, 0 GA, N = Update N: the order within a minor
  std::string linux_min, windows_min;  // windows_min "" = not applicable
  std::string source;
  Origin origin;
};

// cuda_minor_compat.csv: the driver floor for minor-version compatibility.
struct MinorCompat {
  std::string cuda_major;  // "12"
  std::string linux_min, windows_min;
  std::string range_upper;  // the branch range Table 2 gives ("580"); "" = none
  std::string caveat, source;
  Origin origin;
};

// cuda_arch.csv: the SASS compute capabilities toolkits [from, to] can target.
struct SassRange {
  std::string toolkit_from, toolkit_to;
  std::string sass_min, sass_max;  // "5.0", "9.0"
  std::string source;
  Origin origin;
};

// gpu_compute_capability.csv
struct GpuCapability {
  std::string model;  // "RTX 4090"
  std::string compute_capability;
  std::string source;
  Origin origin;
};

// pytorch_cuda.csv: one CUDA variant of one PyTorch release.
struct TorchVariant {
  std::string torch;  // "2.3"
  std::string python_min, python_max;
  std::string cuda;           // "12.1"; the wheel index is cu121
  std::string channel;        // "stable", "experimental", "wheel"
  std::string cudnn;          // "" = not in the source
  bool pypi_default = false;  // the plain `pip install torch` wheel (only where sourced)
  std::vector<std::string> sass_archs, ptx_archs;  // empty = not in the source
  std::string source;
  Origin origin;

  std::string index_tag() const;  // "cu121"
};

// jax_cuda.csv: a pip extra of `jax` that brings GPU support.
struct JaxExtra {
  std::string extra;       // "cuda12"
  std::string cuda_major;  // "12"
  std::string installs;
  bool nvidia_wheels = false;
  std::string available_from;  // first version, where the source gives it
  std::string documented_in;   // a version the source shows it in
  std::string removed_in;
  std::string driver_min_linux, sm_min, note, source;
  Origin origin;
};

// jax_python.csv: the Python versions a JAX release supports.
struct JaxPython {
  std::string from, before;  // jax versions [from, before); before "" = no upper end
  std::string python_min, python_max;
  std::string source;
  Origin origin;
};

enum class Availability { yes, no, unknown };

// What a CUDA toolkit version needs from the driver.
struct DriverReq {
  CudaRelease release;                      // Table 3: the X.Y GA row
  std::optional<MinorCompat> minor_compat;  // Table 2: the floor for the major
};

struct TfMatch {
  const TfBuild* build = nullptr;
  // The table lists one release per minor series: true when `version` was
  // matched to the series' row ("2.15.1" -> 2.15.0, "2.16.0" -> 2.16.1).
  bool by_series = false;
};

class Knowledge {
 public:
  // The file names, one per table.
  static const std::vector<std::string>& table_names();

  // The embedded tables; with override_dir, same-named files there replace
  // them (a file missing there falls back to the embedded one).
  static Result<Knowledge> load(const std::string& override_dir = "");
  // Tables from texts by file name, the others embedded (tests, fuzzing).
  static Result<Knowledge> from_texts(const std::map<std::string, std::string>& texts);

  const std::vector<TfBuild>& tensorflow_builds() const { return tf_; }
  const std::vector<FrameworkNote>& tensorflow_notes() const { return tf_notes_; }
  const std::vector<TfLibrary>& tensorflow_libraries() const { return tf_libs_; }
  const std::vector<FrameworkLibrary>& framework_libraries() const { return fw_libs_; }
  const std::vector<PathfinderLibrary>& pathfinder_libraries() const { return pathfinder_; }
  const std::vector<CudaRelease>& cuda_releases() const { return cuda_; }
  const std::vector<MinorCompat>& minor_compat() const { return minor_; }
  const std::vector<SassRange>& sass_ranges() const { return sass_; }
  const std::vector<GpuCapability>& gpu_capabilities() const { return gpus_; }
  const std::vector<TorchVariant>& torch_variants() const { return torch_; }
  const std::vector<JaxExtra>& jax_extras() const { return jax_; }
  // The Python range of a JAX release; nullptr when the table has no row for it.
  const JaxPython* jax_python(std::string_view jax_version) const;
  // Table file name -> "embedded" or the path it was read from.
  const std::map<std::string, std::string>& table_origins() const { return origins_; }

  // TensorFlow's tested build for a version: the exact row, else the row of
  // the same major.minor series ("2.15", "2.15.1"); build == nullptr if none.
  TfMatch tensorflow_build(std::string_view version) const;
  // The libraries a CUDA build of TensorFlow with these build_info.py
  // versions loads by soname ("11.8", "8"); an empty version matches nothing.
  std::vector<const TfLibrary*> tensorflow_libraries_for(std::string_view cuda_version,
                                                         std::string_view cudnn_version) const;
  // The rows of framework_libraries.csv for this framework release; empty
  // when the table does not know the release (then every library of its
  // pinned wheels counts as needed, opened from its own object).
  std::vector<const FrameworkLibrary*> framework_libraries_for(std::string_view framework,
                                                               std::string_view version) const;
  // cuda-pathfinder's entry for a library stem (libcublas); nullptr if none.
  const PathfinderLibrary* pathfinder_library(std::string_view stem) const;
  // Notes for a package whose [from, before) covers version.
  std::vector<const FrameworkNote*> notes_for(std::string_view package,
                                              std::string_view version) const;

  // The driver a CUDA version needs: "12.5" or "12.5.1" -> the 12.5 GA row
  // (the lowest of the series), plus the major's minor-version-compat floor.
  std::optional<DriverReq> min_driver_for_cuda(std::string_view cuda_version) const;
  const MinorCompat* minor_compat_for_major(std::string_view cuda_major) const;
  // The newest toolkit release whose Linux minimum the driver meets.
  std::optional<CudaRelease> newest_cuda_for_driver(std::string_view driver_version) const;
  // The CUDA majors whose minor-version-compat floor the driver meets, newest first.
  std::vector<const MinorCompat*> minor_compat_for_driver(std::string_view driver_version) const;

  // The compute capability of a GPU by the name NVML or nvidia-smi reports
  // ("NVIDIA GeForce RTX 4090", "Tesla V100-SXM2-16GB"): the most specific
  // table model whose words appear in the name. nullopt if none.
  std::optional<GpuCapability> compute_capability_for(std::string_view gpu_name) const;
  // The SASS range a toolkit ("12.2", "12.2.140") can target; nullptr if not sourced.
  const SassRange* sass_range(std::string_view toolkit) const;

  // The variants of a PyTorch release ("2.3", "2.3.1", "2.3.1+cu121" -> the 2.3 rows).
  std::vector<const TorchVariant*> torch_release(std::string_view version) const;
  // The releases in table order (newest first), without repeats.
  std::vector<std::string> torch_releases() const;

  static Availability jax_extra_available(const JaxExtra& extra, std::string_view jax_version);

 private:
  // Reads each table from texts (by name), else from override_dir, else embedded.
  static Result<Knowledge> build(const std::string& override_dir,
                                 const std::map<std::string, std::string>& texts);
  std::vector<TfBuild> tf_;
  std::vector<FrameworkNote> tf_notes_;
  std::vector<TfLibrary> tf_libs_;
  std::vector<FrameworkLibrary> fw_libs_;
  std::vector<PathfinderLibrary> pathfinder_;
  std::vector<CudaRelease> cuda_;
  std::vector<MinorCompat> minor_;
  std::vector<SassRange> sass_;
  std::vector<GpuCapability> gpus_;
  std::vector<TorchVariant> torch_;
  std::vector<JaxExtra> jax_;
  std::vector<JaxPython> jax_python_;
  std::map<std::string, std::string> origins_;
};

// The tables of one run, loaded at most once, by whichever thread asks
// first: the doctor's collection needs TensorFlow's library table while the
// Python interpreters start, and the rules judge with the same copy after.
class LoadOnce {
 public:
  explicit LoadOnce(std::string override_dir = "") : dir_(std::move(override_dir)) {}
  LoadOnce(const LoadOnce&) = delete;
  LoadOnce& operator=(const LoadOnce&) = delete;
  // Knowledge::load(override_dir) on the first call; the same object after.
  const Result<Knowledge>& get() const;

 private:
  std::string dir_;
  mutable std::once_flag once_;
  mutable std::optional<Result<Knowledge>> tables_;
};

// Normalizes a GPU name for matching: lower case, words of letters and
// digits, without the brand words "nvidia", "geforce" and "tesla".
std::vector<std::string> gpu_name_words(std::string_view name);

}  // namespace ongpu::knowledge
