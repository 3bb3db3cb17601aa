// How NVIDIA's cuda-pathfinder (cuda.pathfinder.load_nvidia_dynamic_lib)
// finds a CUDA library, for the frameworks that load through it (CuPy 14).
// The table is knowledge/cuda_pathfinder.csv; the order of the steps is its
// load_nvidia_dynamic_lib.py's _load_lib_no_cache:
//   1. site-packages: for each directory of the row, in each site-packages
//      directory, each soname in the row's order (CUDA 13's first);
//   2. $CONDA_PREFIX/lib64, then lib;
//   3. (its dependencies are loaded now, found or not by the same steps);
//   4. the loader's own search for each soname in order, from a caller
//      without a RUNPATH (ctypes): LD_LIBRARY_PATH, ld.so.cache, defaults;
//   5. $CUDA_PATH, else $CUDA_HOME: lib64, then lib.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "knowledge/knowledge.h"
#include "libs/resolve.h"
#include "sys/fs.h"

namespace ongpu::frameworks {

// The libraries pathfinder loads when asked for `stem`: its dependencies
// first (depth first, each once), then the library itself. Empty when the
// table does not know the library.
std::vector<const knowledge::PathfinderLibrary*> pathfinder_order(const knowledge::Knowledge& k,
                                                                  std::string_view stem);

struct PathfinderEnv {
  std::vector<std::string> site_packages;  // in the interpreter's order
  std::optional<std::string> conda_prefix;
  std::optional<std::string> cuda_path;  // $CUDA_PATH, else $CUDA_HOME
};

// The file pathfinder loads for `lib`: found_by names the step; not found,
// `error` lists where it looked.
libs::Resolution pathfinder_find(const sys::FileSystem& fs, const knowledge::PathfinderLibrary& lib,
                                 const PathfinderEnv& env, const libs::SearchContext& ctx);

}  // namespace ongpu::frameworks
