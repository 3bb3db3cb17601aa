#include "libs/ld_cache.h"

#include <fmt/format.h>

#include <algorithm>

#include "util/strings.h"

namespace ongpu::libs {
namespace {

constexpr std::string_view kOldMagic = "ld.so-1.7.0";
constexpr size_t kOldHeaderSize = 16;  // 11-byte magic padded to 12, uint32 nlibs
constexpr size_t kOldEntrySize = 12;
constexpr std::string_view kNewMagic = "glibc-ld.so.cache1.1";
constexpr size_t kNewHeaderSize = 48;
constexpr size_t kNewEntrySize = 24;
constexpr uint32_t kExtensionMagic = 0xeaa42174;
constexpr uint32_t kExtensionTagGenerator = 0;
constexpr uint32_t kExtensionTagGlibcHwcaps = 1;
constexpr uint64_t kHwcapExtensionHigh = 0x40000000;  // hwcap >> 32 of a glibc-hwcaps entry
constexpr size_t kMaxPathBytes = 4096;                // PATH_MAX
constexpr size_t kMaxCacheBytes = 64 << 20;

uint32_t load_u32(std::string_view b, size_t off, bool big) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(b[off + (big ? i : 3 - i)]);
  return v;
}

uint64_t load_u64(std::string_view b, size_t off, bool big) {
  uint64_t lo = load_u32(b, off + (big ? 4 : 0), big);
  uint64_t hi = load_u32(b, off + (big ? 0 : 4), big);
  return (hi << 32) | lo;
}

// The NUL-terminated string at `offset` into `table`.
Result<std::string> string_at(std::string_view table, uint64_t offset, std::string_view what) {
  if (offset >= table.size()) {
    return make_error(fmt::format("{} string offset {:#x} is outside the file", what, offset));
  }
  auto rest = table.substr(static_cast<size_t>(offset), kMaxPathBytes + 1);
  auto nul = rest.find('\0');
  if (nul == std::string_view::npos) {
    return make_error(fmt::format("{} string at {:#x} is not NUL-terminated within {} bytes", what,
                                  offset, kMaxPathBytes));
  }
  return std::string(rest.substr(0, nul));
}

struct Extension {
  std::string generator;
  std::vector<std::string> hwcaps;
};

// The extension directory is optional: a damaged one loses only the
// generator and hwcaps names, as the loader would then ignore it too.
Extension parse_extension(std::string_view cache, uint64_t offset, bool big) {
  Extension ext;
  if (offset == 0 || offset > cache.size() || cache.size() - offset < 8) return ext;
  auto at = static_cast<size_t>(offset);
  if (load_u32(cache, at, big) != kExtensionMagic) return ext;
  uint64_t count = load_u32(cache, at + 4, big);
  if (count > (cache.size() - at - 8) / 16) return ext;
  for (uint64_t i = 0; i < count; ++i) {
    size_t s = at + 8 + static_cast<size_t>(i) * 16;
    uint32_t tag = load_u32(cache, s, big);
    uint64_t off = load_u32(cache, s + 8, big);
    uint64_t size = load_u32(cache, s + 12, big);
    if (off > cache.size() || size > cache.size() - off) continue;
    auto body = cache.substr(static_cast<size_t>(off), static_cast<size_t>(size));
    if (tag == kExtensionTagGenerator) {
      ext.generator = sanitize_text(body.substr(0, std::min<size_t>(body.size(), 256)));
    } else if (tag == kExtensionTagGlibcHwcaps && size % 4 == 0) {
      for (size_t k = 0; k + 4 <= body.size() && ext.hwcaps.size() < 256; k += 4) {
        auto name = string_at(cache, load_u32(body, k, big), "a glibc-hwcaps");
        ext.hwcaps.push_back(name ? sanitize_text(*name) : std::string());
      }
    }
  }
  return ext;
}

Result<LdCache> parse_new(std::string_view cache) {
  if (cache.size() < kNewHeaderSize) {
    return make_error(fmt::format("truncated: the cache header needs {} bytes, there are {}",
                                  kNewHeaderSize, cache.size()));
  }
  uint8_t order = static_cast<uint8_t>(cache[28]);
  if (order == 1) return make_error("the cache marks its byte order invalid");
  if (order > 3) return make_error(fmt::format("unknown byte-order flag {}", order));
  const bool big = order == 3;
  uint64_t nlibs = load_u32(cache, 20, big);
  if (nlibs > (cache.size() - kNewHeaderSize) / kNewEntrySize) {
    return make_error(fmt::format("truncated: {} entries announced, room for {}", nlibs,
                                  (cache.size() - kNewHeaderSize) / kNewEntrySize));
  }
  LdCache out;
  out.format = "new";
  auto ext = parse_extension(cache, load_u32(cache, 32, big), big);
  out.generator = std::move(ext.generator);
  out.entries.reserve(static_cast<size_t>(nlibs));
  for (uint64_t i = 0; i < nlibs; ++i) {
    size_t e = kNewHeaderSize + static_cast<size_t>(i) * kNewEntrySize;
    LdCacheEntry entry;
    entry.flags = static_cast<int32_t>(load_u32(cache, e, big));
    auto key = string_at(cache, load_u32(cache, e + 4, big), "a soname");
    if (!key) return make_error(fmt::format("entry {}: {}", i, key.error()));
    auto value = string_at(cache, load_u32(cache, e + 8, big), "a path");
    if (!value) return make_error(fmt::format("entry {}: {}", i, value.error()));
    entry.soname = std::move(*key);
    entry.path = std::move(*value);
    entry.hwcap = load_u64(cache, e + 16, big);
    if ((entry.hwcap >> 32) == kHwcapExtensionHigh) {
      auto index = static_cast<uint32_t>(entry.hwcap);
      // An index past the table names no subdirectory; "?" keeps the entry
      // out of every lookup, as the loader would skip it.
      entry.hwcaps_subdir = index < ext.hwcaps.size() ? ext.hwcaps[index] : "?";
    }
    out.entries.push_back(std::move(entry));
  }
  return out;
}

Result<LdCache> parse_old(std::string_view cache) {
  if (cache.size() < kOldHeaderSize) {
    return make_error(fmt::format("truncated: the old-format header needs {} bytes, there are {}",
                                  kOldHeaderSize, cache.size()));
  }
  // The old format has no byte-order flag: it is in the writer's order,
  // little-endian on every platform ongpu runs on.
  uint64_t nlibs = load_u32(cache, 12, false);
  if (nlibs > (cache.size() - kOldHeaderSize) / kOldEntrySize) {
    return make_error(fmt::format("truncated: {} old-format entries announced, room for {}", nlibs,
                                  (cache.size() - kOldHeaderSize) / kOldEntrySize));
  }
  size_t table_end = kOldHeaderSize + static_cast<size_t>(nlibs) * kOldEntrySize;
  // A new-format cache may follow, 8-byte aligned; the loader prefers it.
  size_t new_at = (table_end + 7) & ~size_t{7};
  if (new_at <= cache.size() && cache.substr(new_at, kNewMagic.size()) == kNewMagic) {
    auto inner = parse_new(cache.substr(new_at));
    if (!inner) return inner;
    inner.value().format = "old+new";
    return inner;
  }
  LdCache out;
  out.format = "old";
  auto strings = cache.substr(table_end);
  out.entries.reserve(static_cast<size_t>(nlibs));
  for (uint64_t i = 0; i < nlibs; ++i) {
    size_t e = kOldHeaderSize + static_cast<size_t>(i) * kOldEntrySize;
    LdCacheEntry entry;
    entry.flags = static_cast<int32_t>(load_u32(cache, e, false));
    auto key = string_at(strings, load_u32(cache, e + 4, false), "a soname");
    if (!key) return make_error(fmt::format("entry {}: {}", i, key.error()));
    auto value = string_at(strings, load_u32(cache, e + 8, false), "a path");
    if (!value) return make_error(fmt::format("entry {}: {}", i, value.error()));
    entry.soname = std::move(*key);
    entry.path = std::move(*value);
    out.entries.push_back(std::move(entry));
  }
  return out;
}

}  // namespace

Result<LdCache> parse_ld_cache(std::string_view bytes) {
  if (starts_with(bytes, kNewMagic)) return parse_new(bytes);
  if (starts_with(bytes, kOldMagic)) return parse_old(bytes);
  if (bytes.empty()) return make_error("the cache is empty");
  return make_error(
      "not an ld.so.cache (neither \"glibc-ld.so.cache1.1\" nor \"ld.so-1.7.0\" magic)");
}

Result<LdCache> read_ld_cache(const sys::FileSystem& fs, const std::string& path) {
  auto bytes = fs.read_file(path, kMaxCacheBytes);
  if (!bytes) return make_error(bytes.error());
  auto cache = parse_ld_cache(*bytes);
  if (!cache) return make_error(path + ": " + cache.error());
  return cache;
}

std::vector<const LdCacheEntry*> ld_cache_lookup(const LdCache& cache, std::string_view soname,
                                                 int32_t flags,
                                                 const std::vector<std::string>& hwcaps_subdirs) {
  // (preference, position): a glibc-hwcaps entry ranks by its subdirectory's
  // place in hwcaps_subdirs, a plain entry after all of them.
  std::vector<std::pair<size_t, const LdCacheEntry*>> found;
  for (const auto& e : cache.entries) {
    if (e.soname != soname || e.flags != flags) continue;
    size_t rank = hwcaps_subdirs.size();
    if (!e.hwcaps_subdir.empty()) {
      auto it = std::find(hwcaps_subdirs.begin(), hwcaps_subdirs.end(), e.hwcaps_subdir);
      if (it == hwcaps_subdirs.end()) continue;
      rank = static_cast<size_t>(it - hwcaps_subdirs.begin());
    } else if (e.hwcap != 0) {
      continue;  // legacy hwcap bits: not modelled, never chosen
    }
    found.emplace_back(rank, &e);
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<const LdCacheEntry*> out;
  out.reserve(found.size());
  for (const auto& f : found) out.push_back(f.second);
  return out;
}

std::string describe_cache_flags(int32_t flags) {
  std::string out;
  switch (flags & kCacheFlagTypeMask) {
    case 0:
      out = "libc4";
      break;
    case 1:
      out = "ELF";
      break;
    case 2:
      out = "libc5";
      break;
    case 3:
      out = "libc6";
      break;
    default:
      out = "unknown";
      break;
  }
  switch (flags & kCacheFlagRequiredMask) {
    case 0:
      break;
    case kCacheFlagX8664Lib64:
      out += ",x86-64";
      break;
    case kCacheFlagX8664LibX32:
      out += ",x32";
      break;
    case kCacheFlagAarch64Lib64:
      out += ",AArch64";
      break;
    default:
      out += fmt::format(",flags {:#06x}", flags & kCacheFlagRequiredMask);
      break;
  }
  return out;
}

}  // namespace ongpu::libs
