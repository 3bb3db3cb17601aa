#include "sys/cached_fs.h"

namespace ongpu::sys {
namespace {

// The directory part of an absolute or relative path ("" when there is none).
std::string_view parent_of(std::string_view path) {
  auto slash = path.rfind('/');
  if (slash == std::string_view::npos || slash + 1 == path.size()) return {};
  return slash == 0 ? std::string_view("/") : path.substr(0, slash);
}

}  // namespace

Result<FileStat> CachedFileSystem::stat_locked(const std::string& path) const {
  if (auto it = stats_.find(path); it != stats_.end()) return it->second;
  // The kernel resolves "<dir>/<name>" through <dir> exactly as written, so a
  // <dir> that does not resolve to a directory has no names at all.
  auto parent = parent_of(path);
  if (!parent.empty()) {
    auto up = stat_locked(std::string(parent));
    if (!up || !up->is_dir) {
      Result<FileStat> absent = make_error(path + ": no such file or directory");
      return stats_.emplace(path, std::move(absent)).first->second;
    }
  }
  return stats_.emplace(path, inner_.stat(path)).first->second;
}

Result<FileStat> CachedFileSystem::stat(std::string_view path) const {
  std::lock_guard<std::mutex> lock(mu_);
  return stat_locked(std::string(path));
}

Result<std::string> CachedFileSystem::read_link(std::string_view path) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = links_.find(path); it != links_.end()) return it->second;
  std::string key(path);
  auto parent = parent_of(key);
  if (!parent.empty()) {
    auto up = stat_locked(std::string(parent));
    if (!up || !up->is_dir) {
      Result<std::string> absent = make_error(key + ": no such file or directory");
      return links_.emplace(key, std::move(absent)).first->second;
    }
  }
  return links_.emplace(key, inner_.read_link(key)).first->second;
}

Result<std::vector<std::string>> CachedFileSystem::list_dir(std::string_view path) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = listings_.find(path); it != listings_.end()) return it->second;
  return listings_.emplace(std::string(path), inner_.list_dir(path)).first->second;
}

}  // namespace ongpu::sys
