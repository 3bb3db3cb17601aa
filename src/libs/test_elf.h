// Test helpers: small ELF shared objects and ld.so.cache files built in
// memory, laid out as the gABI and glibc's dl-cache.h describe (see elf.h and
// ld_cache.h), so tests control every field. Used only by *_test.cc.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "libs/elf.h"
#include "libs/ld_cache.h"

namespace ongpu::libs::testing {

struct ElfSpec {
  ElfClass elf_class = ElfClass::elf64;
  ElfData data = ElfData::little;
  uint16_t machine = kEmX86_64;
  uint16_t type = kEtDyn;
  std::vector<std::string> needed;
  std::optional<std::string> soname;
  std::optional<std::string> rpath;  // as written, ':'-separated
  std::optional<std::string> runpath;
  uint64_t flags_1 = 0;
  std::string interpreter;  // PT_INTERP when not empty
  bool dynamic = true;      // a PT_DYNAMIC segment
};

class ByteWriter {
 public:
  ByteWriter(bool big) : big_(big) {}
  void put(uint64_t v, size_t width) {
    for (size_t i = 0; i < width; ++i) {
      size_t shift = 8 * (big_ ? width - 1 - i : i);
      out_.push_back(static_cast<char>((v >> shift) & 0xff));
    }
  }
  void bytes(const std::string& s) { out_ += s; }
  void pad_to(size_t n) { out_.resize(std::max(out_.size(), n), '\0'); }
  size_t size() const { return out_.size(); }
  std::string& str() { return out_; }

 private:
  bool big_;
  std::string out_;
};

// Layout: header | program headers | PT_INTERP string | .dynstr | .dynamic,
// with one PT_LOAD mapping the whole file at kLoadBase so that DT_STRTAB is
// an address, not an offset.
inline constexpr uint64_t kLoadBase = 0x200000;

inline std::string build_elf(const ElfSpec& s) {
  const bool is64 = s.elf_class == ElfClass::elf64;
  const size_t ehsize = is64 ? 64 : 52, phentsize = is64 ? 56 : 32, dynent = is64 ? 16 : 8;
  const size_t word = is64 ? 8 : 4;
  const size_t phnum = 1 + (s.dynamic ? 1 : 0) + (s.interpreter.empty() ? 0 : 1);

  std::string strtab(1, '\0');
  auto add_string = [&strtab](const std::string& str) {
    size_t at = strtab.size();
    strtab += str;
    strtab.push_back('\0');
    return at;
  };
  std::vector<std::pair<int64_t, uint64_t>> dyn;
  for (const auto& n : s.needed) dyn.push_back({1, add_string(n)});
  if (s.soname) dyn.push_back({14, add_string(*s.soname)});
  if (s.rpath) dyn.push_back({15, add_string(*s.rpath)});
  if (s.runpath) dyn.push_back({29, add_string(*s.runpath)});
  if (s.flags_1) dyn.push_back({0x6ffffffb, s.flags_1});

  const size_t interp_off = ehsize + phnum * phentsize;
  const size_t strtab_off = interp_off + (s.interpreter.empty() ? 0 : s.interpreter.size() + 1);
  const size_t dyn_off = (strtab_off + strtab.size() + 7) & ~size_t{7};
  dyn.push_back({5, kLoadBase + strtab_off});
  dyn.push_back({10, strtab.size()});
  dyn.push_back({0, 0});
  const size_t total = dyn_off + dyn.size() * dynent;

  ByteWriter w(s.data == ElfData::big);
  w.bytes("\177ELF");
  w.put(static_cast<uint8_t>(s.elf_class), 1);
  w.put(static_cast<uint8_t>(s.data), 1);
  w.put(1, 1);  // EI_VERSION
  w.pad_to(16);
  w.put(s.type, 2);
  w.put(s.machine, 2);
  w.put(1, 4);          // e_version
  w.put(0, word);       // e_entry
  w.put(ehsize, word);  // e_phoff
  w.put(0, word);       // e_shoff
  w.put(0, 4);          // e_flags
  w.put(ehsize, 2);
  w.put(phentsize, 2);
  w.put(phnum, 2);
  w.put(is64 ? 64 : 40, 2);  // e_shentsize
  w.put(0, 2);
  w.put(0, 2);
  auto phdr = [&](uint32_t type, uint64_t off, uint64_t vaddr, uint64_t size) {
    if (is64) {
      w.put(type, 4);
      w.put(4, 4);  // p_flags
      w.put(off, 8);
      w.put(vaddr, 8);
      w.put(vaddr, 8);
      w.put(size, 8);
      w.put(size, 8);
      w.put(8, 8);
    } else {
      w.put(type, 4);
      w.put(off, 4);
      w.put(vaddr, 4);
      w.put(vaddr, 4);
      w.put(size, 4);
      w.put(size, 4);
      w.put(4, 4);
      w.put(8, 4);
    }
  };
  if (!s.interpreter.empty()) {
    phdr(3, interp_off, kLoadBase + interp_off, s.interpreter.size() + 1);
  }
  phdr(1, 0, kLoadBase, total);
  if (s.dynamic) phdr(2, dyn_off, kLoadBase + dyn_off, dyn.size() * dynent);
  if (!s.interpreter.empty()) {
    w.bytes(s.interpreter);
    w.put(0, 1);
  }
  w.bytes(strtab);
  w.pad_to(dyn_off);
  for (const auto& [tag, val] : dyn) {
    w.put(static_cast<uint64_t>(tag), word);
    w.put(val, word);
  }
  return w.str();
}

struct CacheEntrySpec {
  std::string soname;
  std::string path;
  int32_t flags = kCacheFlagsX8664;
  uint64_t hwcap = 0;
};

// A new-format cache (optionally behind an old-format block, as ldconfig
// wrote before glibc 2.32), with an extension holding `generator` and
// `hwcaps` when either is given.
inline std::string build_ld_cache(const std::vector<CacheEntrySpec>& entries,
                                  bool old_block = false,
                                  const std::vector<std::string>& hwcaps = {},
                                  const std::string& generator = "", bool big = false) {
  ByteWriter w(big);
  w.bytes("glibc-ld.so.cache1.1");
  const size_t header = 48, entsize = 24;
  size_t strings_at = header + entries.size() * entsize;
  std::string strings;
  std::vector<std::pair<uint32_t, uint32_t>> offs;
  auto add = [&](const std::string& s) {
    auto at = static_cast<uint32_t>(strings_at + strings.size());
    strings += s;
    strings.push_back('\0');
    return at;
  };
  for (const auto& e : entries) offs.push_back({add(e.soname), add(e.path)});
  std::vector<uint32_t> hwcap_offs;
  for (const auto& h : hwcaps) hwcap_offs.push_back(add(h));
  uint32_t gen_off = generator.empty() ? 0 : add(generator);
  size_t ext_at = (strings_at + strings.size() + 7) & ~size_t{7};
  bool ext = !hwcaps.empty() || !generator.empty();
  w.put(entries.size(), 4);
  w.put(strings.size(), 4);
  w.put(big ? 3 : 2, 1);
  w.pad_to(32);
  w.put(ext ? ext_at : 0, 4);
  w.pad_to(header);
  for (size_t i = 0; i < entries.size(); ++i) {
    w.put(static_cast<uint32_t>(entries[i].flags), 4);
    w.put(offs[i].first, 4);
    w.put(offs[i].second, 4);
    w.put(0, 4);
    w.put(entries[i].hwcap, 8);
  }
  w.bytes(strings);
  if (ext) {
    w.pad_to(ext_at);
    size_t sections = (generator.empty() ? 0 : 1) + (hwcaps.empty() ? 0 : 1);
    size_t hw_table = ext_at + 8 + sections * 16;
    w.put(0xeaa42174, 4);
    w.put(sections, 4);
    if (!generator.empty()) {
      w.put(0, 4);
      w.put(0, 4);
      w.put(gen_off, 4);
      w.put(generator.size(), 4);
    }
    if (!hwcaps.empty()) {
      w.put(1, 4);
      w.put(0, 4);
      w.put(hw_table, 4);
      w.put(hwcap_offs.size() * 4, 4);
    }
    for (auto o : hwcap_offs) w.put(o, 4);
  }
  if (!old_block) return w.str();
  // The old block: its own entries (strings after them), then the new cache
  // 8-byte aligned.
  ByteWriter o(big);
  o.bytes("ld.so-1.7.0");
  o.pad_to(12);
  o.put(entries.size(), 4);
  std::string old_strings;
  std::vector<std::pair<uint32_t, uint32_t>> old_offs;
  for (const auto& e : entries) {
    auto k = static_cast<uint32_t>(old_strings.size());
    old_strings += e.soname + '\0';
    auto v = static_cast<uint32_t>(old_strings.size());
    old_strings += e.path + '\0';
    old_offs.push_back({k, v});
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    o.put(static_cast<uint32_t>(entries[i].flags), 4);
    o.put(old_offs[i].first, 4);
    o.put(old_offs[i].second, 4);
  }
  size_t new_at = (o.size() + 7) & ~size_t{7};
  o.pad_to(new_at);
  o.bytes(w.str());
  return o.str();
}

// An old-format cache alone.
inline std::string build_old_ld_cache(const std::vector<CacheEntrySpec>& entries) {
  ByteWriter o(false);
  o.bytes("ld.so-1.7.0");
  o.pad_to(12);
  o.put(entries.size(), 4);
  std::string strings;
  std::vector<std::pair<uint32_t, uint32_t>> offs;
  for (const auto& e : entries) {
    auto k = static_cast<uint32_t>(strings.size());
    strings += e.soname + '\0';
    auto v = static_cast<uint32_t>(strings.size());
    strings += e.path + '\0';
    offs.push_back({k, v});
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    o.put(static_cast<uint32_t>(entries[i].flags), 4);
    o.put(offs[i].first, 4);
    o.put(offs[i].second, 4);
  }
  o.bytes(strings);
  return o.str();
}

// Writes `bytes` to root + path, creating directories.
inline void write_file(const std::filesystem::path& root, const std::string& path,
                       const std::string& bytes) {
  std::filesystem::path full = root / std::filesystem::path(path).relative_path();
  std::filesystem::create_directories(full.parent_path());
  std::ofstream(full, std::ios::binary) << bytes;
}

// A fresh directory under the system's temporary directory, removed when the
// object goes.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix) {
    std::string templ = (std::filesystem::temp_directory_path() / (prefix + ".XXXXXX")).string();
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    if (char* p = ::mkdtemp(buf.data())) path_ = p;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace ongpu::libs::testing
