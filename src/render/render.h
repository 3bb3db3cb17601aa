// Renderers: take a finished report and format it. They compute nothing.
#pragma once

#include <string>

#include "facts/json.h"
#include "rules/report.h"
#include "rules/visible.h"

namespace ongpu::verify {
struct VerifyReport;
}
namespace ongpu::knowledge {
struct CompatAnswer;
class Knowledge;
}  // namespace ongpu::knowledge

namespace ongpu {

struct TextStyle {
  bool color = false;
  bool verbose = false;
};

// Colour only on a terminal, and never when NO_COLOR is set (no-color.org).
bool want_color(int fd);

std::string render_doctor_text(const Report& report, const TextStyle& style);
// One finding as the text reports show it: its mark, summary and id, the
// evidence (verbose), then each fix; every value on one line.
std::string finding_text(const Finding& f, const TextStyle& style);
json render_doctor_json(const Report& report);
json finding_to_json(const Finding& f);

std::string render_verify_text(const verify::VerifyReport& report, const TextStyle& style);
json render_verify_json(const verify::VerifyReport& report);

std::string render_visible_text(const VisibleResolution& r, const FactSet& facts,
                                const TextStyle& style);
json render_visible_json(const VisibleResolution& r, const FactSet& facts);

// `ongpu compat`: the text cites each line's source; the JSON also names
// where each table was read from.
std::string render_compat_text(const knowledge::CompatAnswer& a);
json render_compat_json(const knowledge::CompatAnswer& a, const knowledge::Knowledge& k);

inline constexpr int kReportSchemaVersion = 1;

}  // namespace ongpu
