#include "render/chart_scale.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace ongpu::chart {

double nice_step(double raw) {
  if (!std::isfinite(raw) || raw <= 0) return 1;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0}) {
    if (m * power >= raw * (1 - 1e-9)) return m * power;
  }
  return 10 * power;
}

double time_step(double raw) {
  if (raw <= 10) return nice_step(raw);
  for (double s : {15.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0,
                   10800.0, 21600.0, 43200.0, 86400.0}) {
    if (s >= raw) return s;
  }
  return 86400 * nice_step(raw / 86400);
}

int decimals_for(double step) {
  if (step >= 1) return 0;
  return std::clamp(static_cast<int>(std::ceil(-std::log10(step) - 1e-9)), 0, 9);
}

std::string duration(double s, int decimals) {
  s = std::isfinite(s) ? std::clamp(s, 0.0, 1e9) : 0.0;
  if (s < 60) return fmt::format("{:.{}f}s", s, decimals);
  const long long total = std::llround(s);
  const long long h = total / 3600;
  const long long m = total % 3600 / 60;
  const long long sec = total % 60;
  std::string out = h > 0 ? fmt::format("{}h", h) : "";
  if (m > 0 || (h > 0 && sec > 0)) out += fmt::format("{}m", m);
  if (sec > 0) out += fmt::format("{}s", sec);
  return out;
}

}  // namespace ongpu::chart
