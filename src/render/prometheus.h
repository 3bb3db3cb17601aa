// The doctor's and verify's answers in Prometheus' text format, for
// node_exporter's textfile collector (docs/fleet.md lists the series).
#pragma once

#include <string>

#include "rules/report.h"

namespace ongpu::verify {
struct VerifyReport;
}

namespace ongpu {

// What the metrics say about the run itself.
struct MetricsRun {
  std::string check;       // "doctor" or "verify": a label on every series
  double timestamp_s = 0;  // Unix time at which the check ended
  double duration_s = 0;
  std::string version;  // ongpu's
};

std::string render_doctor_prometheus(const Report& report, const MetricsRun& run);
std::string render_verify_prometheus(const verify::VerifyReport& report, const MetricsRun& run);

// A label value as the text format writes it: \ " and newline escaped, and
// bytes that are not valid UTF-8 replaced (a scrape fails on them).
std::string prometheus_label_value(std::string_view value);

}  // namespace ongpu
