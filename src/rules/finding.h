// What the rules produce: findings with a stable id, the evidence (fact paths
// and values) and the fix, and one verdict for the machine.
#pragma once

#include <string>
#include <vector>

namespace ongpu {

enum class Severity { info, warning, error };
const char* severity_name(Severity s);

// The links of the chain, in order. A finding belongs to one of them; the
// first error in chain order is the root cause.
enum class Link { hardware, kernel_module, device_nodes, userspace_driver, nvml, cuda, gpu_state, environment };
inline constexpr Link kAllLinks[] = {Link::hardware,    Link::kernel_module, Link::device_nodes,
                                     Link::userspace_driver, Link::nvml,   Link::cuda,
                                     Link::gpu_state,   Link::environment};
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
};

struct Verdict {
  bool gpu_usable = false;
  std::string status;      // "ok", "warnings", "not_usable"
  int exit_code = 2;       // 0, 1, 2 (see docs/exit-codes in README)
  std::string root_cause;  // id of the first error in chain order, "" if none
  std::string summary;     // one sentence
};

}  // namespace ongpu
