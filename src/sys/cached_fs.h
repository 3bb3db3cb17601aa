// A FileSystem that remembers directory listings, so that asking whether
// many names exist in the same few directories (the dynamic loader's search:
// a dozen libraries across TensorFlow's hundreds of RUNPATH entries) costs
// one readdir per directory instead of one failed stat per name.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "sys/fs.h"

namespace ongpu::sys {

class ListingCache final : public FileSystem {
 public:
  explicit ListingCache(const FileSystem& inner) : inner_(inner) {}

  Result<std::string> read_file(std::string_view path, size_t max_bytes) const override {
    return inner_.read_file(path, max_bytes);
  }
  Result<std::string> read_range(std::string_view path, uint64_t offset, size_t len) const override {
    return inner_.read_range(path, offset, len);
  }
  Result<std::vector<std::string>> list_dir(std::string_view path) const override;
  Result<std::string> read_link(std::string_view path) const override;
  Result<FileStat> stat(std::string_view path) const override;
  Access access(std::string_view path) const override { return inner_.access(path); }
  Identity identity() const override { return inner_.identity(); }

 private:
  // The names in `dir`, or nullptr when it cannot be listed.
  const std::set<std::string>* names_in(const std::string& dir) const;

  const FileSystem& inner_;
  mutable std::mutex mu_;
  mutable std::map<std::string, std::unique_ptr<std::set<std::string>>> listings_;
};

}  // namespace ongpu::sys
