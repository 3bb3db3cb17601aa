#include "frameworks/libraries.h"

#include <fmt/format.h>

#include <map>
#include <memory>

#include "frameworks/pathfinder.h"
#include "libs/elf.h"
#include "libs/ld_cache.h"
#include "libs/resolve.h"
#include "python/metadata.h"
#include "util/strings.h"

namespace ongpu::frameworks {
namespace {

// NVIDIA's CUDA wheels and the libraries in them: the wheel's version is the
// libraries' own version, so its major is the soname's (nvidia-cufft-cu12
// 11.2.3.61 ships nvidia/cufft/lib/libcufft.so.11; nvidia-cudnn-cu12 9.3.0.75
// ships libcudnn.so.9). Stems from the wheels' file lists and the CUDA 13
// toolkit's lib64 on the build machine.
struct WheelLibs {
  const char* wheel;  // the name without the -cuNN suffix
  const char*
      folder;  // its directory: site-packages/nvidia/<folder>/lib (CUDA 13's: nvidia/cu13/lib)
  std::initializer_list<const char*> stems;
  // The soname's major is the wheel version's (nvidia-cufft-cu12 11.2.3.61
  // ships libcufft.so.11); not so for nvidia-cufile (1.x ships libcufile.so.0).
  bool soname_follows_version = true;
};
constexpr WheelLibs kWheels[] = {
    {"nvidia-cuda-runtime", "cuda_runtime", {"libcudart"}},
    {"nvidia-cublas", "cublas", {"libcublas", "libcublasLt"}},
    {"nvidia-cudnn", "cudnn", {"libcudnn"}},
    {"nvidia-cufft", "cufft", {"libcufft"}},
    {"nvidia-curand", "curand", {"libcurand"}},
    {"nvidia-cusolver", "cusolver", {"libcusolver"}},
    {"nvidia-cusparse", "cusparse", {"libcusparse"}},
    {"nvidia-nccl", "nccl", {"libnccl"}},
    {"nvidia-nvjitlink", "nvjitlink", {"libnvJitLink"}},
    {"nvidia-cuda-nvrtc", "cuda_nvrtc", {"libnvrtc"}},
    {"nvidia-cuda-cupti", "cuda_cupti", {"libcupti"}},
    {"nvidia-cusparselt", "cusparselt", {"libcusparseLt"}},
    {"nvidia-cufile", "cufile", {"libcufile"}, false},
    {"nvidia-nvshmem", "nvshmem", {"libnvshmem_host"}},
};

std::string dir_of(std::string_view path) {
  auto slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(0, slash));
}

// "libcudart.so.12" -> "libcudart".
std::string stem_of(std::string_view soname) {
  return std::string(soname.substr(0, soname.find(".so")));
}

const WheelLibs* wheel_of_stem(std::string_view stem) {
  for (const auto& w : kWheels) {
    for (const char* s : w.stems) {
      if (stem == s) return &w;
    }
  }
  return nullptr;
}

std::string wheel_base(const std::string& name) {
  // nvidia-cudnn-cu12 -> nvidia-cudnn; CUDA 13's wheels have no suffix.
  auto pos = name.rfind("-cu");
  if (pos != std::string::npos && pos + 3 < name.size() &&
      std::all_of(name.begin() + static_cast<long>(pos) + 3, name.end(),
                  [](char c) { return c >= '0' && c <= '9'; })) {
    return name.substr(0, pos);
  }
  return name;
}

std::string version_from_real_name(const std::string& real_path, const std::string& soname) {
  auto slash = real_path.rfind('/');
  std::string name = slash == std::string::npos ? real_path : real_path.substr(slash + 1);
  auto base = soname.substr(0, soname.find(".so") + 3);  // libcudnn.so
  if (!starts_with(name, base + ".")) return "";
  std::string v = name.substr(base.size() + 1);
  return std::all_of(v.begin(), v.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; })
             ? v
             : "";
}

// Where CUDA libraries are commonly installed outside the loader's default
// search: the toolkit's /usr/local/cuda-X.Y (NVIDIA's Linux installation
// guide), /opt/cuda (Arch), and the active conda environment's lib.
std::vector<std::string> cuda_install_dirs(const sys::FileSystem& fs,
                                           const std::optional<std::string>& conda_prefix) {
  std::vector<std::string> dirs;
  if (auto names = fs.list_dir("/usr/local")) {
    for (const auto& n : *names) {
      if (n == "cuda" || starts_with(n, "cuda-")) {
        dirs.push_back("/usr/local/" + n + "/lib64");
        dirs.push_back("/usr/local/" + n + "/targets/x86_64-linux/lib");
      }
    }
  }
  dirs.push_back("/opt/cuda/lib64");
  if (conda_prefix && !conda_prefix->empty()) dirs.push_back(*conda_prefix + "/lib");
  return dirs;
}

}  // namespace

std::vector<std::string> sonames_of_wheel(const PinnedWheel& w) {
  std::string version =
      !w.installed.empty() ? w.installed : python::lowest_allowed_version(w.specifier);
  auto major = split(version, '.')[0];
  if (major.empty() || !parse_number<int>(major)) return {};
  std::vector<std::string> out;
  const std::string base = wheel_base(w.name);
  for (const auto& entry : kWheels) {
    if (base != entry.wheel || !entry.soname_follows_version) continue;
    for (const char* stem : entry.stems) {
      // CUDA 11's runtime keeps the soname libcudart.so.11.0 for every 11.x
      // (TensorFlow's third_party/gpus/cuda_configure.bzl: "versioned as 11.0
      // for backward compatibility"); nvidia-cuda-runtime-cu11 ships that file.
      const bool cudart_11 = std::string_view(stem) == "libcudart" && major == "11";
      out.push_back(fmt::format("{}.so.{}{}", stem, major, cudart_11 ? ".0" : ""));
    }
  }
  return out;
}

std::vector<WantedLibrary> wanted_libraries(const FrameworkFacts& fw,
                                            const knowledge::Knowledge* k) {
  std::vector<WantedLibrary> candidates;
  if (fw.flavor != BuildFlavor::cuda) return candidates;
  auto add = [&](std::string soname, std::string why) {
    if (std::none_of(candidates.begin(), candidates.end(),
                     [&](const WantedLibrary& x) { return x.soname == soname; })) {
      candidates.push_back({std::move(soname), std::move(why)});
    }
  };
  for (const auto& w : fw.cuda_wheels) {
    for (auto& so : sonames_of_wheel(w)) add(std::move(so), w.name);
  }
  // TensorFlow before 2.14 pins no wheel: its stream executor dlopens the
  // sonames its build configured (cuda_configure.bzl -> dso_loader.cc), which
  // follow from the CUDA and cuDNN versions build_info.py records.
  if (fw.cuda_wheels.empty() && fw.framework == Framework::tensorflow && k && fw.cuda_version) {
    const std::string cudnn = fw.cudnn_version.value_or("");
    for (const auto* l : k->tensorflow_libraries_for(*fw.cuda_version, cudnn)) {
      add(l->soname, fmt::format("build_info.py {}_version {}", l->component,
                                 l->component == "cuda" ? *fw.cuda_version : cudnn));
    }
  }
  const auto rows = k ? k->framework_libraries_for(enum_name(fw.framework), fw.version)
                      : std::vector<const knowledge::FrameworkLibrary*>{};
  if (rows.empty()) return candidates;
  // The release is in the table: exactly its rows. A pinned library with no
  // row is one the framework does not open itself (nvJitLink comes in as
  // cuSPARSE's own dependency) or does not need: it is not judged.
  std::vector<WantedLibrary> wanted;
  for (const auto* row : rows) {
    if (row->loader == LibraryLoader::pathfinder) {
      WantedLibrary w;
      w.stem = row->library;
      w.role = row->role;
      w.object = row->object;
      w.pathfinder = pathfinder_order(*k, row->library);
      if (!w.pathfinder.empty()) wanted.push_back(std::move(w));
      continue;
    }
    if (row->library == "DT_NEEDED") {
      WantedLibrary w;
      w.wanted_by = "DT_NEEDED";
      w.role = row->role;
      w.preload = row->loader == LibraryLoader::preload;
      w.from_needed = true;
      wanted.push_back(std::move(w));
      continue;
    }
    bool matched = false;
    for (const auto& c : candidates) {
      if (stem_of(c.soname) != row->library) continue;
      WantedLibrary w = c;
      w.role = row->role;
      w.preload = row->loader == LibraryLoader::preload;
      w.fallback = row->fallback;
      wanted.push_back(std::move(w));
      matched = true;
    }
    if (!matched && row->loader == LibraryLoader::preload) {
      WantedLibrary w;
      w.stem = row->library;
      w.role = row->role;
      w.preload = true;
      wanted.push_back(std::move(w));
    }
  }
  return wanted;
}

std::optional<std::string> requester_of(const sys::FileSystem& fs, const PythonEnv& env,
                                        const FrameworkFacts& fw) {
  std::vector<std::string> candidates;
  if (fw.framework == Framework::tensorflow && !fw.package_dir.empty()) {
    // TensorFlow's stream executor dlopens the CUDA libraries from here (its
    // DT_RUNPATH lists $ORIGIN/../nvidia/*/lib).
    candidates.push_back(fw.package_dir + "/libtensorflow_framework.so.2");
  } else if (fw.framework == Framework::torch && !fw.package_dir.empty()) {
    candidates.push_back(fw.package_dir + "/lib/libtorch_cuda.so");
  } else if (fw.framework == Framework::onnxruntime && !fw.package_dir.empty()) {
    candidates.push_back(fw.package_dir + "/capi/libonnxruntime_providers_cuda.so");
  } else if (fw.framework == Framework::jax) {
    for (const auto& site : env.site_packages) {
      for (const char* plugin : {"xla_cuda13", "xla_cuda12"}) {
        candidates.push_back(site + "/jax_plugins/" + plugin + "/xla_cuda_plugin.so");
      }
    }
  }
  for (const auto& c : candidates) {
    if (fs.exists(c)) return c;
  }
  return std::nullopt;
}

libs::SearchContext search_context(const sys::FileSystem& fs,
                                   const std::optional<std::string>& ld_library_path) {
  libs::SearchContext ctx;
  if (ld_library_path) ctx.ld_library_path = libs::split_ld_library_path(*ld_library_path);
  if (auto cache = libs::read_ld_cache(fs)) ctx.ld_cache = std::move(cache).value();
  ctx.default_dirs = libs::guess_default_dirs(fs);
  ctx.cwd.assign(1, '/');  // not = "/": g++ 12's false -Wstringop-overflow (GCC PR 105329)
  return ctx;
}

namespace {

// The directories a framework preloads a library from, in its order:
// site-packages/nvidia/<package>/lib, then nvidia/cu<major>/lib (CUDA 13's
// wheels), in sys.path order.
std::vector<std::string> preload_dirs(const PythonEnv& env, const std::string& stem) {
  const auto* wheel = wheel_of_stem(stem);
  std::vector<std::string> dirs;
  for (const auto& site : env.site_packages) {
    if (wheel) dirs.push_back(site + "/nvidia/" + wheel->folder + "/lib");
    for (const char* cu : {"cu13", "cu12"}) dirs.push_back(site + "/nvidia/" + cu + "/lib");
  }
  return dirs;
}

// The soname of a preloaded library known only by its stem: the file
// <stem>.so.<major> in the first preload directory that has one (torch globs
// <stem>.so.*[0-9] and takes what it finds).
std::optional<std::string> preloaded_soname(const sys::FileSystem& fs, const PythonEnv& env,
                                            const std::string& stem) {
  for (const auto& d : preload_dirs(env, stem)) {
    auto names = fs.list_dir(d);
    if (!names) continue;
    std::optional<std::string> best;
    for (const auto& n : *names) {
      if (!starts_with(n, stem + ".so.")) continue;
      const auto rest = std::string_view(n).substr(stem.size() + 4);
      if (rest.empty() || !std::all_of(rest.begin(), rest.end(),
                                       [](char c) { return c == '.' || (c >= '0' && c <= '9'); }))
        continue;
      if (!best || n.size() < best->size()) best = n;  // libcupti.so.13 before libcupti.so.13.0.85
    }
    if (best) return best;
  }
  return std::nullopt;
}

// The copy a framework preloads by path (JAX's CUDA plugin, torch's
// _load_global_deps): site-packages/nvidia/<package>/lib/<soname>, then
// nvidia/cu<major>/lib/<soname> (CUDA 13's wheels), in sys.path order.
std::optional<std::string> preloaded_copy(const sys::FileSystem& fs, const PythonEnv& env,
                                          const std::string& soname) {
  for (const auto& d : preload_dirs(env, stem_of(soname))) {
    if (fs.exists(d + "/" + soname)) return d + "/" + soname;
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> needed_cuda_libraries(
    const sys::FileSystem& fs, const libs::LoadedObject& object) {
  // The framework's own objects beside it (torch/lib/libtorch_nvshmem.so,
  // which libtorch_cuda.so lists and which lists libnvshmem_host.so.3) load
  // with it: their CUDA libraries are needed as much as its own. Breadth
  // first, each object once, at most kMaxObjects of them.
  constexpr size_t kMaxObjects = 32;
  std::vector<std::pair<std::string, std::string>> out;
  const std::string dir = dir_of(object.path);
  std::vector<std::string> seen = {object.path};
  std::vector<libs::LoadedObject> queue;
  queue.push_back(object);
  for (size_t i = 0; i < queue.size(); ++i) {
    const std::string name = queue[i].path.substr(queue[i].path.rfind('/') + 1);
    for (const auto& so : queue[i].elf.needed) {
      if (wheel_of_stem(stem_of(so))) {
        if (std::none_of(out.begin(), out.end(), [&](const auto& x) { return x.second == so; }))
          out.emplace_back(name, so);
        continue;
      }
      const std::string own = dir + "/" + so;
      if (so.find('/') != std::string::npos || seen.size() >= kMaxObjects ||
          std::find(seen.begin(), seen.end(), own) != seen.end() || !fs.exists(own)) {
        continue;
      }
      seen.push_back(own);
      if (auto obj = libs::load_object(fs, own)) queue.push_back(std::move(obj).value());
    }
  }
  return out;
}

namespace {

// The prefixes of the CUDA libraries' exported names, longest first where one
// begins another (cublasLt before cublas, cusparseLt before cusparse).
const std::vector<std::pair<std::string, std::string>> kSymbolPrefixes = {
    {"nccl", "libnccl"},         {"cublasLt", "libcublasLt"},     {"cublas", "libcublas"},
    {"cudnn", "libcudnn"},       {"cufft", "libcufft"},           {"curand", "libcurand"},
    {"cusolver", "libcusolver"}, {"cusparseLt", "libcusparseLt"}, {"cusparse", "libcusparse"},
    {"nvrtc", "libnvrtc"},       {"nvJitLink", "libnvJitLink"},   {"cupti", "libcupti"},
    {"cuFile", "libcufile"},     {"nvshmem", "libnvshmem_host"},  {"cuda", "libcudart"}};

bool in_wheel_dir(const std::string& path) {
  auto site = path.find("-packages/");
  return site != std::string::npos && path.find("/nvidia/", site) != std::string::npos;
}

}  // namespace

// A library that the framework's own object lists (DT_NEEDED) and that the
// loader finds outside the framework's wheels (a system NCCL older than the
// one torch was linked with) may lack symbols the object needs; then the
// import fails ("undefined symbol: ncclCommResume"). Read only on that path:
// the dynamic symbol tables of the object and of every library found.
void check_symbols(const sys::FileSystem& fs, FrameworkFacts& fw) {
  std::vector<LibraryFact*> outside;
  for (auto& l : fw.libraries) {
    if (l.outcome == LibraryOutcome::found && !l.needed_by.empty() && l.real_path &&
        !in_wheel_dir(*l.real_path)) {
      outside.push_back(&l);
    }
  }
  if (outside.empty()) return;
  std::vector<std::string> prefixes;
  for (const auto& [prefix, stem] : kSymbolPrefixes) prefixes.push_back(prefix);
  std::vector<std::string> defined;
  for (const auto& l : fw.libraries) {
    if (l.outcome != LibraryOutcome::found || !l.real_path) continue;
    auto syms = libs::read_dynamic_symbols(fs, *l.real_path, prefixes);
    if (!syms) return;  // unreadable: no judgement rather than a wrong one
    defined.insert(defined.end(), syms->defined.begin(), syms->defined.end());
  }
  std::sort(defined.begin(), defined.end());
  std::vector<std::string> objects;
  for (const auto* l : outside) {
    const std::string& object = l->needed_by;
    if (std::find(objects.begin(), objects.end(), object) == objects.end())
      objects.push_back(object);
  }
  for (const auto& object : objects) {
    auto syms = libs::read_dynamic_symbols(fs, object, prefixes);
    if (!syms) continue;
    for (const auto& name : syms->needed) {
      if (std::binary_search(defined.begin(), defined.end(), name)) continue;
      // The library whose names these are, by the longest matching prefix.
      for (const auto& [prefix, stem] : kSymbolPrefixes) {
        if (!starts_with(name, prefix)) continue;
        for (auto* l : outside) {
          if (stem_of(l->soname) == stem && l->missing_symbols.size() < 20 &&
              std::find(l->missing_symbols.begin(), l->missing_symbols.end(), name) ==
                  l->missing_symbols.end()) {
            l->missing_symbols.push_back(name);
          }
        }
        break;
      }
    }
  }
}

namespace {

OtherCopy::Status other_copy_status(libs::CopyStatus s) {
  switch (s) {
    case libs::CopyStatus::skipped:
      return OtherCopy::Status::skipped;
    case libs::CopyStatus::broken:
      return OtherCopy::Status::broken;
    case libs::CopyStatus::unreached:
      return OtherCopy::Status::unreached;
    case libs::CopyStatus::not_searched:
      return OtherCopy::Status::not_searched;
    case libs::CopyStatus::shadowed:
    case libs::CopyStatus::chosen:
    case libs::CopyStatus::same_file:
      break;
  }
  return OtherCopy::Status::shadowed;
}

// The fact for one library the framework asks for, from the loader's (or
// pathfinder's) resolution of it: the file, the version in its name, its own
// dependencies as the loader will look for them, and every other copy.
LibraryFact library_fact(const sys::FileSystem& fs, const PythonEnv& env, const WantedLibrary& want,
                         const libs::Resolution& r, const std::string& requester,
                         const libs::SearchContext& ctx, const ProcessEnv& process) {
  const auto& soname = want.soname;
  LibraryFact lib;
  lib.soname = soname;
  lib.wanted_by = want.wanted_by;
  lib.role = want.role;
  lib.requester = requester;
  lib.needed_by = want.needed_by;
  lib.outcome = r.outcome;
  if (r.outcome == libs::Outcome::found) {
    lib.path = r.path;
    lib.real_path = r.real_path;
    lib.found_by = r.found_by;
    lib.found_step = r.step;
    auto v = version_from_real_name(r.real_path, soname);
    lib.version =
        v.empty()
            ? Fact<std::string>::missing("the file name " + r.real_path + " carries no version")
            : Fact<std::string>(v);
    lib.reported_version =
        Fact<std::string>::missing("not asked (doctor --library-versions asks each library)");
    // Its own dependencies, as the loader will look for them.
    if (auto obj = libs::load_object(fs, r.path)) {
      libs::Requester root;
      root.object = std::move(obj).value();
      libs::TreeOptions opts;
      opts.max_objects = 64;
      // The framework loads into a Python process, which has the C library's
      // parts loaded already: the loader does not search for them again.
      for (const char* so : {"libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0",
                             "librt.so.1", "ld-linux-x86-64.so.2", "libutil.so.1"}) {
        opts.preloaded[so] = "(loaded by the Python interpreter)";
      }
      auto tree = libs::resolve_tree(fs, root, ctx, opts);
      for (size_t i : tree.misses()) {
        std::string chain;
        for (const auto& c : tree.chain(i)) chain += (chain.empty() ? "" : " → ") + c;
        lib.missing_dependencies.push_back(fmt::format("{} ({})", tree.nodes[i].soname, chain));
      }
    }
  } else {
    const std::string why = r.error.empty() ? "not found" : r.error;
    lib.path = lib.real_path = lib.version = lib.reported_version = Fact<std::string>::missing(why);
    lib.wheel_copy = want.pathfinder.empty() ? preloaded_copy(fs, env, soname).value_or("") : "";
  }
  std::vector<std::string> seen_real = {r.real_path};
  for (const auto& c : r.copies) {
    seen_real.push_back(c.real_path);
    if (c.status == libs::CopyStatus::chosen || c.status == libs::CopyStatus::same_file) continue;
    lib.other_copies.push_back(OtherCopy{c.path, other_copy_status(c.status), c.reason});
  }
  // Copies the loader never looks at: a toolkit or conda library directory
  // that is not on its path.
  for (const auto& dir : cuda_install_dirs(fs, process.conda_prefix)) {
    const std::string candidate = dir + "/" + soname;
    if (!fs.exists(candidate)) continue;
    const std::string real = libs::real_path(fs, candidate);
    if (std::find(seen_real.begin(), seen_real.end(), real) != seen_real.end()) continue;
    seen_real.push_back(real);
    lib.other_copies.push_back(
        OtherCopy{candidate, OtherCopy::Status::not_on_search_path,
                  fmt::format("in {}, which the loader does not search", dir)});
  }
  return lib;
}

// The framework's Python extension module `object` (cupy_backends/cuda/libs/cublas):
// <name>.cpython-311-x86_64-linux-gnu.so, <name>.abi3.so or <name>.so in the
// first site-packages directory that has one.
std::optional<std::string> extension_module(const sys::FileSystem& fs, const PythonEnv& env,
                                            const std::string& object) {
  const std::string dir_part = dir_of(object);
  const std::string name = object.substr(object.rfind('/') + 1);
  for (const auto& site : env.site_packages) {
    const std::string dir = site + "/" + dir_part;
    auto names = fs.list_dir(dir);
    if (!names) continue;
    std::optional<std::string> best;
    for (const auto& n : *names) {
      if (starts_with(n, name + ".") && ends_with(n, ".so")) {
        if (!best || n < *best) best = n;
      }
    }
    if (best) return dir + "/" + *best;
  }
  return std::nullopt;
}

// The libraries cuda-pathfinder loads for the framework (CuPy), each once
// per process as its functools.cache does, and the framework's module that
// then needs the library by its own soname.
class PathfinderLoads {
 public:
  PathfinderLoads(const sys::FileSystem& fs, const PythonEnv& env, const FrameworkFacts& fw,
                  const libs::SearchContext& ctx, const ProcessEnv& process)
      : fs_(fs), env_(env), fw_(fw), ctx_(ctx), process_(process) {
    penv_.site_packages = env.site_packages;
    penv_.conda_prefix = process.conda_prefix;
    penv_.cuda_path = process.cuda_path;
  }

  void add(const WantedLibrary& want, std::vector<LibraryFact>& out) {
    const auto* self = want.pathfinder.back();
    bool chain_found = true;  // a required dependency not found fails the library too
    for (const auto* lib : want.pathfinder) {
      auto it = loaded_.find(lib->library);
      if (it == loaded_.end())
        it = loaded_.emplace(lib->library, pathfinder_find(fs_, *lib, penv_, ctx_)).first;
      const libs::Resolution& r = it->second;
      const bool is_self = lib == self;
      if (r.outcome != libs::Outcome::found) chain_found = false;
      if (is_self && want.role == LibraryRole::optional && r.outcome != libs::Outcome::found)
        break;  // absent: nothing
      WantedLibrary w;
      w.role = want.role == LibraryRole::gpu ? LibraryRole::gpu : LibraryRole::later;
      w.pathfinder = want.pathfinder;
      w.wanted_by = is_self ? fmt::format("cuda-pathfinder, asked for {}", lib->library)
                            : fmt::format("cuda-pathfinder, loaded before {}", self->library);
      w.soname = r.outcome == libs::Outcome::found ? r.soname : soname_for(*lib, want);
      put(library_fact(fs_, env_, w, r, "", ctx_, process_), out);
    }
    if (!chain_found || want.object.empty()) return;
    // The module lists the library by its own soname: the copy pathfinder
    // loaded serves only if it has that soname; else the loader searches for
    // it from the module (which has no RUNPATH).
    auto module = extension_module(fs_, env_, want.object);
    if (!module) return;
    auto obj = libs::load_object(fs_, *module);
    if (!obj) return;
    const std::string name = module->substr(module->rfind('/') + 1);
    const auto& loaded = loaded_.at(self->library);
    for (const auto& so : obj->elf.needed) {
      if (stem_of(so) != self->library || so == loaded.soname) continue;
      libs::Requester who;
      who.object = *obj;
      WantedLibrary w;
      w.role = want.role == LibraryRole::gpu ? LibraryRole::gpu : LibraryRole::later;
      w.soname = so;
      w.wanted_by = "DT_NEEDED of " + name;
      w.needed_by = *module;
      w.pathfinder = want.pathfinder;
      put(library_fact(fs_, env_, w, libs::resolve_library(fs_, so, who, ctx_), *module, ctx_,
                       process_),
          out);
    }
  }

 private:
  // One fact per soname; a library needed to register a GPU keeps that role.
  static void put(LibraryFact fact, std::vector<LibraryFact>& out) {
    auto have = std::find_if(out.begin(), out.end(),
                             [&](const LibraryFact& l) { return l.soname == fact.soname; });
    if (have == out.end()) {
      out.push_back(std::move(fact));
    } else if (fact.role == LibraryRole::gpu) {
      have->role = LibraryRole::gpu;
    }
  }

  // The name to report for a library pathfinder finds under none of its
  // sonames: the one the framework's module lists, else the one of the
  // framework's CUDA major (libnvrtc.so.12 for cupy-cuda12x), else its first.
  std::string soname_for(const knowledge::PathfinderLibrary& lib, const WantedLibrary& want) const {
    if (!want.object.empty() && want.pathfinder.back() == &lib) {
      if (auto module = extension_module(fs_, env_, want.object)) {
        if (auto obj = libs::load_object(fs_, *module)) {
          for (const auto& so : obj->elf.needed) {
            if (stem_of(so) == lib.library) return so;
          }
        }
      }
    }
    const std::string cuda = fw_.cuda_version.value_or("");  // split() views into it
    const std::string major(split(cuda, '.')[0]);
    for (const auto& so : lib.sonames) {
      if (!major.empty() && ends_with(so, ".so." + major)) return so;
    }
    return lib.sonames.empty() ? lib.library : lib.sonames.front();
  }

  const sys::FileSystem& fs_;
  const PythonEnv& env_;
  const FrameworkFacts& fw_;
  const libs::SearchContext& ctx_;
  const ProcessEnv& process_;
  PathfinderEnv penv_;
  std::map<std::string, libs::Resolution> loaded_;
};

}  // namespace

void resolve_libraries(const sys::FileSystem& fs, const PythonEnv& env, FrameworkFacts& fw,
                       const std::vector<WantedLibrary>& wanted_in, const libs::SearchContext& ctx,
                       const ProcessEnv& process) {
  if (wanted_in.empty()) return;

  // Libraries cuda-pathfinder loads (CuPy): its own search, not the loader's
  // from one object.
  PathfinderLoads pathfinder(fs, env, fw, ctx, process);
  for (const auto& w : wanted_in) {
    if (!w.pathfinder.empty()) pathfinder.add(w, fw.libraries);
  }

  libs::Requester who;
  auto requester = requester_of(fs, env, fw);
  if (requester) {
    if (auto obj = libs::load_object(fs, *requester))
      who.object = std::move(obj).value();
    else
      who.object.path = *requester;
  } else {
    // No shared object to read (a package without its binaries): the search
    // is what any process gets, without the framework's own DT_RUNPATH.
    who.object.path =
        fw.package_dir.empty() ? env.interpreter : fw.package_dir + "/(no CUDA loader found)";
  }

  // A DT_NEEDED row: the CUDA libraries the loading object itself lists.
  std::vector<WantedLibrary> wanted;
  for (const auto& w : wanted_in) {
    if (!w.pathfinder.empty()) continue;
    if (!w.stem.empty() && w.soname.empty()) {
      // Preloaded when present: absent, it is not wanted at all.
      auto so = preloaded_soname(fs, env, w.stem);
      if (!so) continue;
      if (std::any_of(wanted.begin(), wanted.end(),
                      [&](const WantedLibrary& x) { return x.soname == *so; }))
        continue;
      WantedLibrary n = w;
      n.soname = *so;
      n.wanted_by = "preloaded from the NVIDIA wheels when present";
      wanted.push_back(std::move(n));
      continue;
    }
    if (!w.from_needed) {
      if (std::none_of(wanted.begin(), wanted.end(),
                       [&](const WantedLibrary& x) { return x.soname == w.soname; })) {
        wanted.push_back(w);
      }
      continue;
    }
    for (const auto& [name, needed_soname] : needed_cuda_libraries(fs, who.object)) {
      // Named: clang 14 cannot capture a structured binding in a lambda (C++20 allows it).
      const std::string& so = needed_soname;
      auto have = std::find_if(wanted.begin(), wanted.end(),
                               [&](const WantedLibrary& x) { return x.soname == so; });
      if (have != wanted.end()) {
        // Listed by another row too: the object's own need decides its role.
        have->role = w.role;
        have->wanted_by = "DT_NEEDED of " + name;
        have->needed_by = dir_of(who.object.path) + "/" + name;
        continue;
      }
      WantedLibrary n = w;
      n.soname = so;
      n.wanted_by = "DT_NEEDED of " + name;
      n.needed_by = dir_of(who.object.path) + "/" + name;
      n.from_needed = false;
      wanted.push_back(std::move(n));
    }
  }

  // Every wanted library is asked for by the same object: one search plan.
  const auto plan = std::make_shared<const libs::SearchPlan>(libs::plan_search(who, ctx));
  for (const auto& want : wanted) {
    const auto& soname = want.soname;
    auto r = libs::resolve_library(fs, soname, who, ctx, plan);
    // A copy preloaded by path is in the process before the object's own
    // search runs: the loader matches it by soname, wherever the search
    // would have led.
    if (auto pre = want.preload ? preloaded_copy(fs, env, soname) : std::nullopt) {
      const std::string real = libs::real_path(fs, *pre);
      // The preloaded file is no "other copy" of itself.
      std::erase_if(r.copies, [&](const libs::Copy& c) { return c.real_path == real; });
      if (r.outcome == libs::Outcome::found && r.real_path != real) {
        libs::Copy lost;
        lost.path = r.path;
        lost.real_path = r.real_path;
        lost.status = libs::CopyStatus::shadowed;
        lost.reason = fmt::format("the framework preloads {} by path first", *pre);
        r.copies.insert(r.copies.begin(), lost);
      }
      r.outcome = libs::Outcome::found;
      r.path = *pre;
      r.real_path = real;
      r.found_by = fmt::format("preloaded by path from {}", dir_of(*pre));
      r.step = libs::SearchStep::path;
    }
    // Not found: the framework asks for the next name (JAX's cuPTI, the
    // unversioned libcupti.so), and takes whatever the loader finds for it.
    for (const auto& next : want.fallback) {
      if (r.outcome == libs::Outcome::found) break;
      auto alt = libs::resolve_library(fs, next, who, ctx, plan);
      if (alt.outcome != libs::Outcome::found) continue;
      alt.found_by =
          fmt::format("{} (asked for as {} after {} was not found)", alt.found_by, next, soname);
      r = std::move(alt);
    }
    fw.libraries.push_back(library_fact(fs, env, want, r, requester.value_or(""), ctx, process));
  }
  check_symbols(fs, fw);
}

}  // namespace ongpu::frameworks
