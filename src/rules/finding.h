// What the rules produce: findings with a stable id, the evidence (fact paths
// and values) and the fix, and one verdict for the machine.
#pragma once

#include <string>
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
const char* link_id(Link l);     // "kernel_module"
const char* link_title(Link l);  // "Kernel module"

struct Evidence {
  std::string path;   // fact path: "kernel_module.version"
  std::string value;  // as shown to the user
};

struct Finding {
  std::string id;  // from the catalog: "driver.version_mismatch"
  Severity severity = Severity::error;
  Link link = Link::hardware;
  std::string summary;  // one line, specific to this machine
  std::vector<Evidence> evidence;
  std::vector<std::string> fix;  // commands or steps, in order
  // "" for the machine; "<framework> in <interpreter>" for one framework in
  // one Python environment.
  std::string scope;
};

// Will this framework, in this Python environment, run on the GPU?
struct FrameworkVerdict {
  std::string interpreter;
  std::string python_version;
  Framework framework = Framework::tensorflow;
  std::string distribution;
  std::string version;
  bool gpu = false;
  bool unknown = false;    // its build could not be read: neither GPU nor CPU is known
  std::string root_cause;  // first error: the machine's, or this framework's
  std::string summary;
  std::string scope;                 // the scope of its own findings
  std::vector<std::string> details;  // build facts and CUDA libraries, one line each (-v)
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

struct Verdict {
  bool gpu_usable = false;
  VerdictStatus status = VerdictStatus::not_usable;
  int exit_code = 2;       // 0, 1, 2 (see docs/exit-codes in README)
  std::string root_cause;  // id of the first error in chain order, "" if none
  std::string summary;     // one sentence
};

}  // namespace ongpu
