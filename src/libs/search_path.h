// Where the dynamic loader looks for a library, and in what order: the
// inputs of a search (who asks, the process's environment, the cache, the
// default directories) and the directory list they give. See resolve.h for
// the order and its sources.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "facts/library_kinds.h"
#include "libs/elf.h"
#include "libs/ld_cache.h"
#include "sys/fs.h"

namespace ongpu::libs {

// The default directories of glibc on Debian / Ubuntu x86-64 (multiarch), as
// `/lib64/ld-linux-x86-64.so.2 --help` prints them on Debian 12 under
// "Shared library search path": /lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu,
// /lib, /usr/lib. /lib64 and /usr/lib64 are NOT searched there.
std::vector<std::string> debian_x86_64_default_dirs();
// The default directories of glibc on RHEL / Fedora / SUSE x86-64: /lib64,
// /usr/lib64 (their glibc is built with slibdir=/lib64; not measured here).
std::vector<std::string> rhel_x86_64_default_dirs();
// The Debian list where /usr/lib/x86_64-linux-gnu exists, else the RHEL list.
std::vector<std::string> guess_default_dirs(const sys::FileSystem& fs);

// LD_LIBRARY_PATH split as the loader splits it: on ':' and on ';' (ld.so(8)).
// Empty entries are kept: each means the current directory.
std::vector<std::string> split_ld_library_path(std::string_view value);

// An object that takes part in a search: its path as the loader found it
// (the directory of that path is its $ORIGIN) and its dynamic section.
struct LoadedObject {
  std::string path;
  ElfInfo elf;
};
// read_elf() with the path kept.
Result<LoadedObject> load_object(const sys::FileSystem& fs, const std::string& path,
                                 size_t read_limit = kDefaultElfReadLimit);

struct Requester {
  LoadedObject object;
  // The objects that caused the requester to be loaded, nearest first: for a
  // DT_NEEDED dependency its parent, the parent's parent, ...; for a dlopen()ed
  // library the object that called dlopen(). Their DT_RPATHs are searched too.
  std::vector<LoadedObject> loaders;
};

struct SearchContext {
  // LD_LIBRARY_PATH entries in order (split_ld_library_path); "" is the
  // current directory.
  std::vector<std::string> ld_library_path;
  // The parsed /etc/ld.so.cache; nullopt skips step 5 (say why in a note).
  std::optional<LdCache> ld_cache;
  // Step 6, in order. Not guessed here: fill with one of the lists above.
  std::vector<std::string> default_dirs;
  // The program whose process loads everything: its DT_RPATH ends step 2 and
  // its directory is $ORIGIN in LD_LIBRARY_PATH. Give its path with symbolic
  // links resolved, as the kernel reports /proc/self/exe (a venv's
  // bin/python3 is a link to the base interpreter). Optional.
  std::optional<LoadedObject> executable;
  // The process's working directory, for relative and empty search entries.
  // Empty: unknown, such entries are left out with a note.
  std::string cwd;
  // What $LIB and $PLATFORM expand to. glibc's $LIB is set when glibc is
  // built: "lib/x86_64-linux-gnu" on Debian / Ubuntu, "lib64" on RHEL.
  // $PLATFORM is the kernel's AT_PLATFORM, "x86_64" on x86-64.
  std::string lib_token = "lib/x86_64-linux-gnu";
  std::string platform_token = "x86_64";
  // glibc-hwcaps subdirectories (glibc 2.33+), most preferred first, such as
  // {"x86-64-v3", "x86-64-v2"} on a CPU that supports level 3: the loader tries
  // <dir>/glibc-hwcaps/<name>/ before each directory <dir>. Empty: not
  // modelled. glibc before 2.37 also tries legacy subdirectories (tls/,
  // x86_64/, as `ld.so --help` lists them); those are not modelled.
  std::vector<std::string> hwcaps_subdirs;
  // The process being predicted: only files of this class, byte order and
  // machine load.
  ElfClass elf_class = ElfClass::elf64;
  ElfData byte_order = ElfData::little;
  uint16_t machine = kEmX86_64;
  // The ld.so.cache entry flags the process's loader accepts.
  int32_t cache_flags = kCacheFlagsX8664;
};

// The steps, in ld.so's order; their names (enum_name) are the facts' keys.
using SearchStep = LoaderStep;

// One directory the loader looks in. A SearchPlan also holds one entry for
// the cache step, with an empty `dir`.
struct SearchDir {
  std::string dir;  // DSTs expanded, absolute
  SearchStep step;
  std::string location;  // "DT_RUNPATH of /x/libtf.so.2 ($ORIGIN/../nvidia/cudnn/lib)"
  // False for the default directories of a requester with DF_1_NODEFLIB: kept
  // in the list so copies there can be reported, but the loader skips them.
  bool searched = true;
  // An earlier entry names the same directory with the same `searched`: a
  // name found there was found at the earlier entry, so a search passes over
  // it. (TensorFlow 2.21's DT_RUNPATH has 669 entries naming 18 directories.)
  bool repeat = false;
};

// The search directories for `who`, in the loader's order, without the cache
// step (that one has no directory until a name is looked up).
std::vector<SearchDir> search_dirs(const Requester& who, const SearchContext& ctx,
                                   std::vector<std::string>* notes);

// Everything a search for one requester needs that does not depend on the
// name: every name one object asks for walks the same list, so a caller that
// resolves several names for one requester plans once (resolve.h).
struct SearchPlan {
  // search_dirs(), with one entry of step ld_cache and an empty `dir` where
  // the loader consults /etc/ld.so.cache (none when the context has no cache),
  // and `repeat` set.
  std::vector<SearchDir> dirs;
  std::vector<std::string> notes;  // entries left out and why
  bool consults_cache = false;     // planned for a context with an ld.so.cache
};
SearchPlan plan_search(const Requester& who, const SearchContext& ctx);

// $ORIGIN / ${ORIGIN}, $LIB / ${LIB}, $PLATFORM / ${PLATFORM} in one search
// entry or DT_NEEDED name. nullopt when $ORIGIN is used and `origin` is empty.
// Other '$' text stays as written, as in the loader.
std::optional<std::string> expand_tokens(std::string_view entry, std::string_view origin,
                                         const SearchContext& ctx);

// $ORIGIN of an object: the directory part of its path, made absolute with
// `cwd`; "" if it cannot be known. glibc keeps the slash of "/foo" and does
// not resolve symbolic links in a library's own path.
std::string origin_of(std::string_view path, std::string_view cwd);

// The path with every symbolic link resolved through fs.read_link (at most
// 40, as the kernel), and "." / ".." applied after resolution.
std::string real_path(const sys::FileSystem& fs, std::string_view path);

}  // namespace ongpu::libs
