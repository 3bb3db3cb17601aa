// The small closed sets that describe a framework's CUDA library: why the
// framework needs it, how it loads it, what the loader did and at which step
// of its search. Shared by the knowledge tables (framework_libraries.csv) and
// the facts; JSON and CSV carry the names below.
#pragma once

#include <array>
#include <string_view>

#include "util/enum_names.h"

namespace ongpu {

// gpu: needed to register a GPU (or to import); later: opened on first use,
// its absence does not keep the framework off the GPU; optional: looked for,
// and its absence changes nothing (a table's role only: a fact is gpu or later).
enum class LibraryRole { gpu, later, optional };
template <>
struct EnumNames<LibraryRole> {
  static constexpr auto last = LibraryRole::optional;
  static constexpr std::array<std::string_view, 3> names{"gpu", "later", "optional"};
};

// dlopen: by soname from the framework's object (its DT_RUNPATH); preload: by
// path from site-packages/nvidia/*/lib first; pathfinder: by NVIDIA's
// cuda-pathfinder (cuda_pathfinder.csv).
enum class LibraryLoader { dlopen, preload, pathfinder };
template <>
struct EnumNames<LibraryLoader> {
  static constexpr auto last = LibraryLoader::pathfinder;
  static constexpr std::array<std::string_view, 3> names{"dlopen", "preload", "pathfinder"};
};

// What the loader does when the framework asks for the library.
enum class LibraryOutcome { found, not_found, load_error };
template <>
struct EnumNames<LibraryOutcome> {
  static constexpr auto last = LibraryOutcome::load_error;
  static constexpr std::array<std::string_view, 3> names{"found", "not_found", "load_error"};
};

// The step of ld.so(8)'s search that found the file (libs/search_path.h):
// path: opened by its path, as a preload or cuda-pathfinder does.
enum class LoaderStep { path, dt_rpath, ld_library_path, dt_runpath, ld_so_cache, default_dir };
template <>
struct EnumNames<LoaderStep> {
  static constexpr auto last = LoaderStep::default_dir;
  static constexpr std::array<std::string_view, 6> names{
      "path", "dt_rpath", "ld_library_path", "dt_runpath", "ld_so_cache", "default_dir"};
};

}  // namespace ongpu
