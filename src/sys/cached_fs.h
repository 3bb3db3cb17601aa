// A FileSystem that remembers what it was told: every stat, link and listing
// is asked of the file system once per run, and a name in a directory that
// does not exist is answered without asking at all. The dynamic loader's
// search asks whether a dozen names exist in TensorFlow's 669 DT_RUNPATH
// entries (18 directories, most of them absent) and in the default
// directories (1,177 names in /usr/lib/x86_64-linux-gnu on Debian 12): one
// stat per directory and one per name in a directory that exists, instead of
// reading the large directories whole (docs/PERFORMANCE.md).
//
// One run of the doctor is one snapshot: a file made after the first question
// about it is not seen.
#pragma once

#include <map>
#include <mutex>

#include "sys/fs.h"

namespace ongpu::sys {

class CachedFileSystem final : public FileSystem {
 public:
  explicit CachedFileSystem(const FileSystem& inner) : inner_(inner) {}

  Result<std::string> read_file(std::string_view path, size_t max_bytes) const override {
    return inner_.read_file(path, max_bytes);
  }
  Result<std::string> read_range(std::string_view path, uint64_t offset,
                                 size_t len) const override {
    return inner_.read_range(path, offset, len);
  }
  Result<std::vector<std::string>> list_dir(std::string_view path) const override;
  Result<std::string> read_link(std::string_view path) const override;
  Result<FileStat> stat(std::string_view path) const override;
  Access access(std::string_view path) const override { return inner_.access(path); }
  Identity identity() const override { return inner_.identity(); }

 private:
  Result<FileStat> stat_locked(const std::string& path) const;

  const FileSystem& inner_;
  mutable std::mutex mu_;
  mutable std::map<std::string, Result<FileStat>, std::less<>> stats_;
  mutable std::map<std::string, Result<std::string>, std::less<>> links_;
  mutable std::map<std::string, Result<std::vector<std::string>>, std::less<>> listings_;
};

}  // namespace ongpu::sys
