#include "vendor/loader.h"

#include <dlfcn.h>
#include <limits.h>
#include <link.h>
#include <stdlib.h>

#include <cstdlib>

#include "util/strings.h"

namespace ongpu::vendor {
namespace {

std::string real_path_of(const std::string& path) {
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf) == nullptr) return path;
  return buf;
}

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

}  // namespace

std::string version_from_file_name(const std::string& path, const std::string& soname_base) {
  // soname_base is "libcuda.so"; the real file is libcuda.so.<driver version>.
  auto slash = path.rfind('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  std::string prefix = soname_base + ".";
  if (!starts_with(name, prefix)) return "";
  std::string rest = name.substr(prefix.size());
  // "1" alone is the SONAME, not a version; a driver version has a dot.
  if (rest.find('.') == std::string::npos) return "";
  for (char c : rest) {
    if (!(c == '.' || (c >= '0' && c <= '9'))) return "";
  }
  return rest;
}

bool is_stub_path(const std::string& path) { return path.find("/stubs/") != std::string::npos; }

std::string matching_search_entry(const std::string& ld_library_path, const std::string& dir) {
  const std::string want = real_path_of(dir);
  for (auto entry : split(ld_library_path, ':')) {
    if (entry.empty()) continue;
    std::string e(entry);
    if (e == dir || real_path_of(e) == want) return e;
  }
  return "";
}

void* find_symbol(void* handle, std::initializer_list<const char*> names) {
  for (const char* n : names) {
    if (void* p = ::dlsym(handle, n)) return p;
  }
  return nullptr;
}

OpenedLibrary open_library(const std::string& soname) {
  OpenedLibrary out;
  out.fact.soname = soname;
  // RTLD_NOW: a library with unresolved symbols fails here, not mid-call.
  out.handle = ::dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!out.handle) {
    const char* err = ::dlerror();
    out.fact.load_error = sanitize_text(err ? err : "dlopen failed");
    const char* why = "the dynamic loader did not find it";
    out.fact.path = Fact<std::string>::missing(why);
    out.fact.real_path = Fact<std::string>::missing(why);
    out.fact.version = Fact<std::string>::missing(why);
    out.fact.ld_library_path_entry = Fact<std::string>::missing(why);
    return out;
  }
  out.fact.loaded = true;
  link_map* map = nullptr;
  if (::dlinfo(out.handle, RTLD_DI_LINKMAP, &map) == 0 && map && map->l_name && *map->l_name) {
    std::string path = map->l_name;
    std::string real = real_path_of(path);
    out.fact.path = path;
    out.fact.real_path = real;
    std::string base = soname.substr(0, soname.rfind(".so") + 3);
    std::string version = version_from_file_name(real, base);
    out.fact.version =
        version.empty()
            ? Fact<std::string>::missing("the file name " + real + " carries no version")
            : Fact<std::string>(version);
    out.fact.stub = is_stub_path(path) || is_stub_path(real);
    const char* lib_path = std::getenv("LD_LIBRARY_PATH");
    std::string entry = lib_path ? matching_search_entry(lib_path, dir_of(path)) : "";
    out.fact.ld_library_path_entry =
        entry.empty() ? Fact<std::string>::missing("not found through LD_LIBRARY_PATH")
                      : Fact<std::string>(entry);
  } else {
    out.fact.path = Fact<std::string>::missing("the loader did not report the path");
  }
  return out;
}

}  // namespace ongpu::vendor
