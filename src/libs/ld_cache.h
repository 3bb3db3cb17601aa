// /etc/ld.so.cache, the table ldconfig writes from /etc/ld.so.conf and the
// trusted directories, and that the dynamic loader consults after the
// DT_RPATH / LD_LIBRARY_PATH / DT_RUNPATH directories (ld.so(8), ldconfig(8)).
//
// Layouts (glibc sysdeps/generic/dl-cache.h, described in words here):
//   old format, "ld.so-1.7.0": magic (11 bytes, padded to 12), uint32 nlibs,
//     then nlibs entries {int32 flags; uint32 key; uint32 value}; string
//     offsets count from the end of the entry table.
//   new format, "glibc-ld.so.cache" "1.1": magic and version (20 bytes),
//     uint32 nlibs, uint32 len_strings, uint8 flags (byte order: 0 unset,
//     1 invalid, 2 little, 3 big), 3 padding bytes, uint32 extension_offset,
//     3 unused uint32, then nlibs entries {int32 flags; uint32 key; uint32
//     value; uint32 osversion; uint64 hwcap} (24 bytes); string offsets count
//     from the start of this header. Before glibc 2.32 ldconfig wrote the old
//     block first and the new one after it, 8-byte aligned.
//   extension (new format, glibc 2.33+): uint32 magic 0xeaa42174, uint32
//     count, then count sections {uint32 tag; uint32 flags; uint32 offset;
//     uint32 size}; tag 0 is the generator string, tag 1 the glibc-hwcaps
//     subdirectory names (uint32 string offsets), which an entry whose hwcap
//     has 0x40000000 in its high 32 bits indexes with its low 32 bits.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sys/fs.h"
#include "util/result.h"

namespace ongpu::libs {

// Entry flags (glibc sysdeps/generic/ldconfig.h): the low byte is the library
// type, the high byte the ABI variant the loader requires.
inline constexpr int32_t kCacheFlagTypeMask = 0x00ff;
inline constexpr int32_t kCacheFlagElfLibc6 = 0x0003;
inline constexpr int32_t kCacheFlagRequiredMask = 0xff00;
inline constexpr int32_t kCacheFlagX8664Lib64 = 0x0300;
inline constexpr int32_t kCacheFlagX8664LibX32 = 0x0800;
inline constexpr int32_t kCacheFlagAarch64Lib64 = 0x0a00;
// The only flags an x86-64 loader accepts from the cache ("libc6,x86-64");
// i386 entries ("libc6") and x32 entries ("libc6,x32") are for other loaders.
inline constexpr int32_t kCacheFlagsX8664 = kCacheFlagElfLibc6 | kCacheFlagX8664Lib64;

struct LdCacheEntry {
  std::string soname;  // the key the loader looks up
  std::string path;
  int32_t flags = 0;
  uint64_t hwcap = 0;
  std::string hwcaps_subdir;  // "x86-64-v3" for a library under glibc-hwcaps/, else empty
};

struct LdCache {
  std::string format;  // "new", "old", or "old+new"
  std::string
      generator;  // e.g. "ldconfig (Debian GLIBC 2.36-9+deb12u14) stable release version 2.36"
  std::vector<LdCacheEntry> entries;  // in file order
};

Result<LdCache> parse_ld_cache(std::string_view bytes);

// /etc/ld.so.cache (glibc's default; a distribution may configure another).
inline constexpr const char* kLdCachePath = "/etc/ld.so.cache";
Result<LdCache> read_ld_cache(const sys::FileSystem& fs, const std::string& path = kLdCachePath);

// The entries for `soname` that a loader accepting `flags` would consider, the
// one it uses first: an entry under one of `hwcaps_subdirs` (most preferred
// first) before a plain one, then file order. Entries with other flags, with
// legacy (non-glibc-hwcaps) hwcap bits, or under a subdirectory not listed are
// left out.
std::vector<const LdCacheEntry*> ld_cache_lookup(
    const LdCache& cache, std::string_view soname, int32_t flags = kCacheFlagsX8664,
    const std::vector<std::string>& hwcaps_subdirs = {});

// The flags as `ldconfig -p` shows them: "libc6,x86-64", "libc6", "libc6,x32".
std::string describe_cache_flags(int32_t flags);

}  // namespace ongpu::libs
