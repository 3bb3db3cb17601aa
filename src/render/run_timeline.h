// `ongpu run --timeline FILE.svg`: a picture of a watched command, one panel
// per GPU it used (its memory and the GPU's utilisation over time), with the
// command's start and end and the framework messages recognised on its
// stderr marked. Written from a finished run::RunReport; computes nothing
// the report does not hold.
#pragma once

#include <string>

#include "run/run_report.h"

namespace ongpu {

// A standalone SVG 1.1 document (UTF-8, no scripts, no external references).
// Every text from the command or its messages is sanitised (invalid UTF-8 and
// control characters replaced) and XML-escaped; every number is finite.
std::string render_run_timeline_svg(const run::RunReport& report);

}  // namespace ongpu
