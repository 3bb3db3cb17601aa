#include "run/proc_scan.h"

#include <algorithm>
#include <array>
#include <map>

#include "sys/process.h"
#include "util/strings.h"

namespace ongpu::run {
namespace {

// The file names of the CUDA libraries a framework maps (what verify's probe
// looks for too, with the libraries PyTorch 2.x's wheels add).
constexpr std::array<std::string_view, 21> kCudaPrefixes{
    "libcuda.",     "libcudart.", "libcublas.",    "libcublasLt.", "libcudnn",      "libcufft.",
    "libcufile.",   "libcurand.", "libcusolver",   "libcusparse",  "libnccl.",      "libnvrtc",
    "libnvJitLink", "libcupti.",  "libnvidia-ml.", "libnvshmem",   "libnvToolsExt", "libcudss",
    "libnvinfer",   "libnvperf",  "libcuda_",
};

std::string_view base_name(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool is_python_name(std::string_view name) {
  if (!starts_with(name, "python")) return false;
  // python, python3, python3.11, python3.13t; not python-config.
  return std::all_of(name.begin() + 6, name.end(), [](char c) {
    return (c >= '0' && c <= '9') || c == '.' || c == 't' || c == 'd';
  });
}

}  // namespace

std::optional<ProcStat> parse_stat(std::string_view text) {
  auto open = text.find('(');
  auto close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open)
    return std::nullopt;
  ProcStat s;
  auto pid = parse_number<int>(text.substr(0, open));
  if (!pid) return std::nullopt;
  s.pid = *pid;
  s.comm = sanitize_text(text.substr(open + 1, close - open - 1));
  // Fields after comm, numbered as in proc(5) from 3 (state).
  std::vector<std::string_view> f;
  for (auto part : split(text.substr(close + 1), ' ')) {
    if (!part.empty()) f.push_back(part);
  }
  if (f.size() < 21 || f[0].size() != 1) return std::nullopt;
  s.state = f[0][0];
  auto ppid = parse_number<int>(f[1]);
  auto pgid = parse_number<int>(f[2]);
  auto sid = parse_number<int>(f[3]);
  auto start = parse_number<unsigned long long>(f[19]);  // field 22
  auto vsize = parse_number<unsigned long long>(f[20]);  // field 23
  if (!ppid || !pgid || !sid || !start || !vsize) return std::nullopt;
  s.ppid = *ppid;
  s.pgid = *pgid;
  s.sid = *sid;
  s.start_time = *start;
  s.vsize = *vsize;
  return s;
}

std::vector<ProcStat> scan_processes(const sys::FileSystem& fs, std::string_view proc) {
  std::vector<ProcStat> out;
  auto names = fs.list_dir(proc);
  if (!names) return out;
  out.reserve(names->size());
  const std::string base(proc);
  for (const auto& name : *names) {
    if (name.empty() || name[0] < '0' || name[0] > '9') continue;
    auto text = fs.read_file(base + "/" + name + "/stat", 4096);
    if (!text) continue;  // ended meanwhile
    if (auto s = parse_stat(*text)) out.push_back(std::move(*s));
  }
  return out;
}

std::set<int> descendants(const std::vector<ProcStat>& all, const std::set<int>& roots,
                          const std::set<int>& excluded) {
  std::multimap<int, int> children;
  std::set<int> present;
  for (const auto& p : all) {
    children.emplace(p.ppid, p.pid);
    present.insert(p.pid);
  }
  std::set<int> out;
  std::vector<int> todo;
  for (int r : roots) {
    if (excluded.count(r)) continue;
    if (present.count(r)) out.insert(r);
    todo.push_back(r);
  }
  while (!todo.empty()) {
    int pid = todo.back();
    todo.pop_back();
    auto [lo, hi] = children.equal_range(pid);
    for (auto it = lo; it != hi; ++it) {
      if (excluded.count(it->second) || !out.insert(it->second).second) continue;
      todo.push_back(it->second);
    }
  }
  return out;
}

std::vector<std::string> parse_cmdline(std::string_view raw) {
  std::vector<std::string> out;
  if (raw.empty()) return out;
  if (raw.back() == '\0') raw.remove_suffix(1);
  for (auto part : split(raw, '\0')) out.emplace_back(part);
  return out;
}

std::vector<std::string> cuda_libraries_in_maps(std::string_view maps) {
  std::vector<std::string> out;
  for (auto line : split(maps, '\n')) {
    auto slash = line.find('/');
    if (slash == std::string_view::npos) continue;
    std::string_view path = line.substr(slash);
    if (ends_with(path, " (deleted)")) path.remove_suffix(10);
    auto base = base_name(path);
    if (base.find(".so") == std::string_view::npos) continue;
    bool cuda = std::any_of(kCudaPrefixes.begin(), kCudaPrefixes.end(),
                            [&](std::string_view p) { return starts_with(base, p); });
    if (!cuda) continue;
    std::string p(path);
    if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(std::move(p));
  }
  return out;
}

std::string library_kind(std::string_view path) {
  auto base = base_name(path);
  if (starts_with(base, "lib")) base.remove_prefix(3);
  auto so = base.find(".so");
  return std::string(so == std::string_view::npos ? base : base.substr(0, so));
}

std::string library_version(std::string_view path) {
  auto base = base_name(path);
  auto so = base.find(".so.");
  if (so == std::string_view::npos) return "";
  auto v = base.substr(so + 4);
  // Only the soname's major (libcudart.so.12) is not a version worth showing.
  if (v.find('.') == std::string_view::npos) return "";
  return std::string(v);
}

std::vector<Framework> frameworks_in_maps(std::string_view maps) {
  // A directory each framework's own native code lives in.
  static constexpr std::array<std::pair<std::string_view, Framework>, 6> kDirs{{
      {"/tensorflow/", Framework::tensorflow},
      {"/torch/lib/", Framework::torch},
      {"/jaxlib/", Framework::jax},
      {"/jax_plugins/", Framework::jax},
      {"/onnxruntime/capi/", Framework::onnxruntime},
      {"/cupy/", Framework::cupy},
  }};
  std::vector<Framework> out;
  for (auto line : split(maps, '\n')) {
    auto slash = line.find('/');
    if (slash == std::string_view::npos || line.find(".so", slash) == std::string_view::npos)
      continue;
    auto path = line.substr(slash);
    for (const auto& [dir, fw] : kDirs) {
      if (path.find(dir) != std::string_view::npos &&
          std::find(out.begin(), out.end(), fw) == out.end())
        out.push_back(fw);
    }
  }
  return out;
}

std::string python_interpreter(const std::vector<std::string>& argv, std::string_view exe,
                               std::string_view cwd, std::string_view path_value) {
  if (argv.empty() || !is_python_name(base_name(exe))) return "";
  const std::string& a0 = argv[0];
  if (a0.find('/') != std::string::npos) {
    if (a0[0] == '/' || cwd.empty()) return a0;
    return std::string(cwd) + "/" + a0;
  }
  std::string found = sys::find_in_path(a0, std::string(path_value));
  return found.empty() ? std::string(exe) : found;
}

bool is_python_executable(std::string_view exe) { return is_python_name(base_name(exe)); }

std::optional<std::string> environ_value(std::string_view raw, std::string_view name) {
  for (auto entry : split(raw, '\0')) {
    if (entry.size() > name.size() && entry[name.size()] == '=' && starts_with(entry, name))
      return std::string(entry.substr(name.size() + 1));
  }
  return std::nullopt;
}

}  // namespace ongpu::run
