// The live checks of `ongpu verify`, shared with `ongpu report --verify`:
// which framework to import in which interpreter, and running each in the
// user's interpreter with a deadline (src/verify/).
#pragma once

#include <vector>

#include "facts/factset.h"
#include "verify/live.h"

namespace ongpu::cli {

struct LiveCheckOptions {
  std::vector<Framework> frameworks;  // only these; empty: every framework the doctor found
  int size = 0;                       // matrix size; 0: the probe's default
  double timeout_s = 120;             // the deadline of each framework's check
};

// Which framework to check in which interpreter: every framework the doctor
// found, or those named; a named framework found nowhere is still tried in
// the first interpreter, so that its import error is shown.
std::vector<verify::LiveRequest> plan_live_checks(const FactSet& facts, const LiveCheckOptions& o);

// Runs them one at a time (the timings must not compete for the CPU), with
// a progress line on stderr when it is a terminal.
std::vector<verify::LiveRun> run_live_checks(const std::vector<verify::LiveRequest>& requests,
                                             double timeout_s);

}  // namespace ongpu::cli
