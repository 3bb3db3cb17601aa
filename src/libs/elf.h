// What the dynamic loader reads from a shared object before it maps it: the ELF
// header (class, byte order, machine, type) and the dynamic section (DT_NEEDED,
// DT_SONAME, DT_RPATH, DT_RUNPATH, DT_FLAGS_1). Read from arbitrary files, so
// every offset, size and count is checked and any malformed input gives an
// error value.
//
// Sources: the System V gABI "ELF Header", "Program Header" and "Dynamic
// Section" chapters (field layouts and tag values), and glibc's <elf.h> for
// DT_FLAGS_1 / DF_1_NODEFLIB.
//
// The dynamic section of a large library is far from the start of the file:
// in CUDA 13 it lies at the end of the text segment (409 MiB into the 541 MiB
// libcublasLt.so.13), and patchelf-edited libraries such as cuDNN 9 move
// .dynstr to the end of the file. So the parser asks for byte ranges through a
// RangeReader rather than taking a prefix of the file.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sys/fs.h"
#include "util/result.h"

namespace ongpu::libs {

// e_ident[EI_CLASS] and e_ident[EI_DATA] (gABI).
enum class ElfClass : uint8_t { elf32 = 1, elf64 = 2 };
enum class ElfData : uint8_t { little = 1, big = 2 };

// e_machine values ongpu names in messages (gABI machine table).
inline constexpr uint16_t kEmI386 = 3;
inline constexpr uint16_t kEmPpc64 = 21;
inline constexpr uint16_t kEmX86_64 = 62;
inline constexpr uint16_t kEmAarch64 = 183;
// e_type (gABI).
inline constexpr uint16_t kEtExec = 2;
inline constexpr uint16_t kEtDyn = 3;
// DT_FLAGS_1 bit: "ignore the default library search path" (glibc <elf.h>).
inline constexpr uint64_t kDf1Nodeflib = 0x800;

// The fixed part of the file: enough to tell whether the loader can use it.
struct ElfHeader {
  ElfClass elf_class = ElfClass::elf64;
  ElfData data = ElfData::little;
  uint8_t ident_version = 0;  // e_ident[EI_VERSION]
  uint8_t os_abi = 0;         // e_ident[EI_OSABI]
  uint8_t abi_version = 0;    // e_ident[EI_ABIVERSION]
  bool ident_padding_zero = true;
  uint16_t type = 0;     // e_type
  uint16_t machine = 0;  // e_machine
  uint32_t version = 0;  // e_version
  uint64_t phoff = 0;
  uint64_t shoff = 0;
  uint16_t ehsize = 0;
  uint16_t phentsize = 0;
  uint32_t phnum = 0;  // after the PN_XNUM escape is applied
  uint16_t shentsize = 0;
  uint16_t shnum = 0;
};

struct ElfInfo {
  ElfHeader header;
  bool has_dynamic = false;           // a PT_DYNAMIC segment (false: static, nothing to load)
  std::string interpreter;            // PT_INTERP, for executables
  std::vector<std::string> needed;    // DT_NEEDED, in order
  std::optional<std::string> soname;  // DT_SONAME
  // DT_RPATH / DT_RUNPATH split on ':', tokens such as $ORIGIN left as written.
  // nullopt when the tag is absent: an empty DT_RUNPATH still disables DT_RPATH.
  std::optional<std::vector<std::string>> rpath;
  std::optional<std::vector<std::string>> runpath;
  uint64_t flags_1 = 0;  // DT_FLAGS_1

  bool nodeflib() const { return (flags_1 & kDf1Nodeflib) != 0; }
};

// Returns the bytes [offset, offset + len) of one file, fewer only at the end
// of the file, or an error.
using RangeReader = std::function<Result<std::string>(uint64_t offset, size_t len)>;

// Parses the ELF header from the first bytes of a file (at least 52 for
// ELF32, 64 for ELF64).
Result<ElfHeader> parse_elf_header(std::string_view bytes);

// Parses a whole file held in memory.
Result<ElfInfo> parse_elf(std::string_view bytes);
// Parses a file read piece by piece.
Result<ElfInfo> parse_elf(const RangeReader& read);

// The most bytes read_elf() reads from one file through whole-file reads: the
// dynamic section of the largest CUDA 13 library (libcublasLt.so.13) ends
// 409 MiB into the file.
inline constexpr size_t kDefaultElfReadLimit = size_t{1} << 30;

// A RangeReader over FileSystem::read_range: each range is one pread.
// Ranges past `limit` are an error. The reader refers to `fs`, which must
// outlive it.
RangeReader prefix_range_reader(const sys::FileSystem& fs, std::string path,
                                size_t limit = kDefaultElfReadLimit);

// Reads and parses the ELF file at `path`.
Result<ElfInfo> read_elf(const sys::FileSystem& fs, const std::string& path,
                         size_t limit = kDefaultElfReadLimit);

// The global and weak names of a shared object's dynamic symbol table
// (.dynsym through DT_SYMTAB, its size from DT_HASH or DT_GNU_HASH), split
// into those it defines and those it needs from others; only names that start
// with one of `prefixes` are kept (the tables of libtorch_cuda.so hold
// 30,000 symbols), and a weak undefined symbol, which the loader lets be, is
// not counted as needed.
struct DynamicSymbols {
  std::vector<std::string> defined;
  std::vector<std::string> needed;
};
Result<DynamicSymbols> read_dynamic_symbols(const sys::FileSystem& fs, const std::string& path,
                                            const std::vector<std::string>& prefixes);

// "x86-64", "i386", "AArch64", or "machine 42".
std::string machine_name(uint16_t machine);
// "64-bit" or "32-bit".
std::string class_name(ElfClass c);

}  // namespace ongpu::libs
