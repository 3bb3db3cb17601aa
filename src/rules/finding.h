// What the rules produce: findings with a stable id, the specifics render/
// words them from (args) and the evidence (fact paths and values), and one
// verdict for the machine.
#pragma once

#include <concepts>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "facts/framework.h"
#include "util/enum_names.h"

namespace ongpu {

enum class Severity { info, warning, error };
const char* severity_name(Severity s);

// The links of the chain, in order. A finding belongs to one of them; the
// first error in chain order is the root cause.
// The last four are per framework (a Finding's scope names which); `live` is
// what `ongpu verify` saw the framework itself do.
enum class Link {
  hardware,
  kernel_module,
  device_nodes,
  userspace_driver,
  nvml,
  cuda,
  gpu_state,
  environment,
  framework,
  cuda_libraries,
  compatibility,
  live
};
inline constexpr Link kAllLinks[] = {
    Link::hardware, Link::kernel_module, Link::device_nodes, Link::userspace_driver,
    Link::nvml,     Link::cuda,          Link::gpu_state,    Link::environment};
inline constexpr Link kFrameworkLinks[] = {Link::framework, Link::cuda_libraries,
                                           Link::compatibility};
const char* link_id(Link l);  // "kernel_module"

struct Evidence {
  std::string path;   // fact path: "kernel_module.version"
  std::string value;  // as shown to the user
};

// The specifics of one finding, by name: what the rule read or chose (a
// path, a version, a GPU's index, the arguments of a command to run), never
// a sentence. render/finding_words.cc puts them into words: the summary and
// the fix are written there, per finding id.
class FindingArgs {
 public:
  FindingArgs& set(std::string_view name, std::string value);
  FindingArgs& set(std::string_view name, const char* value) {
    return set(name, std::string(value));
  }
  FindingArgs& set(std::string_view name, std::vector<std::string> values);  // a list
  template <std::integral N>
  requires(!std::same_as<N, bool>) FindingArgs& set(std::string_view name, N n) {
    return set(name, std::to_string(n));
  }
  FindingArgs& set(std::string_view name, double x);
  // A condition the wording depends on ("in_container"): set or not.
  FindingArgs& flag(std::string_view name, bool on = true);

  bool has(std::string_view name) const;
  // The value; a list's items joined by ", "; "" when not set.
  std::string get(std::string_view name) const;
  std::vector<std::string> list(std::string_view name) const;
  // A number set by set(name, n); 0 when not set.
  double number(std::string_view name) const;
  // Each value in place, for a pass that rewrites them all (ongpu report
  // --redact): f(std::string&).
  template <class F>
  void for_each_value(F&& f) {
    for (auto& entry : values_) {
      for (auto& value : entry.second) f(value);
    }
  }

 private:
  const std::vector<std::string>* find(std::string_view name) const;
  std::vector<std::pair<std::string, std::vector<std::string>>> values_;
};

struct Finding {
  std::string id;  // from the catalog: "driver.version_mismatch"
  Severity severity = Severity::error;
  Link link = Link::hardware;
  FindingArgs args;  // what render/ words into its summary and fix
  std::vector<Evidence> evidence;
  // "" for the machine; "<framework> in <interpreter>" for one framework in
  // one Python environment.
  std::string scope;
};

// Will this framework, in this Python environment, run on the GPU?
// render/verdict_words.h words it: its summary and its -v details.
struct FrameworkVerdict {
  std::string interpreter;
  std::string python_version;
  Framework framework = Framework::tensorflow;
  std::string distribution;
  std::string version;
  bool gpu = false;
  bool unknown = false;    // its build could not be read: neither GPU nor CPU is known
  std::string root_cause;  // first error: the machine's, or this framework's
  std::string scope;       // the scope of its own findings
  // Where its facts are: facts.python.environments[environment].frameworks[index].
  size_t environment = 0;
  size_t index = 0;
};

// ok: usable, nothing to report; warnings: usable, with warnings; not_usable:
// an error blocks the GPU; unchecked: the facts could not tell (no probe ran).
enum class VerdictStatus { ok, warnings, not_usable, unchecked };
template <>
struct EnumNames<VerdictStatus> {
  static constexpr auto last = VerdictStatus::unchecked;
  static constexpr std::array<std::string_view, 4> names{"ok", "warnings", "not_usable",
                                                         "unchecked"};
};

// render/verdict_words.h words it.
struct Verdict {
  bool gpu_usable = false;
  VerdictStatus status = VerdictStatus::not_usable;
  int exit_code = 2;       // 0, 1, 2 (see docs/exit-codes in README)
  std::string root_cause;  // id of the first error in chain order, "" if none
  int usable_gpus = 0;     // GPUs on which CUDA created a context
  // What the frameworks add to the machine's verdict (the doctor's report):
  bool no_framework_on_gpu = false;  // every framework known runs on the CPU
  int frameworks = 0;                // how many were checked
  int frameworks_on_gpu = -1;        // >= 0: some of them are not on the GPU
  int environments_unchecked = 0;    // Python environments that could not be checked
};

}  // namespace ongpu
