#include "python/environments.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "python/metadata.h"
#include "util/strings.h"

namespace ongpu::python {
namespace {

// Distributions whose Requires-Dist ongpu reads (frameworks and their plugins).
bool keeps_requirements(const std::string& name) {
  for (const char* prefix : {"tensorflow", "tf-nightly", "torch", "jax", "cupy", "onnxruntime"}) {
    if (starts_with(name, prefix)) return true;
  }
  return false;
}

// The header of a core-metadata file (what parse_core_metadata reads): the
// first 16 KiB hold it in every distribution seen; a longer header is read
// on, up to 256 KiB. The description after it is not read.
Result<std::string> read_metadata_header(const sys::FileSystem& fs, const std::string& path) {
  constexpr size_t kFirst = 16 * 1024, kMost = 256 * 1024;
  auto text = fs.read_file(path, kFirst);
  if (!text || text->size() < kFirst || text->find("\n\n") != std::string::npos ||
      text->find("\n\r\n") != std::string::npos) {
    return text;
  }
  return fs.read_file(path, kMost);
}

}  // namespace

bool only_ongpu(const PythonEnv& e) {
  static const std::set<std::string> kTools = {"ongpu", "pip", "setuptools", "wheel"};
  auto is = [](const char* name) {
    return [name](const Distribution& d) { return d.name == name; };
  };
  // An interpreter that did not answer is a finding, never dropped.
  return e.probe.status == ProbeStatus::ok && e.frameworks.empty() &&
         std::any_of(e.distributions.begin(), e.distributions.end(), is("ongpu")) &&
         std::all_of(e.distributions.begin(), e.distributions.end(),
                     [](const Distribution& d) { return kTools.count(d.name) > 0; });
}

std::vector<Candidate> find_interpreters(const std::map<std::string, std::string>& env,
                                         const std::vector<std::string>& explicit_paths,
                                         const std::string& ongpu_path) {
  std::vector<Candidate> out;
  std::set<std::string> seen;
  // python and python3 in one bin directory that resolve to one binary are one
  // environment (its pyvenv.cfg sits beside them): ask only once.
  auto add = [&](const std::string& path, const std::string& source) {
    if (path.empty()) return;
    char real[PATH_MAX];
    std::string resolved = ::realpath(path.c_str(), real) ? real : path;
    std::string key = path.substr(0, path.rfind('/') + 1) + "|" + resolved;
    if (!seen.insert(key).second) return;
    out.push_back({path, source});
  };
  for (const auto& p : explicit_paths) add(p, "--python");
  auto get = [&](const char* k) {
    auto it = env.find(k);
    return it == env.end() ? std::string() : it->second;
  };
  if (auto v = get("VIRTUAL_ENV"); !v.empty()) {
    add(sys::find_in_path("python", v + "/bin"), "VIRTUAL_ENV");
  }
  if (auto c = get("CONDA_PREFIX"); !c.empty()) {
    add(sys::find_in_path("python", c + "/bin"), "CONDA_PREFIX");
  }
  const std::string path = get("PATH");
  add(sys::find_in_path("python3", path), "PATH");
  add(sys::find_in_path("python", path), "PATH");
  // Last: a venv already found (activated, or on PATH) keeps its source.
  const std::string own = std::filesystem::path(ongpu_path).lexically_normal().string();
  if (auto slash = own.rfind('/'); slash != std::string::npos && slash > 0) {
    const std::string bin = own.substr(0, slash);
    const std::string prefix = bin.substr(0, bin.rfind('/') + 1);
    struct stat st {};
    const bool is_env = ::stat((prefix + "pyvenv.cfg").c_str(), &st) == 0 ||
                        ::stat((prefix + "conda-meta").c_str(), &st) == 0;
    if (is_env) add(sys::find_in_path("python", bin), kBesideOngpu);
  }
  return out;
}

sys::ChildSpec query_spec(const Candidate& c) {
  return {{c.path, "-I", "-S", "-c", std::string(query_source())}, {}};
}

PythonEnv parse_query(const Candidate& c, const sys::ChildOutcome& o) {
  PythonEnv e;
  e.interpreter = c.path;
  e.source = c.source;
  e.probe.duration_ms = o.duration_ms;
  e.probe.deadline_ms = o.deadline_ms;
  e.probe.exit_code = o.exit_code;
  e.probe.signal = o.signal;
  e.probe.stderr_tail =
      sanitize_text(o.err.size() > 2000 ? o.err.substr(o.err.size() - 2000) : o.err);
  using Kind = sys::ChildOutcome::Kind;
  // The answer: "key=value" lines; "site=" repeats, in import order.
  std::map<std::string, std::string> fields;
  std::vector<std::string> sites;
  for (auto line : split(o.out, '\n')) {
    auto eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    std::string key(line.substr(0, eq));
    std::string value(line.substr(eq + 1));
    if (ends_with(key, ":hex")) {
      key.resize(key.size() - 4);
      auto bytes = from_hex(value);
      if (!bytes) continue;
      value = std::move(*bytes);
    }
    // Paths stay byte for byte (they are opened); the rest is shown.
    const bool path =
        key == "site" || key == "executable" || key == "prefix" || key == "base_prefix";
    if (!path) value = sanitize_text(value);
    if (key == "site")
      sites.push_back(value);
    else
      fields.emplace(key, value);
  }
  if (o.kind == Kind::spawn_failed) {
    e.probe.status = ProbeStatus::spawn_failed;
    e.probe.stderr_tail = o.spawn_error;
    e.probe.spawn_errno = o.spawn_errno;
  } else if (o.kind == Kind::timed_out) {
    e.probe.status = ProbeStatus::timed_out;
  } else if (o.kind == Kind::signaled) {
    e.probe.status = ProbeStatus::crashed;
  } else if (o.exit_code != 0) {
    e.probe.status = ProbeStatus::exited;
  } else if (!fields.count("version") || !fields.count("prefix")) {
    e.probe.status = ProbeStatus::garbage;
  } else {
    e.probe.status = ProbeStatus::ok;
  }
  auto str = [&](const char* key) -> Fact<std::string> {
    if (e.probe.status != ProbeStatus::ok)
      return Fact<std::string>::missing("the interpreter did not answer (" +
                                        enum_string(e.probe.status) + ")");
    auto it = fields.find(key);
    if (it == fields.end())
      return Fact<std::string>::missing(std::string("the interpreter gave no ") + key);
    return it->second;
  };
  e.executable = str("executable");
  e.version = str("version");
  e.implementation = str("implementation");
  e.prefix = str("prefix");
  e.base_prefix = str("base_prefix");
  e.platform = str("platform");
  e.machine = str("machine");
  if (e.probe.status == ProbeStatus::ok) e.site_packages = sites;
  return e;
}

std::vector<Distribution> scan_distributions(const sys::FileSystem& fs,
                                             const std::vector<std::string>& site_dirs) {
  std::vector<Distribution> out;
  std::set<std::string> seen_dirs;  // an interpreter may list one directory many times
  for (const auto& dir : site_dirs) {
    if (!seen_dirs.insert(dir).second) continue;
    auto names = fs.list_dir(dir);
    if (!names) continue;
    for (const auto& n : *names) {
      if (out.size() >= kMaxDistributions) return out;
      const bool dist_info = ends_with(n, ".dist-info");
      const bool egg_info = ends_with(n, ".egg-info");
      if (!dist_info && !egg_info) continue;
      const std::string meta_dir = dir + "/" + n;
      auto text = read_metadata_header(fs, meta_dir + (dist_info ? "/METADATA" : "/PKG-INFO"));
      if (!text && egg_info)
        text = read_metadata_header(fs, meta_dir);  // an egg-info file, not a directory
      CoreMetadata meta;
      std::string unreadable;
      if (text) {
        meta = parse_core_metadata(*text);
      } else {
        // Not readable: the directory's name still says what it is
        // (<name>-<version>.dist-info, the name escaped with "_"), and that it
        // is there at all must not vanish from the report.
        unreadable = text.error();
        const std::string stem = n.substr(0, n.size() - (dist_info ? 10 : 9));
        const auto dash = stem.find('-');
        meta.name = stem.substr(0, dash);
        meta.version = dash == std::string::npos ? "" : stem.substr(dash + 1);
      }
      if (meta.name.empty()) continue;
      Distribution d;
      d.name = normalize_name(meta.name);
      d.version = meta.version;
      d.unreadable = unreadable;
      d.location = dir;
      d.metadata_dir = n;
      if (auto inst = fs.read_file(meta_dir + "/INSTALLER", 256))
        d.installer = sanitize_text(trim(*inst));
      if (keeps_requirements(d.name)) d.requires_dist = meta.requires_dist;
      out.push_back(std::move(d));
    }
  }
  return out;
}

std::vector<std::string> predict_site_packages(const sys::FileSystem& fs,
                                               const std::string& interpreter) {
  auto slash = interpreter.rfind('/');
  if (slash == std::string::npos || slash == 0) return {};
  const std::string bin = interpreter.substr(0, slash);
  auto up = bin.rfind('/');
  if (up == std::string::npos) return {};
  const std::string prefix = bin.substr(0, up);
  auto cfg = fs.read_file(prefix + "/pyvenv.cfg", 16 * 1024);
  if (!cfg) return {};
  for (auto line : split(*cfg, '\n')) {
    auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    if (to_lower(trim(line.substr(0, eq))) == "include-system-site-packages" &&
        to_lower(trim(line.substr(eq + 1))) != "false") {
      return {};  // the base's directories come too: leave it to the interpreter
    }
  }
  auto libs = fs.list_dir(prefix + "/lib");
  if (!libs) return {};
  std::vector<std::string> sites;
  for (const auto& n : *libs) {
    std::string site = prefix + "/lib/" + n + "/site-packages";
    if (starts_with(n, "python3.") && fs.exists(site)) sites.push_back(site);
  }
  if (sites.size() != 1) return {};
  return sites;
}

std::vector<PythonEnv> deduplicate(std::vector<PythonEnv> envs) {
  std::vector<PythonEnv> out;
  std::set<std::string> seen;
  for (auto& e : envs) {
    // Same prefix and same site directories: the same environment.
    std::string key = e.prefix ? *e.prefix : "?" + e.interpreter;
    for (const auto& s : e.site_packages) key += "|" + s;
    if (!seen.insert(key).second) continue;
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace ongpu::python
