// `ongpu summarize`: the table of a fleet's nodes grouped by cause, and its
// JSON (docs/schema/summarize-1.schema.json).
#pragma once

#include <string>

#include "facts/json.h"
#include "summarize/fleet.h"

namespace ongpu {

struct SummaryStyle {
  bool color = false;
  bool verbose = false;  // every node, wording and unreadable input
  int width = 80;        // columns
};

std::string render_summary_text(const summarize::FleetSummary& s, const SummaryStyle& style);
json render_summary_json(const summarize::FleetSummary& s);

// What was wrong with an unreadable input, in words: "truncated after
// 4,096 bytes, where another document began".
std::string unreadable_words(const summarize::Unreadable& u);
// The verdict as the table's column shows it: "not usable".
std::string status_words(VerdictStatus s);

inline constexpr int kSummarySchemaVersion = 1;

}  // namespace ongpu
