// The words of the verdicts: the machine's, each framework's, and the
// doctor's overall one, written from the typed verdicts and the findings
// (their root cause's words).
#pragma once

#include <string>
#include <vector>

#include "rules/finding.h"
#include "rules/report.h"

namespace ongpu {

// The framework's name as users write it: torch -> "PyTorch".
std::string framework_name(Framework framework);

// The driver stack's verdict: "CUDA can use 2 GPUs here", or "CUDA cannot use
// a GPU here: <its root cause's summary>".
std::string machine_summary(const Verdict& v, const std::vector<Finding>& findings);
// The doctor's verdict, the frameworks included.
std::string verdict_summary(const Report& r);
// One framework's: "PyTorch 2.9.1 can use the GPU", or its root cause's
// summary (its own finding's, or the machine's verdict).
std::string framework_summary(const FrameworkVerdict& v, const Report& r);
// The finding that keeps it off the GPU: the machine's root cause when CUDA
// cannot use a GPU, else its own first error (its build_unknown when its
// build is unknown); nullptr on the GPU, or when there is none.
const Finding* framework_root_finding(const FrameworkVerdict& v, const Report& r);
// Its build facts and CUDA libraries, one line each (doctor -v).
std::vector<std::string> framework_details(const FrameworkVerdict& v, const Report& r);

}  // namespace ongpu
