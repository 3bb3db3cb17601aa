// Per-framework rules and verdicts (rules/framework_rules.cc).
#pragma once

#include <vector>

#include "facts/factset.h"
#include "knowledge/knowledge.h"
#include "rules/finding.h"

namespace ongpu {

// Adds each framework's findings (with their scope) to `out` and returns one
// verdict per framework per Python environment.
std::vector<FrameworkVerdict> framework_rules(const FactSet& f, const Verdict& machine,
                                              const knowledge::Knowledge& k,
                                              std::vector<Finding>& out);

}  // namespace ongpu
