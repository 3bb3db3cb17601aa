// The finished report: facts, findings, verdict, and a one-line status for
// each link of the chain. Renderers only format this.
#pragma once

#include <string>
#include <vector>

#include "facts/factset.h"
#include "rules/finding.h"

namespace ongpu {

// A link's mark: its worst finding, or skipped when an earlier error means it
// could not be checked.
enum class LinkState { ok, warning, error, skipped };
template <>
struct EnumNames<LinkState> {
  static constexpr auto last = LinkState::skipped;
  static constexpr std::array<std::string_view, 4> names{"ok", "warning", "error", "skipped"};
};

struct LinkStatus {
  Link link;
  LinkState status = LinkState::ok;
  std::string headline;              // what was found, one line
  std::vector<std::string> details;  // shown with -v
};

struct Report {
  FactSet facts;
  std::vector<Finding> findings;
  Verdict verdict;
  std::vector<LinkStatus> links;
  std::vector<FrameworkVerdict> frameworks;  // one per framework per Python environment
};

namespace knowledge {
class Knowledge;
}

// `k`: the compatibility tables the framework rules consult.
Report build_report(FactSet facts, const knowledge::Knowledge& k);

}  // namespace ongpu
