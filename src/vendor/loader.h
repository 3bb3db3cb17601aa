// Opens NVIDIA libraries the way a framework would: by SONAME through the
// real dynamic loader (never the unversioned .so, which can be the toolkit's
// stub), and records which file the loader actually chose. Only ever called
// inside a probe child process.
#pragma once

#include <string>

#include "facts/factset.h"

namespace ongpu::vendor {

struct OpenedLibrary {
  void* handle = nullptr;
  LoadedLibrary fact;
};

OpenedLibrary open_library(const std::string& soname);

// Looks a symbol up newest version first: find_symbol(h, {"nvmlInit_v2", "nvmlInit"}).
void* find_symbol(void* handle, std::initializer_list<const char*> names);

// Pure helpers, unit-tested.
// The version in a driver file name: "libcuda.so.580.65.06" -> "580.65.06".
std::string version_from_file_name(const std::string& path, const std::string& soname_base);
// True when a path lies in a CUDA toolkit stubs/ directory.
bool is_stub_path(const std::string& path);
// The LD_LIBRARY_PATH entry whose directory holds `dir`, or "" if none.
std::string matching_search_entry(const std::string& ld_library_path, const std::string& dir);

}  // namespace ongpu::vendor
