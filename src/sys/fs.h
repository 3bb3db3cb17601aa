// The thin OS layer for everything ongpu reads from the file system. All of
// /proc, /sys, /dev and /etc is read through this interface, so a test (or a
// user replaying a captured machine) can point ongpu at a fixture root.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace ongpu::sys {

struct FileStat {
  bool is_dir = false;
  bool is_char_device = false;
  uint32_t mode = 0;  // permission bits only (07777)
  uint32_t uid = 0;
  uint32_t gid = 0;
};

struct Access {
  bool readable = false;
  bool writable = false;
};

// Who ongpu runs as: permission findings are about this user.
struct Identity {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> groups;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // Reads at most max_bytes; /proc and /sys files report size 0, so this reads
  // until EOF instead of trusting st_size.
  virtual Result<std::string> read_file(std::string_view path,
                                        size_t max_bytes = 1 << 20) const = 0;
  // At most `len` bytes from `offset` (fewer at the end of the file). Large
  // shared objects keep their dynamic section hundreds of MiB in.
  virtual Result<std::string> read_range(std::string_view path, uint64_t offset,
                                         size_t len) const = 0;
  // Names in the directory, sorted, without "." and "..".
  virtual Result<std::vector<std::string>> list_dir(std::string_view path) const = 0;
  virtual Result<std::string> read_link(std::string_view path) const = 0;
  virtual Result<FileStat> stat(std::string_view path) const = 0;
  virtual Access access(std::string_view path) const = 0;
  virtual Identity identity() const = 0;
  bool exists(std::string_view path) const { return stat(path).ok(); }
};

// The real machine (root "/"), or a fixture root: a directory that mirrors the
// parts of a machine ongpu reads. In a fixture root, regular files under /dev
// stand for character devices, and an optional file `.ongpu-fixture` at the
// root gives what git cannot store (see tests/fixtures/README.md):
//   identity <uid> <gid> [<group>,...]
//   stat <absolute path> <octal mode> <uid> <gid>
std::unique_ptr<FileSystem> make_file_system(const std::string& root);

}  // namespace ongpu::sys
