#include "libs/resolve.h"

#include <fmt/format.h>

#include <set>

#include "util/strings.h"

namespace ongpu::libs {
namespace {

// The loader reads the first 832 bytes of a candidate to check it; 4 KiB
// also holds the program headers of every library seen in practice.
constexpr size_t kProbeBytes = 4096;
// glibc 2.36 accepts EI_ABIVERSION 0..3 with ELFOSABI_GNU and only 0 with
// ELFOSABI_SYSV (measured: 4 gives "ELF file ABI version invalid").
constexpr uint8_t kOsAbiSysv = 0;
constexpr uint8_t kOsAbiGnu = 3;
constexpr uint8_t kMaxGnuAbiVersion = 3;

struct FileCheck {
  bool exists = false;
  bool loadable = false;
  bool fatal = false;   // the loader stops the whole load here
  std::string problem;  // the loader's message, or why it skips the file
};

// What the loader's open-and-verify step would do with one file. The order of
// the checks and their messages follow the loader (glibc 2.36, measured with
// patched copies of a real library; see resolve_test.cc).
FileCheck check_file(const sys::FileSystem& fs, const std::string& path, const SearchContext& ctx) {
  FileCheck c;
  auto st = fs.stat(path);
  if (!st) return c;  // open() fails with ENOENT: the loader moves on silently
  c.exists = true;
  auto fail = [&c](std::string msg) {
    c.fatal = true;
    c.problem = std::move(msg);
    return c;
  };
  if (st->is_dir) return fail("cannot read file data: Is a directory");
  if (!fs.access(path).readable) {
    c.problem = "not readable by this user";
    return c;
  }
  auto bytes = fs.read_file(path, kProbeBytes);
  if (!bytes) {
    c.problem = "cannot be opened: " + bytes.error();
    return c;
  }
  const std::string_view b = *bytes;
  const bool is64 = ctx.elf_class == ElfClass::elf64;
  if (b.size() < (is64 ? 64u : 52u)) return fail("file too short");
  if (b.substr(0, 4) != "\177ELF") return fail("invalid ELF header");
  auto cls = static_cast<uint8_t>(b[4]);
  if (cls != static_cast<uint8_t>(ctx.elf_class)) {
    c.problem = "wrong ELF class: " + (cls == 1 || cls == 2 ? class_name(static_cast<ElfClass>(cls))
                                                            : fmt::format("class {}", cls));
    return c;
  }
  if (static_cast<uint8_t>(b[5]) != static_cast<uint8_t>(ctx.byte_order)) {
    return fail(ctx.byte_order == ElfData::little ? "ELF file data encoding not little-endian"
                                                  : "ELF file data encoding not big-endian");
  }
  if (b[6] != 1) return fail("ELF file version ident does not match current one");
  auto osabi = static_cast<uint8_t>(b[7]);
  auto abiver = static_cast<uint8_t>(b[8]);
  if (osabi != kOsAbiSysv && osabi != kOsAbiGnu) return fail("ELF file OS ABI invalid");
  if ((osabi == kOsAbiSysv && abiver != 0) || (osabi == kOsAbiGnu && abiver > kMaxGnuAbiVersion)) {
    return fail("ELF file ABI version invalid");
  }
  for (size_t i = 9; i < 16; ++i) {
    if (b[i] != '\0') return fail("nonzero padding in e_ident");
  }
  auto h = parse_elf_header(b);
  if (!h) return fail(h.error());
  if (h->version != 1) return fail("ELF file version does not match current one");
  if (h->machine != ctx.machine) {
    c.problem = "wrong machine: " + machine_name(h->machine);
    return c;
  }
  if (h->type == kEtExec) return fail("cannot dynamically load executable");
  if (h->type != kEtDyn) return fail("only ET_DYN and ET_EXEC can be loaded");
  if (h->phentsize != (is64 ? 56 : 32)) return fail("ELF file's phentsize not the expected size");
  uint64_t ph_end = h->phoff + uint64_t{h->phnum} * h->phentsize;
  if (b.size() < kProbeBytes && (h->phoff > b.size() || ph_end > b.size())) {
    return fail("cannot read file data");
  }
  c.loadable = true;
  return c;
}

std::string join(std::string_view dir, std::string_view name) {
  if (!dir.empty() && dir.back() == '/') return std::string(dir) + std::string(name);
  return std::string(dir) + "/" + std::string(name);
}

bool inside_dir(std::string_view path, std::string_view dir) {
  return path.size() > dir.size() && starts_with(path, dir) &&
         (dir.back() == '/' || path[dir.size()] == '/');
}

// Walks the candidates in search order and gives each its status.
class Search {
 public:
  Search(const sys::FileSystem& fs, const SearchContext& ctx, Resolution& r)
      : fs_(fs), ctx_(ctx), r_(r) {}

  void consider(const std::string& path, SearchStep step, const std::string& location,
                bool searched, const std::string& not_searched_reason = {}) {
    // The same path twice in the search order is one candidate; a path only
    // listed so far (not searched) is still evaluated when the search reaches it.
    if (!(searched ? seen_ : listed_).insert(path).second) return;
    // Most candidates do not exist: one stat rules them out before the
    // component-by-component link walk.
    if (!fs_.exists(path)) return;
    std::string real = real_path(fs_, path);
    auto check = check_file(fs_, real, ctx_);
    if (!check.exists) return;
    Copy c{path, real, step, location};
    c.problem = check.problem;
    const Copy* same = nullptr;
    // Only a copy the loader itself looked at decides for its other paths.
    for (const auto& earlier : r_.copies) {
      if (earlier.real_path == real && earlier.status != CopyStatus::not_searched) {
        same = &earlier;
        break;
      }
    }
    if (same) {
      c.status = CopyStatus::same_file;
      c.reason = "the same file as " + same->path;
    } else if (!searched) {
      c.status = CopyStatus::not_searched;
      c.reason = not_searched_reason;
    } else if (r_.outcome == Outcome::found) {
      c.status = CopyStatus::shadowed;
      c.reason = "later in the search order than " + r_.path;
      if (!check.loadable) c.reason += " (and it would not load: " + check.problem + ")";
    } else if (r_.outcome == Outcome::load_error) {
      c.status = CopyStatus::unreached;
      c.reason = "the loader stops at " + r_.path + " before it gets here";
    } else if (check.loadable) {
      c.status = CopyStatus::chosen;
      c.reason = "first usable copy in the search order";
      set_outcome(Outcome::found, c);
    } else if (check.fatal) {
      c.status = CopyStatus::broken;
      c.reason = "the loader fails here: " + check.problem;
      set_outcome(Outcome::load_error, c);
      r_.error = path + ": " + check.problem;
    } else {
      c.status = CopyStatus::skipped;
      c.reason = "skipped by the loader: " + check.problem;
    }
    r_.copies.push_back(std::move(c));
  }

 private:
  void set_outcome(Outcome o, const Copy& c) {
    r_.outcome = o;
    r_.path = c.path;
    r_.real_path = c.real_path;
    r_.step = c.step;
    r_.found_by = c.location;
  }

  const sys::FileSystem& fs_;
  const SearchContext& ctx_;
  Resolution& r_;
  std::set<std::string> seen_;
  std::set<std::string> listed_;
};

void resolve_path_name(const sys::FileSystem& fs, const std::string& name, const Requester& who,
                       const SearchContext& ctx, Resolution& r) {
  auto expanded = expand_tokens(name, origin_of(who.object.path, ctx.cwd), ctx);
  if (!expanded) {
    r.error = name + ": $ORIGIN of " + who.object.path + " is unknown";
    return;
  }
  std::string path = *expanded;
  if (path.front() != '/') {
    if (ctx.cwd.empty()) {
      r.error = name + ": a relative path, and the working directory is unknown";
      return;
    }
    path = join(ctx.cwd, path);
  }
  auto plan = std::make_shared<SearchPlan>();
  plan->dirs.push_back({path, SearchStep::path, "the path in the name"});
  r.search = std::move(plan);
  Search s(fs, ctx, r);
  s.consider(path, SearchStep::path, "the path in the name", true);
  if (r.outcome == Outcome::not_found) r.error = path + ": No such file or directory";
}

}  // namespace

std::string_view copy_status_key(CopyStatus status) {
  switch (status) {
    case CopyStatus::chosen:
      return "chosen";
    case CopyStatus::skipped:
      return "skipped";
    case CopyStatus::broken:
      return "broken";
    case CopyStatus::unreached:
      return "unreached";
    case CopyStatus::shadowed:
      return "shadowed";
    case CopyStatus::same_file:
      return "same_file";
    case CopyStatus::not_searched:
      return "not_searched";
  }
  return "unknown";
}

Resolution resolve_library(const sys::FileSystem& fs, const std::string& soname,
                           const Requester& who, const SearchContext& ctx) {
  return resolve_library(fs, soname, who, ctx, nullptr);  // planned there when a search is needed
}

Resolution resolve_library(const sys::FileSystem& fs, const std::string& soname,
                           const Requester& who, const SearchContext& ctx,
                           std::shared_ptr<const SearchPlan> plan) {
  Resolution r;
  r.soname = soname;
  if (soname.empty()) {
    r.error = "an empty library name";
    r.search = std::make_shared<const SearchPlan>();
    return r;
  }
  if (soname.find('/') != std::string::npos) {
    resolve_path_name(fs, soname, who, ctx, r);
    if (!r.search) r.search = std::make_shared<const SearchPlan>();
    return r;
  }
  // A plan made for a context with a different cache step is made again.
  if (!plan || plan->consults_cache != ctx.ld_cache.has_value()) {
    plan = std::make_shared<const SearchPlan>(plan_search(who, ctx));
  }
  r.search = plan;
  r.notes = plan->notes;
  Search s(fs, ctx, r);
  const bool nodeflib = who.object.elf.nodeflib();
  const std::string nodeflib_reason =
      who.object.path + " has DF_1_NODEFLIB: the loader skips the default directories";

  auto search_dir = [&](const SearchDir& d) {
    for (const auto& sub : ctx.hwcaps_subdirs) {
      s.consider(join(join(d.dir, "glibc-hwcaps/" + sub), soname), d.step,
                 d.location + " (glibc-hwcaps/" + sub + ")", d.searched, nodeflib_reason);
    }
    s.consider(join(d.dir, soname), d.step, d.location, d.searched, nodeflib_reason);
  };

  auto search_cache = [&] {
    auto matches = ld_cache_lookup(*ctx.ld_cache, soname, ctx.cache_flags, ctx.hwcaps_subdirs);
    for (size_t k = 0; k < matches.size(); ++k) {
      const auto* e = matches[k];
      bool in_default = false;
      for (const auto& d : ctx.default_dirs) in_default |= inside_dir(e->path, d);
      std::string location = "ld.so.cache";
      if (!e->hwcaps_subdir.empty()) location += " (glibc-hwcaps/" + e->hwcaps_subdir + ")";
      if (k > 0) {
        s.consider(e->path, SearchStep::ld_so_cache, location, false,
                   "a later ld.so.cache entry for the same name: the loader uses only the first");
      } else if (nodeflib && in_default) {
        s.consider(e->path, SearchStep::ld_so_cache, location, false,
                   who.object.path +
                       " has DF_1_NODEFLIB: the loader ignores cache entries in the "
                       "default directories");
      } else {
        s.consider(e->path, SearchStep::ld_so_cache, location, true);
        // A stale cache (a library removed without running ldconfig): the
        // loader goes on to the default directories without a word.
        if (!fs.exists(e->path)) {
          r.notes.push_back("ld.so.cache names " + e->path + ", which does not exist");
        }
      }
    }
    for (const auto& e : ctx.ld_cache->entries) {
      if (e.soname != soname || e.flags == ctx.cache_flags) continue;
      s.consider(e.path, SearchStep::ld_so_cache,
                 "ld.so.cache (" + describe_cache_flags(e.flags) + ")", false,
                 fmt::format("an ld.so.cache entry for {}: this loader uses only {} entries",
                             describe_cache_flags(e.flags), describe_cache_flags(ctx.cache_flags)));
    }
  };

  size_t searched = 0;
  for (const auto& d : plan->dirs) {
    if (d.step == SearchStep::ld_so_cache) {
      if (ctx.ld_cache) search_cache();
      continue;
    }
    if (d.repeat) continue;  // every name there was considered at the first entry
    searched += d.searched;
    search_dir(d);
  }
  if (!ctx.ld_cache) r.notes.push_back("ld.so.cache not consulted: none was given");

  if (r.outcome == Outcome::not_found) {
    r.error = fmt::format("{}: not found in {} directories{}", soname, searched,
                          ctx.ld_cache ? " or ld.so.cache" : "");
  }
  return r;
}

}  // namespace ongpu::libs
