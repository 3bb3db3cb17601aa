// The words of `ongpu verify`'s verdicts: each framework's line, its root
// cause, and the overall sentence, written from the typed live verdicts.
#pragma once

#include <string>

#include "verify/verify_rules.h"

namespace ongpu {

// Where the multiplication ran and how fast; for a run that failed, its
// first error's summary.
std::string live_summary(const verify::LiveVerdict& v);
// The words of its root cause (the doctor's prediction, or the cause
// finding's summary); "" when it has none.
std::string live_cause_summary(const verify::LiveVerdict& v, const Report& doctor);
// The verdict over every framework checked: one sentence, no final period.
std::string verify_summary(const verify::VerifyReport& r);

namespace wording {
// A measured time: "2.00 ms", "120 ms".
std::string milliseconds(double ms);
}  // namespace wording

}  // namespace ongpu
