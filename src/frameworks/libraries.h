// The CUDA libraries each framework needs, resolved the way the dynamic
// loader will resolve them for the framework's own shared object: its
// DT_RUNPATH (pip's site-packages/nvidia/*/lib through $ORIGIN),
// LD_LIBRARY_PATH, /etc/ld.so.cache and the default directories.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "facts/factset.h"
#include "knowledge/knowledge.h"
#include "libs/search_path.h"
#include "sys/fs.h"

namespace ongpu::frameworks {

// The libraries a pinned NVIDIA wheel provides, by soname: nvidia-cufft-cu12
// at 11.2.3.61 -> libcufft.so.11. Empty for wheels that hold no library the
// framework loads by soname (nvcc, nvtx).
std::vector<std::string> sonames_of_wheel(const PinnedWheel& wheel);

// A CUDA library a framework loads by soname, why it needs it, and how.
struct WantedLibrary {
  std::string soname;  // libcudnn.so.9
  std::string
      wanted_by;  // the pinned wheel (nvidia-cudnn-cu12), or "build_info.py cudnn_version 8"
  // The framework's object that lists it as DT_NEEDED (its path); "" when
  // the framework loads it by dlopen or a preload.
  std::string needed_by;
  // gpu: the framework needs it to register a GPU (or to import); later: it
  // opens it on first use, and its absence does not keep it off the GPU.
  LibraryRole role = LibraryRole::gpu;
  // The framework dlopens it by path from site-packages/nvidia/<package>/lib
  // or nvidia/cu<major>/lib before its own object's search (JAX's plugin,
  // torch's _load_global_deps).
  bool preload = false;
  // A placeholder with no soname: the CUDA libraries that the framework's
  // loading object lists as DT_NEEDED (resolve_libraries reads them).
  bool from_needed = false;
  // A preloaded library whose soname no pinned wheel tells (torch 2.15 pins
  // the cuda-toolkit meta-package): its stem (libcupti), and resolve_libraries
  // takes the soname of the file in the wheel's directory, if there is one.
  std::string stem;
  // Asked for in order when neither a preloaded copy nor the search finds it
  // (JAX's unversioned libcupti.so after libcupti.so.12).
  std::vector<std::string> fallback;
  // Loaded by cuda-pathfinder (CuPy): what it loads when asked for the
  // library, its dependencies first and the library last (pathfinder.h).
  std::vector<const knowledge::PathfinderLibrary*> pathfinder;
  // The framework's module that lists the library as DT_NEEDED once
  // pathfinder has loaded it: relative to site-packages, without its Python
  // suffix (cupy_backends/cuda/libs/cublas).
  std::string object;
};

// What the framework's process has in its environment that decides where
// libraries are found besides the loader's own search.
struct ProcessEnv {
  std::optional<std::string> conda_prefix;  // $CONDA_PREFIX
  std::optional<std::string> cuda_path;     // $CUDA_PATH, else $CUDA_HOME (cuda-pathfinder)
};

// The CUDA libraries the framework loads. Where knowledge/framework_libraries.csv
// knows the release, exactly its rows: the sonames follow from the NVIDIA
// wheels it pins (or, for a TensorFlow that pins none, from its build_info.py
// versions), and a DT_NEEDED row adds the CUDA libraries its loading object
// lists (resolve_libraries reads them). Otherwise, every library of its
// pinned wheels, as needed to register a GPU.
std::vector<WantedLibrary> wanted_libraries(const FrameworkFacts& fw,
                                            const knowledge::Knowledge* k);

// The file of the framework that loads its CUDA libraries, if it exists:
// libtensorflow_framework.so.2, torch/lib/libtorch_cuda.so, the JAX CUDA
// plugin, onnxruntime's CUDA provider.
std::optional<std::string> requester_of(const sys::FileSystem& fs, const PythonEnv& env,
                                        const FrameworkFacts& fw);

// The loader's search context for a process that sees `ld_library_path`:
// /etc/ld.so.cache and the default directories. Built once per run.
libs::SearchContext search_context(const sys::FileSystem& fs,
                                   const std::optional<std::string>& ld_library_path);

// The CUDA libraries (by soname) that `object` lists as DT_NEEDED, with those
// of the framework's own objects beside it that it lists in turn (torch's
// libtorch_cuda.so -> libtorch_nvshmem.so -> libnvshmem_host.so.3): pairs of
// (the object's file name, soname), each soname once.
std::vector<std::pair<std::string, std::string>> needed_cuda_libraries(
    const sys::FileSystem& fs, const libs::LoadedObject& object);

// For each library the framework's own objects list (DT_NEEDED) that was
// found outside its NVIDIA wheels: the symbols those objects need from it
// that no library found defines (LibraryFact::missing_symbols).
void check_symbols(const sys::FileSystem& fs, FrameworkFacts& fw);

// Fills fw.libraries with `wanted`, resolved. Copies in CUDA installation
// directories the loader does not search (/usr/local/cuda*, conda's lib) are
// listed as such.
void resolve_libraries(const sys::FileSystem& fs, const PythonEnv& env, FrameworkFacts& fw,
                       const std::vector<WantedLibrary>& wanted, const libs::SearchContext& ctx,
                       const ProcessEnv& process);

}  // namespace ongpu::frameworks
