// `ongpu report`: one markdown document for a GitHub issue or a support
// ticket, rendered from the doctor's finished Report (and, with --verify,
// the live proof). The top fits on a screen: the verdict, the root cause and
// its fix, the machine in one table; then the chain and each framework's
// verdict; the rest is folded into <details> blocks. Every value from the
// machine is escaped (render/markdown.h). docs/report.md describes it.
#pragma once

#include <string>
#include <string_view>

#include "rules/report.h"

namespace ongpu::verify {
struct VerifyReport;
}

namespace ongpu {

struct MarkdownReportInput {
  const Report& doctor;
  const verify::VerifyReport* live = nullptr;  // ongpu report --verify
  std::string ongpu_version;                   // of the ongpu that writes it
  std::string date;                            // when: "2026-12-03 14:05 UTC"
  bool redacted = false;                       // says so at its end
};

std::string render_report_markdown(const MarkdownReportInput& in);

// Whether a line of a finding's fix is a shell command (shown in a code
// block, to paste) rather than a step in words: it starts with a command
// ongpu's fixes use, an assignment-like builtin, or a path.
bool fix_is_command(std::string_view fix);

}  // namespace ongpu
