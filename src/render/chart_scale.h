// Axis arithmetic for ongpu's charts: tick steps a reader finds natural and
// the time labels that go with them.
#pragma once

#include <string>

namespace ongpu::chart {

// 1, 2 or 5 × 10^k, the smallest not below `raw` (1 for a raw that is not a
// positive finite number).
double nice_step(double raw);
// A time tick step in seconds: nice_step up to ten seconds, then steps a
// clock reads (15 s … 30 min, 1 h … 24 h), then nice_step of days.
double time_step(double raw);
// Digits after the point that multiples of `step` (1, 2 or 5 × 10^k) need.
int decimals_for(double step);
// A time since the start: seconds below a minute ("0.5s", "42s" with
// `decimals` digits), then "1m30s", "2m", "1h5m", "1h0m30s".
std::string duration(double s, int decimals);

}  // namespace ongpu::chart
