#include "sys/listing_cache.h"

namespace ongpu::sys {

const std::set<std::string>* ListingCache::names_in(const std::string& dir) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = listings_.find(dir);
  if (it == listings_.end()) {
    auto names = inner_.list_dir(dir.empty() ? "/" : dir);
    std::unique_ptr<std::set<std::string>> set;
    if (names) set = std::make_unique<std::set<std::string>>(names->begin(), names->end());
    it = listings_.emplace(dir, std::move(set)).first;
  }
  return it->second.get();
}

Result<std::vector<std::string>> ListingCache::list_dir(std::string_view path) const {
  const auto* names = names_in(std::string(path));
  if (!names) return inner_.list_dir(path);  // for the error message
  return std::vector<std::string>(names->begin(), names->end());
}

Result<std::string> ListingCache::read_link(std::string_view path) const {
  auto slash = path.rfind('/');
  if (slash != std::string_view::npos && slash + 1 < path.size()) {
    const auto* names = names_in(std::string(path.substr(0, slash)));
    if (names && !names->count(std::string(path.substr(slash + 1)))) {
      return make_error(std::string(path) + ": no such file");
    }
  }
  return inner_.read_link(path);
}

Result<FileStat> ListingCache::stat(std::string_view path) const {
  // An absent name is answered from the parent's listing; a present one (it
  // may be a link to follow) by the real stat.
  auto slash = path.rfind('/');
  if (slash != std::string_view::npos && slash + 1 < path.size()) {
    const auto* names = names_in(std::string(path.substr(0, slash)));
    if (!names || !names->count(std::string(path.substr(slash + 1)))) {
      return make_error(std::string(path) + ": no such file or directory");
    }
  }
  return inner_.stat(path);
}

}  // namespace ongpu::sys
