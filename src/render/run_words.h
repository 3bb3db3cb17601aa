// The words of `ongpu run`: the one summary line it prints on stderr when the
// command ends, the root cause and fix after it, and what could not be
// observed; and the same as JSON (docs/schema/run-1.schema.json).
#pragma once

#include <string>

#include "facts/json.h"
#include "render/render.h"
#include "run/run_report.h"

namespace ongpu {

// "python train.py used GPU 0 (NVIDIA H100 80GB HBM3) for 11m52s of 12m07s,
// peak 31.2 GiB, busy 87 %", or "... did not use a GPU: ...". No newline.
std::string run_summary(const run::RunReport& r);
// The summary, then the root cause and its fix, what could not be observed,
// and (verbose) each process with its GPUs and libraries.
std::string render_run_text(const run::RunReport& r, const TextStyle& style);
json render_run_json(const run::RunReport& r);
// One observation gap in words.
std::string gap_words(const run::ObservationGap& g);

namespace wording {
// "4.2s", "11m52s", "2h03m10s".
std::string duration(double seconds);
// "31.2 GiB", "512 MiB".
std::string bytes(unsigned long long n);
// The command as a shell would show it, at most `max` characters.
std::string command_line(const std::vector<std::string>& argv, size_t max = 60);
}  // namespace wording

inline constexpr int kRunSchemaVersion = 1;

}  // namespace ongpu
