#include "frameworks/pathfinder.h"

#include <fmt/format.h>

#include <algorithm>

#include "libs/search_path.h"

namespace ongpu::frameworks {
namespace {

void add_in_order(const knowledge::Knowledge& k, std::string_view stem,
                  std::vector<const knowledge::PathfinderLibrary*>& out, size_t depth) {
  const auto* lib = k.pathfinder_library(stem);
  if (!lib || depth > 8 || std::find(out.begin(), out.end(), lib) != out.end()) return;
  for (const auto& dep : lib->dependencies) add_in_order(k, dep, out, depth + 1);
  if (std::find(out.begin(), out.end(), lib) == out.end()) out.push_back(lib);
}

// The first of the row's sonames that is a file in `dir`.
std::optional<std::string> in_dir(const sys::FileSystem& fs, const std::string& dir,
                                  const knowledge::PathfinderLibrary& lib) {
  for (const auto& so : lib.sonames) {
    auto st = fs.stat(dir + "/" + so);
    if (st && !st->is_dir) return dir + "/" + so;
  }
  return std::nullopt;
}

libs::Resolution found_at(const sys::FileSystem& fs, const std::string& path,
                          std::string found_by) {
  libs::Resolution r;
  r.soname = path.substr(path.rfind('/') + 1);
  r.outcome = libs::Outcome::found;
  r.path = path;
  r.real_path = libs::real_path(fs, path);
  r.found_by = std::move(found_by);
  r.step = libs::SearchStep::path;  // dlopen() by its full path
  return r;
}

}  // namespace

std::vector<const knowledge::PathfinderLibrary*> pathfinder_order(const knowledge::Knowledge& k,
                                                                  std::string_view stem) {
  std::vector<const knowledge::PathfinderLibrary*> out;
  add_in_order(k, stem, out, 0);
  return out;
}

libs::Resolution pathfinder_find(const sys::FileSystem& fs, const knowledge::PathfinderLibrary& lib,
                                 const PathfinderEnv& env, const libs::SearchContext& ctx) {
  for (const auto& rel : lib.site_dirs) {
    for (const auto& site : env.site_packages) {
      if (auto p = in_dir(fs, site + "/" + rel, lib)) {
        return found_at(fs, *p, fmt::format("cuda-pathfinder: site-packages ({}/{})", site, rel));
      }
    }
  }
  if (env.conda_prefix && !env.conda_prefix->empty()) {
    for (const char* sub : {"/lib64", "/lib"}) {
      if (auto p = in_dir(fs, *env.conda_prefix + sub, lib)) {
        return found_at(
            fs, *p, fmt::format("cuda-pathfinder: $CONDA_PREFIX ({}{})", *env.conda_prefix, sub));
      }
    }
  }
  // dlopen() by soname from ctypes, which has no RUNPATH of its own.
  libs::Requester caller;
  caller.object.path = "(ctypes)";
  libs::Resolution last;
  for (const auto& so : lib.sonames) {
    auto r = libs::resolve_library(fs, so, caller, ctx);
    if (r.outcome == libs::Outcome::found) {
      r.found_by = "cuda-pathfinder: the loader's search for " + so + ": " + r.found_by;
      return r;
    }
    if (r.outcome == libs::Outcome::load_error) return r;  // dlopen fails: pathfinder's error too
    last = std::move(r);
  }
  if (env.cuda_path && !env.cuda_path->empty()) {
    for (const char* sub : {"/lib64", "/lib"}) {
      if (auto p = in_dir(fs, *env.cuda_path + sub, lib)) {
        return found_at(
            fs, *p,
            fmt::format("cuda-pathfinder: $CUDA_PATH or $CUDA_HOME ({}{})", *env.cuda_path, sub));
      }
    }
  }
  std::string names;
  for (const auto& so : lib.sonames) names += (names.empty() ? "" : " or ") + so;
  libs::Resolution r;
  r.soname = lib.sonames.empty() ? lib.library : lib.sonames.front();
  r.outcome = libs::Outcome::not_found;
  r.error = fmt::format(
      "cuda-pathfinder finds no {} (site-packages {}, {}the loader's search{})", names,
      [&] {
        std::string d;
        for (const auto& s : lib.site_dirs) d += (d.empty() ? "" : ", ") + s;
        return d;
      }(),
      env.conda_prefix ? "$CONDA_PREFIX, " : "", env.cuda_path ? ", $CUDA_PATH/$CUDA_HOME" : "");
  r.search = last.search;
  return r;
}

}  // namespace ongpu::frameworks
