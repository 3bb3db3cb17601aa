// Internal to render/report_md*.cc: the parts of the markdown report.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "render/markdown.h"
#include "rules/report.h"

namespace ongpu::verify {
struct VerifyReport;
}

namespace ongpu::report_md {

// "✓ ok", "! warning", "✗ error", "– skipped".
std::string link_mark(LinkState s);
// "✗", "!", "•".
std::string severity_mark(Severity s);
// A fix: runs of commands as code blocks, steps in words as list items;
// every line indented by `indent` (inside a list item).
std::string fix_markdown(const std::vector<std::string>& fix, std::string_view indent = "");
// Whose finding it is, for a scoped one: "TensorFlow 2.21.0 in `/usr/bin/python3`"; "" for the
// machine's.
std::string scope_markdown(const Finding& f, const Report& r);
// The framework's facts, or nullptr.
const FrameworkFacts* facts_of(const FrameworkVerdict& v, const Report& r);
// "13.0" from 13000.
std::string cuda_version(int v);

// <details> with a blank line after <summary> and before </details>, as
// GitHub needs to render the markdown inside.
std::string details(std::string_view summary, const std::string& body);

std::string findings_details(const Report& r);
std::string chain_details(const Report& r);
std::string libraries_details(const Report& r);  // "" when no framework was found
std::string environment_details(const Report& r);
std::string live_details(const verify::VerifyReport& v);

}  // namespace ongpu::report_md
