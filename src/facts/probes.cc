// Runs the vendor probes in child processes and turns their outcome — a
// result, an error, a crash, a hang, or garbage — into facts.
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

#include "facts/collect.h"
#include "facts/json.h"
#include "frameworks/detect.h"
#include "frameworks/libraries.h"
#include "knowledge/knowledge.h"
#include "libs/search_path.h"
#include "probe/protocol.h"
#include "python/environments.h"
#include "sys/cached_fs.h"
#include "sys/process.h"

namespace ongpu {
namespace {

template <class T>
T from_probe(const probe::ParsedProbe& parsed, const std::string& path) {
  T facts{};
  std::string why;
  if (parsed.has_result) {
    auto r = from_json_value<T>(parsed.result, parsed.unavailable, path);
    if (r) {
      facts = std::move(r).value();
      facts.probe = parsed.run;
      return facts;
    }
    why = "the probe's answer did not match the expected form: " + r.error();
  }
  ProbeRun run = parsed.run;
  if (parsed.has_result) run.status = ProbeStatus::garbage;
  if (why.empty()) {
    if (run.status == ProbeStatus::timed_out)
      why = fmt::format("the probe did not finish in time (last call: {})", run.last_stage);
    else if (run.status == ProbeStatus::crashed)
      why = fmt::format("the probe crashed with signal {} in {}", run.signal, run.last_stage);
    else
      why = fmt::format("the probe ended without an answer ({})", run.status);
  }
  facts.probe = run;
  facts.init = Fact<ApiResult>::missing(why);
  facts.library.path = facts.library.real_path = facts.library.version =
      facts.library.ld_library_path_entry = Fact<std::string>::missing(why);
  return facts;
}

template <class T>
void fill_missing_counts(T& facts);

template <>
void fill_missing_counts(NvmlFacts& f) {
  if (f.probe.status != ProbeStatus::ok) {
    f.driver_version = Fact<std::string>::missing(f.init.reason);
    f.cuda_driver_version = Fact<int>::missing(f.init.reason);
    f.device_count = Fact<uint32_t>::missing(f.init.reason);
  }
}

template <>
void fill_missing_counts(CudaFacts& f) {
  if (f.probe.status != ProbeStatus::ok) {
    f.driver_version = Fact<int>::missing(f.init.reason);
    f.device_count = Fact<int>::missing(f.init.reason);
  }
}

// Loads every resolved CUDA library in one child process and asks each for its
// own version (probe/libversion_probe.cc).
void ask_library_versions(FactSet& f, std::chrono::milliseconds deadline) {
  std::vector<std::string> paths;
  for (auto& e : f.python.environments) {
    for (auto& fw : e.frameworks) {
      for (auto& l : fw.libraries) {
        if (l.real_path && std::find(paths.begin(), paths.end(), *l.real_path) == paths.end())
          paths.push_back(*l.real_path);
      }
    }
  }
  if (paths.empty()) return;
  std::vector<std::string> argv = {sys::self_executable(), "__probe", "libversion"};
  argv.insert(argv.end(), paths.begin(), paths.end());
  auto outcome = sys::run_children({{argv, {}}}, deadline);
  auto parsed = probe::parse_probe_output(outcome[0]);
  std::map<std::string, json> answers;
  if (parsed.has_result) {
    if (auto it = parsed.result.find("libraries"); it != parsed.result.end() && it->is_array()) {
      for (const auto& a : *it) {
        if (a.is_object() && a.contains("path") && a["path"].is_string())
          answers[a["path"].get<std::string>()] = a;
      }
    }
  }
  for (auto& e : f.python.environments) {
    for (auto& fw : e.frameworks) {
      for (auto& l : fw.libraries) {
        if (!l.real_path) continue;
        auto it = answers.find(*l.real_path);
        if (it == answers.end()) {
          l.reported_version = Fact<std::string>::missing(
              fmt::format("the version probe ended without an answer ({}{})", parsed.run.status,
                          parsed.run.last_stage.empty() ? "" : ", in " + parsed.run.last_stage));
        } else if (it->second.contains("version") && it->second["version"].is_string()) {
          l.reported_version = it->second["version"].get<std::string>();
        } else {
          l.reported_version =
              Fact<std::string>::missing(it->second.value("error", std::string("no answer")));
        }
      }
    }
  }
}

// An environment's distributions, frameworks and their CUDA libraries.
void analyse(const sys::FileSystem& fs, PythonEnv& e,
             const std::optional<std::string>& ld_library_path,
             const frameworks::ProcessEnv& process, const knowledge::Knowledge* k,
             std::optional<libs::SearchContext>& loader) {
  e.distributions = python::scan_distributions(fs, e.site_packages);
  e.frameworks = frameworks::detect(fs, e);
  for (auto& fw : e.frameworks) {
    auto wanted = frameworks::wanted_libraries(fw, k);
    if (wanted.empty()) continue;
    if (!loader) loader = frameworks::search_context(fs, ld_library_path);  // built on first need
    frameworks::resolve_libraries(fs, e, fw, wanted, *loader, process);
  }
}

struct Speculation {
  bool used = false;
  PythonEnv env;
  std::optional<libs::SearchContext> loader;
};

}  // namespace

ProbeFacts collect_probes(const std::string& self_exe, const EnvFacts& env,
                          const std::vector<std::pair<std::string, std::string>>& interpreters,
                          std::chrono::milliseconds deadline,
                          const std::function<void()>& meanwhile,
                          const std::map<std::string, std::string>& answers) {
  std::vector<sys::ChildSpec> specs;
  // The interpreters start first: a Python start-up is the longest of these
  // children, and the others run while it does. One that answered already
  // (--python-answer) is not started; its slot stays, holding the answer.
  std::vector<size_t> slot(interpreters.size(), SIZE_MAX);
  for (size_t i = 0; i < interpreters.size(); ++i) {
    if (answers.count(interpreters[i].first)) continue;
    slot[i] = specs.size();
    specs.push_back(python::query_spec({interpreters[i].first, interpreters[i].second}));
  }
  const size_t first_probe = specs.size();
  specs.push_back({{self_exe, "__probe", "nvml"}, {}});
  specs.push_back({{self_exe, "__probe", "cuda"}, {}});
  const bool want_all = env.cuda_visible_devices.has_value();
  if (want_all) {
    // CUDA's own numbering of every GPU, to map CUDA_VISIBLE_DEVICES onto.
    specs.push_back(
        {{self_exe, "__probe", "cuda-enumerate"}, {{"CUDA_VISIBLE_DEVICES", std::nullopt}}});
  }
  auto outcomes = sys::run_children(specs, deadline, 1 << 20, {}, meanwhile);

  for (auto& o : outcomes) o.deadline_ms = static_cast<double>(deadline.count());
  ProbeFacts out;
  out.nvml = from_probe<NvmlFacts>(probe::parse_probe_output(outcomes[first_probe]), "nvml");
  fill_missing_counts(out.nvml);
  out.cuda = from_probe<CudaFacts>(probe::parse_probe_output(outcomes[first_probe + 1]), "cuda");
  fill_missing_counts(out.cuda);
  if (want_all) {
    out.cuda_all =
        from_probe<CudaFacts>(probe::parse_probe_output(outcomes[first_probe + 2]), "cuda");
    fill_missing_counts(out.cuda_all);
  } else {
    out.cuda_all.probe.status = ProbeStatus::not_run;
    out.cuda_all.init =
        Fact<ApiResult>::missing("CUDA_VISIBLE_DEVICES is unset: same as the cuda probe");
    out.cuda_all.library.path = out.cuda_all.library.real_path = out.cuda_all.library.version =
        out.cuda_all.library.ld_library_path_entry = Fact<std::string>::missing("not run");
    out.cuda_all.driver_version = Fact<int>::missing("not run");
    out.cuda_all.device_count = Fact<int>::missing("not run");
  }
  for (size_t i = 0; i < interpreters.size(); ++i) {
    sys::ChildOutcome given;
    if (slot[i] == SIZE_MAX) {
      given.kind = sys::ChildOutcome::Kind::exited;
      given.out = answers.at(interpreters[i].first);
      given.deadline_ms = static_cast<double>(deadline.count());
    }
    out.python.push_back(python::parse_query({interpreters[i].first, interpreters[i].second},
                                             slot[i] == SIZE_MAX ? given : outcomes[slot[i]]));
  }
  return out;
}

FactSet collect_all(const CollectOptions& options) {
  auto fs = sys::make_file_system(options.root);
  FactSet f;
  f.ongpu_version = ONGPU_VERSION;
  const auto environment = current_environment();
  f.env = collect_env(environment);
  std::vector<std::pair<std::string, std::string>> interpreters;
  if (options.discover_python || !options.python.empty()) {
    auto found = python::find_interpreters(
        options.discover_python ? environment : std::map<std::string, std::string>{},
        options.python, options.discover_python ? sys::invoked_path() : "");
    for (auto& c : found) interpreters.emplace_back(c.path, c.source);
  }
  // The file-system collectors take well under a millisecond; the probes,
  // which start a process each, dominate the wall time (docs/PERFORMANCE.md).
  // The bus before the probes: which driver each GPU is bound to, before a
  // CUDA call can load the module.
  f.pci = collect_pci(*fs);
  if (!options.run_probes) {
    f.host = collect_host(*fs);
  } else {
    // The interpreters ran on this machine, so their site-packages are read
    // from it too, whatever --root says about /proc, /sys and /dev.
    auto real = sys::make_file_system("/");
    sys::CachedFileSystem live(*real);
    const std::optional<std::string> ld_library_path = f.env.ld_library_path;
    frameworks::ProcessEnv process;
    if (auto it = environment.find("CONDA_PREFIX"); it != environment.end())
      process.conda_prefix = it->second;
    // cuda-pathfinder's last resort: $CUDA_PATH, else $CUDA_HOME (set and not empty).
    for (const char* var : {"CUDA_PATH", "CUDA_HOME"}) {
      auto it = environment.find(var);
      if (it != environment.end() && !it->second.empty()) {
        process.cuda_path = it->second;
        break;
      }
    }
    // The tables: the caller's (loaded once per run), else the embedded ones.
    // A --knowledge directory that fails to load is reported by the command.
    std::optional<knowledge::LoadOnce> own_tables;
    const knowledge::LoadOnce& run_tables =
        options.knowledge ? *options.knowledge : own_tables.emplace();
    auto tables = [&run_tables]() -> const knowledge::Knowledge* {
      const auto& loaded = run_tables.get();
      return loaded ? &loaded.value() : nullptr;
    };
    // While the children run: read the environment the first interpreter
    // most likely has (a virtualenv's own site-packages), kept only if its
    // answer agrees, and the host (docs/PERFORMANCE.md).
    Speculation sp;
    auto meanwhile = [&] {
      if (!interpreters.empty()) {
        sp.env.interpreter = interpreters.front().first;
        sp.env.site_packages = python::predict_site_packages(live, sp.env.interpreter);
        if (!sp.env.site_packages.empty()) {
          analyse(live, sp.env, ld_library_path, process, tables(), sp.loader);
          sp.used = true;
        }
      }
      f.host = collect_host(*fs);
    };
    auto p = collect_probes(sys::self_executable(), f.env, interpreters, options.deadline,
                            meanwhile, options.python_answers);
    f.nvml = std::move(p.nvml);
    f.cuda = std::move(p.cuda);
    f.cuda_all = std::move(p.cuda_all);
    f.python.environments = python::deduplicate(std::move(p.python));
    std::optional<libs::SearchContext> loader = std::move(sp.loader);
    for (auto& e : f.python.environments) {
      if (sp.used && e.interpreter == sp.env.interpreter &&
          e.site_packages == sp.env.site_packages) {
        e.distributions = std::move(sp.env.distributions);
        e.frameworks = std::move(sp.env.frameworks);
        continue;
      }
      analyse(live, e, ld_library_path, process, tables(), loader);
    }
    auto& envs = f.python.environments;
    envs.erase(std::remove_if(envs.begin(), envs.end(),
                              [](const PythonEnv& e) {
                                return e.source == python::kBesideOngpu && python::only_ongpu(e);
                              }),
               envs.end());
    if (options.library_versions) ask_library_versions(f, options.deadline);
  }
  // After the probes: cuInit loads nvidia_uvm and creates /dev/nvidia-uvm on
  // demand (through nvidia-modprobe), so the first run after boot would
  // otherwise report what the probe itself just fixed.
  f.kernel_module = collect_kernel_module(*fs);
  f.device_nodes = collect_device_nodes(*fs);
  return f;
}

}  // namespace ongpu
