// The whole dependency tree of one object, resolved in the loader's order.
#include <deque>
#include <map>
#include <memory>
#include <optional>

#include "libs/resolve.h"

namespace ongpu::libs {
namespace {

struct Pending {
  size_t node;
  LoadedObject object;
  std::vector<LoadedObject> loaders;  // nearest first
};

std::string base_name(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::vector<size_t> ResolvedTree::misses() const {
  std::vector<size_t> out;
  for (size_t i = 1; i < nodes.size(); ++i) {
    if (!nodes[i].already_loaded && nodes[i].resolution.outcome != Outcome::found) out.push_back(i);
  }
  return out;
}

std::vector<std::string> ResolvedTree::chain(size_t index) const {
  std::vector<std::string> out;
  if (index >= nodes.size() || index == 0) return out;
  // Parents always come before their children, so this ends.
  for (size_t i = nodes[index].parent;; i = nodes[i].parent) {
    out.insert(out.begin(), nodes[i].resolution.path);
    if (i == 0) break;
  }
  return out;
}

ResolvedTree resolve_tree(const sys::FileSystem& fs, const Requester& root,
                          const SearchContext& ctx, const TreeOptions& options) {
  ResolvedTree t;
  t.root = root.object.path;
  TreeNode top;
  top.soname = root.object.elf.soname.value_or(base_name(root.object.path));
  top.depth = 0;
  top.resolution.soname = top.soname;
  top.resolution.outcome = Outcome::found;
  top.resolution.path = root.object.path;
  top.resolution.real_path = real_path(fs, root.object.path);
  top.resolution.found_by = "the object whose dependencies are resolved";
  t.nodes.push_back(top);

  // What the loader matches a request against before searching: names it
  // was asked for, DT_SONAMEs, and files (glibc compares device and inode;
  // the resolved path stands in for them here). Value: the node that loaded it.
  std::map<std::string, size_t> by_name;
  std::map<std::string, size_t> by_file;
  by_name.emplace(top.soname, 0);
  by_file.emplace(top.resolution.real_path, 0);

  std::deque<Pending> queue;
  queue.push_back({0, root.object, root.loaders});
  while (!queue.empty()) {
    Pending p = std::move(queue.front());
    queue.pop_front();
    // One requester and one search plan for all the names this object needs,
    // made on the first search.
    std::optional<Requester> who;
    std::shared_ptr<const SearchPlan> plan;
    for (const auto& name : p.object.elf.needed) {
      if (t.nodes.size() >= options.max_objects) {
        t.truncated = true;
        t.truncated_reason = "stopped after " + std::to_string(options.max_objects) + " objects";
        return t;
      }
      TreeNode n;
      n.soname = name;
      n.parent = p.node;
      n.depth = t.nodes[p.node].depth + 1;
      n.resolution.soname = name;
      if (auto pre = options.preloaded.find(name); pre != options.preloaded.end()) {
        n.already_loaded = true;
        n.resolution.outcome = Outcome::found;
        n.resolution.path = pre->second;
        n.resolution.real_path = pre->second;
        n.resolution.found_by = "already in the process";
        t.nodes.push_back(std::move(n));
        continue;
      }
      if (auto it = by_name.find(name); it != by_name.end()) {
        const auto& first = t.nodes[it->second].resolution;
        n.already_loaded = true;
        n.resolution.outcome = first.outcome;
        n.resolution.path = first.path;
        n.resolution.real_path = first.real_path;
        n.resolution.error = first.error;
        n.resolution.found_by =
            it->second == 0 ? "the root object itself" : "loaded earlier in the walk";
        t.nodes.push_back(std::move(n));
        continue;
      }
      const size_t index = t.nodes.size();
      by_name.emplace(name, index);
      if (!who) {
        who.emplace(Requester{p.object, p.loaders});
        plan = std::make_shared<const SearchPlan>(plan_search(*who, ctx));
      }
      n.resolution = resolve_library(fs, name, *who, ctx, plan);
      if (n.resolution.outcome == Outcome::found) {
        if (auto same = by_file.find(n.resolution.real_path); same != by_file.end()) {
          // Another name for a file already loaded: the loader reuses it.
          n.already_loaded = true;
        } else {
          by_file.emplace(n.resolution.real_path, index);
          auto obj = load_object(fs, n.resolution.path, options.read_limit);
          if (!obj) {
            n.elf_error = obj.error();
          } else {
            if (obj->elf.soname) by_name.emplace(*obj->elf.soname, index);
            if (n.depth < options.max_depth) {
              std::vector<LoadedObject> loaders;
              loaders.reserve(p.loaders.size() + 1);
              loaders.push_back(p.object);
              loaders.insert(loaders.end(), p.loaders.begin(), p.loaders.end());
              queue.push_back({index, std::move(*obj), std::move(loaders)});
            } else if (!obj->elf.needed.empty()) {
              t.truncated = true;
              t.truncated_reason = "dependencies deeper than " + std::to_string(options.max_depth) +
                                   " levels left out";
            }
          }
        }
      }
      t.nodes.push_back(std::move(n));
    }
  }
  return t;
}

}  // namespace ongpu::libs
