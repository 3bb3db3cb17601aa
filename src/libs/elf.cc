#include "libs/elf.h"

#include <fmt/format.h>
#include <string.h>

#include <algorithm>
#include <memory>

#include "util/strings.h"

namespace ongpu::libs {
namespace {

// Field offsets and sizes below are the gABI's Elf32_* / Elf64_* layouts.
constexpr size_t kIdentSize = 16;
constexpr size_t kEhdrSize32 = 52;
constexpr size_t kEhdrSize64 = 64;
constexpr size_t kPhdrSize32 = 32;
constexpr size_t kPhdrSize64 = 56;
constexpr size_t kShdrSize32 = 40;
constexpr size_t kShdrSize64 = 64;
constexpr uint32_t kPnXnum = 0xffff;  // e_phnum escape: the count is in section 0's sh_info

constexpr uint32_t kPtLoad = 1;
constexpr uint32_t kPtDynamic = 2;
constexpr uint32_t kPtInterp = 3;

constexpr int64_t kDtNull = 0;
constexpr int64_t kDtNeeded = 1;
constexpr int64_t kDtStrtab = 5;
constexpr int64_t kDtStrsz = 10;
constexpr int64_t kDtSoname = 14;
constexpr int64_t kDtRpath = 15;
constexpr int64_t kDtRunpath = 29;
constexpr int64_t kDtFlags1 = 0x6ffffffb;
constexpr int64_t kDtHash = 4;
constexpr int64_t kDtSymtab = 6;
constexpr int64_t kDtSyment = 11;
constexpr int64_t kDtGnuHash = 0x6ffffef5;
constexpr uint64_t kMaxSymbols = 1 << 22;           // libtorch_cuda.so has about 31,000
constexpr uint64_t kMaxSymbolTableBytes = 1 << 28;  // .dynsym and .dynstr, each

// Limits far above anything real (the CUDA 13 libraries have 9 to 12
// program headers, dynamic sections under 1 KiB and a few dozen strings),
// so that a hostile file cannot make the parser allocate without bound.
constexpr uint64_t kMaxProgramHeaders = 1 << 16;
constexpr uint64_t kMaxProgramHeaderBytes = 1 << 22;
constexpr uint64_t kMaxDynamicBytes = 1 << 20;
constexpr size_t kMaxStringBytes = 1 << 16;       // one DT_NEEDED / DT_RUNPATH string
constexpr size_t kMaxTotalStringBytes = 1 << 22;  // all strings of one file
constexpr size_t kMaxNeeded = 1 << 12;

class Bytes {
 public:
  Bytes(std::string_view b, ElfData data) : b_(b), big_(data == ElfData::big) {}
  uint64_t u(size_t off, size_t width) const {
    uint64_t v = 0;
    for (size_t i = 0; i < width; ++i) {
      auto byte = static_cast<uint8_t>(b_[off + (big_ ? i : width - 1 - i)]);
      v = (v << 8) | byte;
    }
    return v;
  }
  uint16_t u16(size_t off) const { return static_cast<uint16_t>(u(off, 2)); }
  uint32_t u32(size_t off) const { return static_cast<uint32_t>(u(off, 4)); }
  uint64_t u64(size_t off) const { return u(off, 8); }

 private:
  std::string_view b_;
  bool big_;
};

bool add_overflows(uint64_t a, uint64_t b, uint64_t* out) {
  return __builtin_add_overflow(a, b, out);
}

Result<std::string> read_exact(const RangeReader& read, uint64_t offset, uint64_t len,
                               std::string_view what) {
  uint64_t end;
  if (add_overflows(offset, len, &end)) {
    return make_error(fmt::format("{} at offset {:#x}, size {:#x}, overflows", what, offset, len));
  }
  auto r = read(offset, static_cast<size_t>(len));
  if (!r) return r;
  if (r->size() != len) {
    return make_error(fmt::format("truncated: {} at offset {:#x} needs {} bytes, the file has {}",
                                  what, offset, len, r->size()));
  }
  return r;
}

struct Segment {
  uint32_t type = 0;
  uint64_t offset = 0;
  uint64_t vaddr = 0;
  uint64_t filesz = 0;
};

// The file offset of a virtual address, through the PT_LOAD segment that
// maps it from the file; also how many file bytes follow it in that segment.
std::optional<std::pair<uint64_t, uint64_t>> vaddr_to_offset(const std::vector<Segment>& segs,
                                                             uint64_t addr) {
  for (const auto& s : segs) {
    if (s.type != kPtLoad || addr < s.vaddr) continue;
    uint64_t delta = addr - s.vaddr;
    if (delta >= s.filesz) continue;
    uint64_t off;
    if (add_overflows(s.offset, delta, &off)) continue;
    return std::make_pair(off, s.filesz - delta);
  }
  return std::nullopt;
}

class StringTable {
 public:
  StringTable(const RangeReader& read, uint64_t offset, uint64_t size)
      : read_(read), offset_(offset), size_(size) {}

  Result<std::string> get(uint64_t index, std::string_view what) {
    if (index >= size_) {
      return make_error(fmt::format(
          "{} string offset {:#x} is outside the string table ({:#x} bytes)", what, index, size_));
    }
    // Read in growing chunks until the NUL: strings are short, tables can be
    // megabytes.
    size_t chunk = 256;
    while (true) {
      uint64_t avail = size_ - index;
      size_t want = static_cast<size_t>(std::min<uint64_t>({chunk, avail, kMaxStringBytes + 1}));
      auto bytes = read_exact(read_, offset_ + index, want, "a dynamic string");
      if (!bytes) return bytes;
      auto nul = bytes->find('\0');
      if (nul != std::string::npos) {
        total_ += nul;
        if (total_ > kMaxTotalStringBytes) {
          return make_error("the dynamic strings add up to more than 4 MiB");
        }
        return bytes->substr(0, nul);
      }
      if (want > kMaxStringBytes) {
        return make_error(fmt::format("{} string is longer than {} bytes", what, kMaxStringBytes));
      }
      if (want == avail) {
        return make_error(fmt::format("{} string runs past the end of the string table", what));
      }
      chunk *= 4;
    }
  }

 private:
  const RangeReader& read_;
  uint64_t offset_;
  uint64_t size_;
  size_t total_ = 0;
};

std::vector<std::string> split_path_list(const std::string& s) {
  std::vector<std::string> out;
  if (s.empty()) return out;
  for (auto part : split(s, ':')) out.emplace_back(part);
  return out;
}

Result<std::vector<Segment>> read_program_headers(const RangeReader& read, ElfHeader& h) {
  const bool is64 = h.elf_class == ElfClass::elf64;
  const size_t min_entsize = is64 ? kPhdrSize64 : kPhdrSize32;
  if (h.phnum == kPnXnum) {
    // More program headers than e_phnum can hold: the real count is in the
    // sh_info field of section header 0 (gABI "Program Header").
    const size_t shsize = is64 ? kShdrSize64 : kShdrSize32;
    if (h.shoff == 0 || h.shentsize < shsize) {
      return make_error("e_phnum is PN_XNUM but there is no section header 0 to hold the count");
    }
    auto sh0 = read_exact(read, h.shoff, shsize, "section header 0");
    if (!sh0) return make_error(sh0.error());
    h.phnum = Bytes(*sh0, h.data).u32(is64 ? 44 : 28);
  }
  std::vector<Segment> segs;
  if (h.phnum == 0) return segs;
  if (h.phoff == 0) return make_error("program headers announced at offset 0");
  if (h.phentsize < min_entsize) {
    return make_error(fmt::format("e_phentsize {} is smaller than a program header ({})",
                                  h.phentsize, min_entsize));
  }
  if (h.phnum > kMaxProgramHeaders) {
    return make_error(fmt::format("{} program headers is not believable", h.phnum));
  }
  uint64_t table_size = uint64_t{h.phnum} * h.phentsize;
  if (table_size > kMaxProgramHeaderBytes) {
    return make_error(
        fmt::format("a program header table of {} bytes is not believable", table_size));
  }
  auto table = read_exact(read, h.phoff, table_size, "the program header table");
  if (!table) return make_error(table.error());
  Bytes b(*table, h.data);
  segs.reserve(h.phnum);
  for (uint64_t i = 0; i < h.phnum; ++i) {
    size_t p = static_cast<size_t>(i * h.phentsize);
    Segment s;
    s.type = b.u32(p);
    if (is64) {
      s.offset = b.u64(p + 8);
      s.vaddr = b.u64(p + 16);
      s.filesz = b.u64(p + 32);
    } else {
      s.offset = b.u32(p + 4);
      s.vaddr = b.u32(p + 8);
      s.filesz = b.u32(p + 16);
    }
    segs.push_back(s);
  }
  return segs;
}

Result<std::string> read_interpreter(const RangeReader& read, const Segment& s) {
  if (s.filesz == 0 || s.filesz > 4096) {
    return make_error(fmt::format("PT_INTERP of {} bytes is not believable", s.filesz));
  }
  auto bytes = read_exact(read, s.offset, s.filesz, "PT_INTERP");
  if (!bytes) return bytes;
  auto nul = bytes->find('\0');
  if (nul == std::string::npos) return make_error("PT_INTERP is not NUL-terminated");
  return bytes->substr(0, nul);
}

Result<bool> read_dynamic(const RangeReader& read, const ElfHeader& h,
                          const std::vector<Segment>& segs, const Segment& dyn, ElfInfo& out) {
  const bool is64 = h.elf_class == ElfClass::elf64;
  const size_t entsize = is64 ? 16 : 8;
  if (dyn.filesz > kMaxDynamicBytes) {
    return make_error(fmt::format("a dynamic segment of {} bytes is not believable", dyn.filesz));
  }
  uint64_t usable = dyn.filesz - dyn.filesz % entsize;
  auto bytes = read_exact(read, dyn.offset, usable, "the dynamic segment");
  if (!bytes) return make_error(bytes.error());
  Bytes b(*bytes, h.data);

  std::vector<uint64_t> needed;
  std::optional<uint64_t> soname, rpath, runpath, strtab, strsz;
  for (size_t p = 0; p + entsize <= bytes->size(); p += entsize) {
    int64_t tag = is64 ? static_cast<int64_t>(b.u64(p)) : static_cast<int32_t>(b.u32(p));
    uint64_t val = is64 ? b.u64(p + 8) : b.u32(p + 4);
    if (tag == kDtNull) break;
    switch (tag) {
      case kDtNeeded:
        if (needed.size() >= kMaxNeeded) return make_error("more than 4096 DT_NEEDED entries");
        needed.push_back(val);
        break;
      case kDtStrtab:
        strtab = val;
        break;
      case kDtStrsz:
        strsz = val;
        break;
      case kDtSoname:
        soname = val;
        break;
      case kDtRpath:
        rpath = val;
        break;
      case kDtRunpath:
        runpath = val;
        break;
      case kDtFlags1:
        out.flags_1 = val;
        break;
      default:
        break;
    }
  }
  if (needed.empty() && !soname && !rpath && !runpath) return true;
  if (!strtab) return make_error("the dynamic section has strings but no DT_STRTAB");
  auto where = vaddr_to_offset(segs, *strtab);
  if (!where) {
    return make_error(
        fmt::format("DT_STRTAB {:#x} is not inside any PT_LOAD segment's file bytes", *strtab));
  }
  // The table ends at DT_STRSZ, and never past the bytes its segment has in the file.
  uint64_t size = std::min(where->second, strsz.value_or(where->second));
  StringTable strings(read, where->first, size);

  for (uint64_t index : needed) {
    auto s = strings.get(index, "a DT_NEEDED");
    if (!s) return make_error(s.error());
    out.needed.push_back(std::move(*s));
  }
  if (soname) {
    auto s = strings.get(*soname, "the DT_SONAME");
    if (!s) return make_error(s.error());
    out.soname = std::move(*s);
  }
  if (rpath) {
    auto s = strings.get(*rpath, "the DT_RPATH");
    if (!s) return make_error(s.error());
    out.rpath = split_path_list(*s);
  }
  if (runpath) {
    auto s = strings.get(*runpath, "the DT_RUNPATH");
    if (!s) return make_error(s.error());
    out.runpath = split_path_list(*s);
  }
  return true;
}

// The number of entries of the dynamic symbol table: DT_HASH says it
// (nchain); with DT_GNU_HASH only, one past the highest index a chain reaches.
Result<uint64_t> symbol_count(const RangeReader& read, const ElfHeader& h,
                              const std::vector<Segment>& segs, std::optional<uint64_t> hash,
                              std::optional<uint64_t> gnu_hash) {
  const bool is64 = h.elf_class == ElfClass::elf64;
  if (hash) {
    auto where = vaddr_to_offset(segs, *hash);
    if (!where) return make_error("DT_HASH is outside the file");
    auto head = read_exact(read, where->first, 8, "DT_HASH");
    if (!head) return make_error(head.error());
    return uint64_t{Bytes(*head, h.data).u32(4)};
  }
  if (!gnu_hash) return make_error("no DT_HASH or DT_GNU_HASH: the symbol count is unknown");
  auto where = vaddr_to_offset(segs, *gnu_hash);
  if (!where) return make_error("DT_GNU_HASH is outside the file");
  auto head = read_exact(read, where->first, 16, "DT_GNU_HASH");
  if (!head) return make_error(head.error());
  Bytes hb(*head, h.data);
  const uint64_t nbuckets = hb.u32(0), symoffset = hb.u32(4), bloom = hb.u32(8);
  if (nbuckets > kMaxSymbols || bloom > kMaxSymbols)
    return make_error("DT_GNU_HASH sizes are not believable");
  const uint64_t buckets_at = where->first + 16 + bloom * (is64 ? 8 : 4);
  auto buckets = read_exact(read, buckets_at, nbuckets * 4, "DT_GNU_HASH buckets");
  if (!buckets) return make_error(buckets.error());
  Bytes bb(*buckets, h.data);
  uint64_t last = 0;
  for (uint64_t i = 0; i < nbuckets; ++i)
    last = std::max<uint64_t>(last, bb.u32(static_cast<size_t>(i * 4)));
  if (last < symoffset) return symoffset;
  const uint64_t chains_at = buckets_at + nbuckets * 4;
  for (uint64_t i = last; i < kMaxSymbols;
       ++i) {  // the chain of the highest bucket ends with bit 0 set
    auto entry = read_exact(read, chains_at + (i - symoffset) * 4, 4, "DT_GNU_HASH chain");
    if (!entry) return make_error(entry.error());
    if (Bytes(*entry, h.data).u32(0) & 1) return i + 1;
  }
  return make_error("a DT_GNU_HASH chain does not end");
}

Result<DynamicSymbols> dynamic_symbols(const RangeReader& read,
                                       const std::vector<std::string>& prefixes) {
  auto head = read(0, kEhdrSize64);
  if (!head) return make_error(head.error());
  auto header = parse_elf_header(*head);
  if (!header) return make_error(header.error());
  ElfHeader h = *header;
  auto segs = read_program_headers(read, h);
  if (!segs) return make_error(segs.error());
  const bool is64 = h.elf_class == ElfClass::elf64;
  const size_t entsize = is64 ? 16 : 8;
  std::optional<uint64_t> symtab, strtab, strsz, hash, gnu_hash, syment;
  for (const auto& s : *segs) {
    if (s.type != kPtDynamic) continue;
    if (s.filesz > kMaxDynamicBytes) return make_error("the dynamic segment is not believable");
    auto bytes = read_exact(read, s.offset, s.filesz - s.filesz % entsize, "the dynamic segment");
    if (!bytes) return make_error(bytes.error());
    Bytes b(*bytes, h.data);
    for (size_t p = 0; p + entsize <= bytes->size(); p += entsize) {
      int64_t tag = is64 ? static_cast<int64_t>(b.u64(p)) : static_cast<int32_t>(b.u32(p));
      uint64_t val = is64 ? b.u64(p + 8) : b.u32(p + 4);
      if (tag == kDtNull) break;
      if (tag == kDtSymtab) symtab = val;
      if (tag == kDtStrtab) strtab = val;
      if (tag == kDtStrsz) strsz = val;
      if (tag == kDtHash) hash = val;
      if (tag == kDtGnuHash) gnu_hash = val;
      if (tag == kDtSyment) syment = val;
    }
    break;
  }
  if (!symtab || !strtab) return make_error("no dynamic symbol table");
  const uint64_t symsize = syment.value_or(is64 ? 24 : 16);
  if (symsize < (is64 ? 24u : 16u) || symsize > 64)
    return make_error("DT_SYMENT is not the size of a symbol");
  auto count = symbol_count(read, h, *segs, hash, gnu_hash);
  if (!count) return make_error(count.error());
  // count <= 2^22 and symsize <= 64: the product cannot overflow.
  if (*count > kMaxSymbols || *count * symsize > kMaxSymbolTableBytes)
    return make_error("the symbol table is not believable");
  auto sym_at = vaddr_to_offset(*segs, *symtab);
  auto str_at = vaddr_to_offset(*segs, *strtab);
  if (!sym_at || !str_at) return make_error("DT_SYMTAB or DT_STRTAB is outside the file");
  const uint64_t str_size = std::min(str_at->second, strsz.value_or(str_at->second));
  if (str_size > kMaxSymbolTableBytes) return make_error("the string table is not believable");
  auto syms = read_exact(read, sym_at->first, *count * symsize, "the dynamic symbol table");
  if (!syms) return make_error(syms.error());
  auto strs = read_exact(read, str_at->first, str_size, "the dynamic string table");
  if (!strs) return make_error(strs.error());
  Bytes b(*syms, h.data);
  DynamicSymbols out;
  for (uint64_t i = 1; i < *count; ++i) {
    const size_t p = static_cast<size_t>(i * symsize);
    const uint32_t name = b.u32(p);
    const uint8_t info = static_cast<uint8_t>(b.u(p + (is64 ? 4 : 12), 1));
    const uint16_t shndx = b.u16(p + (is64 ? 6 : 14));
    const int bind = info >> 4;
    if (bind != 1 && bind != 2 && bind != 10) continue;  // GLOBAL, WEAK, GNU_UNIQUE
    if (name >= strs->size()) continue;
    const char* start = strs->data() + name;
    const std::string_view text(start, strnlen(start, strs->size() - name));
    if (std::none_of(prefixes.begin(), prefixes.end(),
                     [&](const std::string& pre) { return starts_with(text, pre); })) {
      continue;
    }
    if (shndx != 0) {
      out.defined.emplace_back(text);
    } else if (bind != 2) {
      out.needed.emplace_back(text);
    }
  }
  std::sort(out.defined.begin(), out.defined.end());
  std::sort(out.needed.begin(), out.needed.end());
  return out;
}

}  // namespace

Result<ElfHeader> parse_elf_header(std::string_view bytes) {
  if (bytes.size() < kIdentSize) {
    return make_error(fmt::format("too short for an ELF file ({} bytes)", bytes.size()));
  }
  if (bytes.substr(0, 4) != "\177ELF") return make_error("not an ELF file (no \\x7fELF magic)");
  ElfHeader h;
  auto cls = static_cast<uint8_t>(bytes[4]);
  auto data = static_cast<uint8_t>(bytes[5]);
  if (cls != 1 && cls != 2) return make_error(fmt::format("invalid ELF class {}", cls));
  if (data != 1 && data != 2) return make_error(fmt::format("invalid ELF data encoding {}", data));
  h.elf_class = static_cast<ElfClass>(cls);
  h.data = static_cast<ElfData>(data);
  h.ident_version = static_cast<uint8_t>(bytes[6]);
  h.os_abi = static_cast<uint8_t>(bytes[7]);
  h.abi_version = static_cast<uint8_t>(bytes[8]);
  for (size_t i = 9; i < kIdentSize; ++i) h.ident_padding_zero &= bytes[i] == '\0';

  const bool is64 = h.elf_class == ElfClass::elf64;
  const size_t need = is64 ? kEhdrSize64 : kEhdrSize32;
  if (bytes.size() < need) {
    return make_error(fmt::format("truncated: an ELF header needs {} bytes, the file has {}", need,
                                  bytes.size()));
  }
  Bytes b(bytes, h.data);
  h.type = b.u16(16);
  h.machine = b.u16(18);
  h.version = b.u32(20);
  if (is64) {
    h.phoff = b.u64(32);
    h.shoff = b.u64(40);
    h.ehsize = b.u16(52);
    h.phentsize = b.u16(54);
    h.phnum = b.u16(56);
    h.shentsize = b.u16(58);
    h.shnum = b.u16(60);
  } else {
    h.phoff = b.u32(28);
    h.shoff = b.u32(32);
    h.ehsize = b.u16(40);
    h.phentsize = b.u16(42);
    h.phnum = b.u16(44);
    h.shentsize = b.u16(46);
    h.shnum = b.u16(48);
  }
  return h;
}

Result<ElfInfo> parse_elf(const RangeReader& read) {
  auto head = read(0, kEhdrSize64);
  if (!head) return make_error(head.error());
  auto header = parse_elf_header(*head);
  if (!header) return make_error(header.error());
  ElfInfo info;
  info.header = *header;
  auto segs = read_program_headers(read, info.header);
  if (!segs) return make_error(segs.error());
  for (const auto& s : *segs) {
    if (s.type == kPtInterp && info.interpreter.empty()) {
      auto interp = read_interpreter(read, s);
      if (!interp) return make_error(interp.error());
      info.interpreter = std::move(*interp);
    }
  }
  for (const auto& s : *segs) {
    if (s.type != kPtDynamic) continue;
    info.has_dynamic = true;
    auto ok = read_dynamic(read, info.header, *segs, s, info);
    if (!ok) return make_error(ok.error());
    break;
  }
  return info;
}

Result<ElfInfo> parse_elf(std::string_view bytes) {
  RangeReader read = [bytes](uint64_t offset, size_t len) -> Result<std::string> {
    if (offset >= bytes.size()) return std::string();
    return std::string(bytes.substr(static_cast<size_t>(offset), len));
  };
  return parse_elf(read);
}

RangeReader prefix_range_reader(const sys::FileSystem& fs, std::string path, size_t limit) {
  // Reads exactly the ranges the parser asks for (FileSystem::read_range, a
  // pread): the dynamic section of libcublasLt.so.13 lies 409 MiB into the file.
  // `limit` still bounds how far into a file ongpu looks.
  return [&fs, path = std::move(path), limit](uint64_t offset, size_t len) -> Result<std::string> {
    uint64_t end;
    if (add_overflows(offset, len, &end)) return make_error("byte range overflows");
    if (end > limit) {
      return make_error(fmt::format(
          "bytes {:#x}..{:#x} lie beyond the first {} bytes, the most ongpu reads of one file",
          offset, end, limit));
    }
    return fs.read_range(path, offset, len);
  };
}

Result<ElfInfo> read_elf(const sys::FileSystem& fs, const std::string& path, size_t limit) {
  auto info = parse_elf(prefix_range_reader(fs, path, limit));
  if (!info) return make_error(path + ": " + info.error());
  return info;
}

std::string machine_name(uint16_t machine) {
  switch (machine) {
    case kEmI386:
      return "i386";
    case kEmPpc64:
      return "PowerPC64";
    case kEmX86_64:
      return "x86-64";
    case kEmAarch64:
      return "AArch64";
    default:
      return fmt::format("machine {}", machine);
  }
}

std::string class_name(ElfClass c) { return c == ElfClass::elf64 ? "64-bit" : "32-bit"; }

Result<DynamicSymbols> read_dynamic_symbols(const sys::FileSystem& fs, const std::string& path,
                                            const std::vector<std::string>& prefixes) {
  auto syms = dynamic_symbols(prefix_range_reader(fs, path, kDefaultElfReadLimit), prefixes);
  if (!syms) return make_error(path + ": " + syms.error());
  return syms;
}

}  // namespace ongpu::libs
