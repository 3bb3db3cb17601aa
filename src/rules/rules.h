// Rules: pure functions from a FactSet to findings. They never touch the
// system, so they run the same on live facts and on a saved snapshot.
#pragma once

#include <vector>

#include "facts/factset.h"
#include "rules/finding.h"

namespace ongpu {

// One rule family per link of the chain (rules/*_rules.cc).
void driver_stack_rules(const FactSet& f,
                        std::vector<Finding>& out);             // PCI, module, nodes, libraries
void probe_rules(const FactSet& f, std::vector<Finding>& out);  // NVML, CUDA
void gpu_state_rules(const FactSet& f, std::vector<Finding>& out);
void environment_rules(const FactSet& f, std::vector<Finding>& out);

// Every rule, findings sorted by chain order (stable within a link).
std::vector<Finding> evaluate(const FactSet& facts);

Verdict decide(const FactSet& facts, const std::vector<Finding>& findings);

}  // namespace ongpu
