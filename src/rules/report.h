// The finished report: facts, findings, verdict, and the state of each link
// of the chain. Renderers word it (render/).
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

// What was found on each link is worded from the facts by render/links.cc.
struct LinkStatus {
  Link link;
  LinkState status = LinkState::ok;
};

struct Report {
  FactSet facts;
  std::vector<Finding> findings;
  Verdict machine;  // the driver stack's own verdict (rules.cc: decide)
  Verdict verdict;  // the machine's, with the frameworks'
  std::vector<LinkStatus> links;
  std::vector<FrameworkVerdict> frameworks;  // one per framework per Python environment
};

namespace knowledge {
class Knowledge;
}

// `k`: the compatibility tables the framework rules consult.
Report build_report(FactSet facts, const knowledge::Knowledge& k);

}  // namespace ongpu
