#include "libs/search_path.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <set>
#include <utility>

#include "util/strings.h"

namespace ongpu::libs {
namespace {

bool is_identifier_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// An expanded entry as an absolute directory: "" and relative entries count
// from the working directory.
std::optional<std::string> absolute_dir(std::string dir, const SearchContext& ctx) {
  if (!dir.empty() && dir.front() == '/') {
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    return dir;
  }
  if (ctx.cwd.empty()) return std::nullopt;
  if (dir.empty()) return ctx.cwd;
  while (!dir.empty() && dir.back() == '/') dir.pop_back();
  return ctx.cwd + "/" + dir;
}

void add_entries(const std::vector<std::string>& entries, std::string_view origin, SearchStep step,
                 const std::string& what, const SearchContext& ctx, std::vector<SearchDir>& out,
                 std::vector<std::string>* notes) {
  for (const auto& entry : entries) {
    auto shown = entry.empty() ? std::string("empty entry: the working directory") : entry;
    auto expanded = expand_tokens(entry, origin, ctx);
    if (!expanded) {
      if (notes)
        notes->push_back(fmt::format("{} entry {} left out: $ORIGIN is unknown", what, entry));
      continue;
    }
    auto dir = absolute_dir(*expanded, ctx);
    if (!dir) {
      if (notes) {
        notes->push_back(
            fmt::format("{} entry \"{}\" left out: relative to the working directory, "
                        "which is unknown",
                        what, entry));
      }
      continue;
    }
    std::string location = step == SearchStep::ld_library_path
                               ? fmt::format("{} entry {}", what, entry.empty() ? *dir : entry)
                               : fmt::format("{} ({})", what, shown);
    out.push_back({*dir, step, location});
  }
}

}  // namespace

std::string origin_of(std::string_view path, std::string_view cwd) {
  auto slash = path.rfind('/');
  if (slash == std::string_view::npos) return {};
  std::string dir(path.substr(0, slash == 0 ? 1 : slash));
  if (dir.front() == '/') return dir;
  if (cwd.empty()) return {};
  return std::string(cwd) + "/" + dir;
}

std::vector<std::string> debian_x86_64_default_dirs() {
  return {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib"};
}

std::vector<std::string> rhel_x86_64_default_dirs() { return {"/lib64", "/usr/lib64"}; }

std::vector<std::string> guess_default_dirs(const sys::FileSystem& fs) {
  auto st = fs.stat("/usr/lib/x86_64-linux-gnu");
  return st && st->is_dir ? debian_x86_64_default_dirs() : rhel_x86_64_default_dirs();
}

std::vector<std::string> split_ld_library_path(std::string_view value) {
  std::vector<std::string> out;
  if (value.empty()) return out;  // unset and empty both mean no entries
  size_t start = 0;
  for (size_t i = 0; i <= value.size(); ++i) {
    if (i == value.size() || value[i] == ':' || value[i] == ';') {
      out.emplace_back(value.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

Result<LoadedObject> load_object(const sys::FileSystem& fs, const std::string& path,
                                 size_t read_limit) {
  auto elf = read_elf(fs, path, read_limit);
  if (!elf) return make_error(elf.error());
  return LoadedObject{path, std::move(*elf)};
}

std::optional<std::string> expand_tokens(std::string_view entry, std::string_view origin,
                                         const SearchContext& ctx) {
  std::string out;
  size_t i = 0;
  while (i < entry.size()) {
    if (entry[i] != '$') {
      out.push_back(entry[i++]);
      continue;
    }
    std::string_view rest = entry.substr(i + 1);
    std::string_view name;
    size_t used = 0;
    if (starts_with(rest, "{")) {
      auto close = rest.find('}');
      if (close != std::string_view::npos) {
        name = rest.substr(1, close - 1);
        used = close + 1;
      }
    } else {
      size_t n = 0;
      while (n < rest.size() && is_identifier_char(rest[n])) ++n;
      name = rest.substr(0, n);
      used = n;
    }
    if (name == "ORIGIN") {
      if (origin.empty()) return std::nullopt;
      out += origin;
    } else if (name == "LIB") {
      out += ctx.lib_token;
    } else if (name == "PLATFORM") {
      out += ctx.platform_token;
    } else {
      out.push_back('$');
      ++i;
      continue;
    }
    i += 1 + used;
  }
  return out;
}

std::string real_path(const sys::FileSystem& fs, std::string_view path) {
  std::deque<std::string> todo;
  for (auto part : split(path, '/')) todo.emplace_back(part);
  std::vector<std::string> done;
  int links = 0;
  auto joined = [&done] {
    std::string p;
    for (const auto& d : done) p += "/" + d;
    return p.empty() ? std::string("/") : p;
  };
  while (!todo.empty()) {
    std::string part = std::move(todo.front());
    todo.pop_front();
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!done.empty()) done.pop_back();
      continue;
    }
    done.push_back(part);
    if (links >= 40) continue;  // a loop: the kernel would give ELOOP, keep the rest as written
    auto target = fs.read_link(joined());
    if (!target || target->empty()) continue;
    ++links;
    done.pop_back();
    if (target->front() == '/') done.clear();
    auto parts = split(*target, '/');
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) todo.emplace_front(*it);
  }
  return joined();
}

std::vector<SearchDir> search_dirs(const Requester& who, const SearchContext& ctx,
                                   std::vector<std::string>* notes) {
  std::vector<SearchDir> out;
  const auto& self = who.object;
  if (!self.elf.runpath) {
    bool did_executable = false;
    std::vector<const LoadedObject*> chain{&self};
    for (const auto& l : who.loaders) chain.push_back(&l);
    for (const auto* l : chain) {
      if (ctx.executable && l->path == ctx.executable->path) did_executable = true;
      // An object with DT_RUNPATH has its DT_RPATH ignored (gABI).
      if (l->elf.runpath || !l->elf.rpath) continue;
      add_entries(*l->elf.rpath, origin_of(l->path, ctx.cwd), SearchStep::dt_rpath,
                  "DT_RPATH of " + l->path, ctx, out, notes);
    }
    const auto& exe = ctx.executable;
    if (exe && !did_executable && !exe->elf.runpath && exe->elf.rpath) {
      add_entries(*exe->elf.rpath, origin_of(exe->path, ctx.cwd), SearchStep::dt_rpath,
                  "DT_RPATH of the executable " + exe->path, ctx, out, notes);
    }
  }
  std::string exe_origin;
  if (ctx.executable) exe_origin = origin_of(ctx.executable->path, ctx.cwd);
  add_entries(ctx.ld_library_path, exe_origin, SearchStep::ld_library_path, "LD_LIBRARY_PATH", ctx,
              out, notes);
  if (self.elf.runpath) {
    add_entries(*self.elf.runpath, origin_of(self.path, ctx.cwd), SearchStep::dt_runpath,
                "DT_RUNPATH of " + self.path, ctx, out, notes);
  }
  for (const auto& d : ctx.default_dirs) {
    out.push_back({d, SearchStep::default_dir, "default directory " + d, !self.elf.nodeflib()});
  }
  return out;
}

SearchPlan plan_search(const Requester& who, const SearchContext& ctx) {
  SearchPlan plan;
  plan.dirs = search_dirs(who, ctx, &plan.notes);
  plan.consults_cache = ctx.ld_cache.has_value();
  if (ctx.ld_cache) {
    auto first_default = std::find_if(plan.dirs.begin(), plan.dirs.end(), [](const SearchDir& d) {
      return d.step == SearchStep::default_dir;
    });
    plan.dirs.insert(first_default, SearchDir{"", SearchStep::ld_so_cache, "ld.so.cache"});
  }
  std::set<std::pair<std::string_view, bool>> seen;
  for (auto& d : plan.dirs) {
    if (d.step != SearchStep::ld_so_cache) d.repeat = !seen.emplace(d.dir, d.searched).second;
  }
  return plan;
}

}  // namespace ongpu::libs
