// The Python environments a user means: the active virtualenv or conda env,
// python3 and python on PATH, and any named with --python. Each interpreter
// reports itself in a short child process (isolated mode, no site import, so
// nothing beyond the standard library runs); its distributions are then read
// from site-packages without importing them.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "facts/factset.h"
#include "sys/fs.h"
#include "sys/process.h"

namespace ongpu::python {

struct Candidate {
  std::string path;
  std::string source;
};

// In order: explicit (--python), $VIRTUAL_ENV/bin/python,
// $CONDA_PREFIX/bin/python, python3 then python on $PATH, then the python
// of the virtualenv or conda env that ongpu itself is installed in
// (`ongpu_path` is how ongpu was started: a pip-installed ongpu called by
// its full path, the venv neither activated nor on PATH, checks its own
// venv). The same environment is listed once, with its first source.
std::vector<Candidate> find_interpreters(const std::map<std::string, std::string>& env,
                                         const std::vector<std::string>& explicit_paths,
                                         const std::string& ongpu_path = "");

// The source of the interpreter found beside ongpu.
inline constexpr const char* kBesideOngpu = "beside ongpu";

// Whether an environment answered and holds nothing but ongpu and pip's own
// tools (pipx's and uvx's environments for ongpu): found beside ongpu, it is
// not worth a report.
bool only_ongpu(const PythonEnv& e);

// What an interpreter runs to answer about itself: python/ongpu/_query.py,
// embedded at build time (the Python API runs the same file in process).
std::string_view query_source();
// The child that asks an interpreter about itself: `python -I -S -c <query_source()>`.
sys::ChildSpec query_spec(const Candidate& c);

// Fills an environment from the child's outcome (not its distributions).
PythonEnv parse_query(const Candidate& c, const sys::ChildOutcome& outcome);

// At most this many distributions are read per environment (a large one has
// a few thousand): a directory listed over and over, or a hostile one, stays bounded.
inline constexpr size_t kMaxDistributions = 20000;

// Every *.dist-info / *.egg-info in the site directories; the first directory
// in import order wins when a distribution is installed twice (the later copy
// is kept too, so conflicts can be reported).
std::vector<Distribution> scan_distributions(const sys::FileSystem& fs,
                                             const std::vector<std::string>& site_dirs);

// The site-packages a virtualenv interpreter will report, predicted from its
// layout (pyvenv.cfg beside its bin directory, one lib/python3.N): empty when
// it cannot be predicted, e.g. a venv that includes the system packages.
std::vector<std::string> predict_site_packages(const sys::FileSystem& fs,
                                               const std::string& interpreter);

// Two candidates that turned out to be the same environment (python and
// python3 of one venv) are merged: the first is kept.
std::vector<PythonEnv> deduplicate(std::vector<PythonEnv> envs);

}  // namespace ongpu::python
