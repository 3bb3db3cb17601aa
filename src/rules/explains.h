// "X explains Y": a finding that is the cause of another one, and the
// condition under which it is. The root cause a user reads is the finding
// that explains the others, not the first symptom in chain order: an
// Exclusive_Process GPU in use (gpu_state) explains the context that could
// not be created (cuda), although the cuda link comes first. Where no
// relation is known, chain order decides. docs/findings.md lists the pairs.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "facts/factset.h"
#include "rules/finding.h"

namespace ongpu {

struct Explanation {
  std::string_view explainer;               // finding id: the cause
  std::string_view explained;               // finding id: the symptom
  std::string_view when;                    // the condition, in words ("" = whenever both fire)
  bool (*holds)(const FactSet&) = nullptr;  // nullptr: whenever both fire
  std::string_view source;                  // why it is so (vendor documentation)
};

std::span<const Explanation> explanations();

// The root cause among the errors of `findings` (one scope): the first error
// in their order, then, for as long as another finding present explains the
// current one, that finding. nullptr when there is no error.
const Finding* root_cause_of(const FactSet& facts, std::span<const Finding> findings);

// The finding among `findings` that explains `symptom`, following the
// relation as far as it goes; `symptom` itself when none does. (verify: the
// live symptom, with the doctor's findings as the candidates.)
const Finding* cause_of(const FactSet& facts, const Finding& symptom,
                        std::span<const Finding> findings);

}  // namespace ongpu
