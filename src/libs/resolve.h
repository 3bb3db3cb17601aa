// Which file the Linux dynamic loader (glibc ld.so) would load for a soname
// that a given object asks for, worked out without loading anything, and
// every other copy of that library on the search path with the reason it
// loses.
//
// The search order is ld.so(8)'s, "Shared libraries" section:
//   1. a name containing '/' is a path, opened as it is (after $ORIGIN etc.);
//   2. DT_RPATH of the requester, then of the object that loaded it, and so on
//      up to the executable, only if the requester has no DT_RUNPATH (an
//      object with both has its DT_RPATH ignored: gABI "Dynamic Section");
//   3. LD_LIBRARY_PATH (ignored in secure-execution mode, which ongpu never
//      models: it inspects ordinary processes);
//   4. DT_RUNPATH of the requester only (never of its loaders);
//   5. /etc/ld.so.cache, unless the requester has DF_1_NODEFLIB, in which case
//      cache entries inside the default directories are not used;
//   6. the default directories, unless the requester has DF_1_NODEFLIB.
// In each directory the loader opens the file and checks its ELF header. A
// file of the other ELF class or for another machine is skipped and the
// search goes on; any other unusable file (too short, not ELF, wrong byte
// order, a directory, ...) stops the load with an error. Measured against
// glibc 2.36 (Debian 12) with patched copies of a real library; the messages
// are the loader's own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libs/search_path.h"
#include "sys/fs.h"

namespace ongpu::libs {

enum class CopyStatus {
  chosen,        // the loader loads this file
  skipped,       // before the winner, passed over: other ELF class or machine, unreadable
  broken,        // the loader stops here with an error and loads nothing
  unreached,     // after a broken copy: the search never gets here
  shadowed,      // after the winner in the search order
  same_file,     // another path (through a symbolic link) to a copy listed earlier
  not_searched,  // in a place this requester's search leaves out (DF_1_NODEFLIB, other-ABI cache
                 // entry)
};
// A stable key: "chosen", "skipped", "broken", "unreached", "shadowed", "same_file",
// "not_searched".
std::string_view copy_status_key(CopyStatus status);

struct Copy {
  std::string path;       // as the loader would open it
  std::string real_path;  // symbolic links resolved
  SearchStep step;
  std::string location;  // the SearchDir::location that reaches it
  CopyStatus status = CopyStatus::shadowed;
  // What is wrong with the file itself ("wrong ELF class: 32-bit", "file too
  // short"); empty if the loader could load it.
  std::string problem;
  // One line: why it wins or loses ("later in the search order than /x/y").
  std::string reason;
};

using Outcome = LibraryOutcome;  // found, not_found, load_error

struct Resolution {
  std::string soname;
  Outcome outcome = Outcome::not_found;
  // found: the file loaded; load_error: the file the loader fails on.
  std::string path;
  std::string real_path;
  SearchStep step = SearchStep::default_dir;
  std::string found_by;      // the winner's location
  std::string error;         // load_error: the loader's message; not_found: where it looked
  std::vector<Copy> copies;  // every copy seen, in search order
  // Every directory, in order, with the cache step; shared by the names one
  // requester asks for. Never null after resolve_library().
  std::shared_ptr<const SearchPlan> search;
  std::vector<std::string> notes;  // the plan's notes (entries left out and why), then this name's
};

Resolution resolve_library(const sys::FileSystem& fs, const std::string& soname,
                           const Requester& who, const SearchContext& ctx);
// The same with the plan_search(who, ctx) of an earlier call: for several
// names asked by one requester (a framework's dozen CUDA libraries). The plan
// must be for this requester and context; one made for a context with (or
// without) an ld.so.cache that this one lacks (or has) is made again.
Resolution resolve_library(const sys::FileSystem& fs, const std::string& soname,
                           const Requester& who, const SearchContext& ctx,
                           std::shared_ptr<const SearchPlan> plan);

struct TreeOptions {
  size_t max_objects = 512;  // objects resolved in all (a CUDA framework loads ~60)
  size_t max_depth = 16;
  size_t read_limit = kDefaultElfReadLimit;  // per ELF file, see read_elf()
  // Objects in the process before the walk, by name: the loader matches them
  // instead of searching, as it does for its own soname "ld-linux-x86-64.so.2".
  std::map<std::string, std::string> preloaded;
};

struct TreeNode {
  std::string soname;           // the DT_NEEDED entry as written
  size_t parent = 0;            // index of the node that needs it; 0 = the root
  size_t depth = 1;             // 1 for the root's own DT_NEEDED
  bool already_loaded = false;  // matched an object loaded earlier in the walk
  Resolution resolution;        // already_loaded: path and found_by only
  std::string elf_error;        // the winner could not be read: its needs are unknown
};

struct ResolvedTree {
  std::string root;             // the root object's path; nodes[0] stands for it
  std::vector<TreeNode> nodes;  // [0] is the root, then breadth-first, the loader's order
  bool truncated = false;
  std::string truncated_reason;

  // Nodes that are not found or fail to load (the first request for each name).
  std::vector<size_t> misses() const;
  // The paths from the root down to the object that needs node `index`.
  std::vector<std::string> chain(size_t index) const;
};

// Resolves the root's DT_NEEDED entries, then theirs, breadth-first as the
// loader does, each with its parent as requester and the parent's loaders
// behind it; a name already loaded (by name, DT_SONAME or file) is not
// searched again, which also ends cycles. A miss does not stop the walk, as
// in `ldd` (a real process stops at its first miss), so every miss is listed.
ResolvedTree resolve_tree(const sys::FileSystem& fs, const Requester& root,
                          const SearchContext& ctx, const TreeOptions& options = {});

}  // namespace ongpu::libs
