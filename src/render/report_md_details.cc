// The folded parts of the markdown report: every finding, each link's
// details, the CUDA libraries each framework resolves, the environment
// variables that matter, and the live proof.
#include <fmt/format.h>

#include <algorithm>

#include "render/finding_words.h"
#include "render/links.h"
#include "render/report_md.h"
#include "render/report_md_parts.h"
#include "render/verdict_words.h"
#include "render/verify_words.h"
#include "util/strings.h"
#include "verify/verify_rules.h"

namespace ongpu::report_md {
namespace {

std::string finding_item(const Finding& f) {
  const auto words = finding_words(f);
  std::string out = fmt::format("- {} {} {}\n", severity_mark(f.severity), md::text(words.summary),
                                md::code(f.id));
  if (!f.evidence.empty()) {
    std::string evidence;
    for (const auto& e : f.evidence)
      evidence += (evidence.empty() ? "" : "; ") + md::code(e.path) + " = " + md::code(e.value);
    out += "  - evidence: " + evidence + "\n";
  }
  for (const auto& fix : words.fix)
    out += "  - fix: " + (fix_is_command(fix) ? md::code(fix) : md::text(fix)) + "\n";
  return out;
}

std::string role_words(LibraryRole role) {
  switch (role) {
    case LibraryRole::gpu:
      return "to use the GPU";
    case LibraryRole::later:
      return "on first use";
    case LibraryRole::optional:
      return "optional";
  }
  return "?";
}

std::string library_row(const LibraryFact& l) {
  std::string resolved;
  if (l.outcome == LibraryOutcome::found) {
    resolved = md::code(l.real_path.value_or(l.path.value_or("?")), true);
  } else if (l.outcome == LibraryOutcome::not_found) {
    resolved = "**not found**";
  } else {
    resolved = "**load error**: " + md::text(l.path.reason);
  }
  std::string version = l.version ? md::text(*l.version) : "–";
  if (l.reported_version) version += " (reports " + md::text(*l.reported_version) + ")";
  std::vector<std::string> notes;
  if (!l.other_copies.empty())
    notes.push_back(fmt::format("{} other cop{}", l.other_copies.size(),
                                l.other_copies.size() == 1 ? "y" : "ies"));
  for (const auto& d : l.missing_dependencies) notes.push_back("needs " + md::code(d, true));
  for (const auto& s : l.missing_symbols) notes.push_back("lacks " + md::code(s, true));
  if (!l.wheel_copy.empty()) notes.push_back("a wheel has it: " + md::code(l.wheel_copy, true));
  std::string joined;
  for (const auto& n : notes) joined += (joined.empty() ? "" : "; ") + n;
  return fmt::format("| {} | {} | {} | {} | {} | {} |\n", md::code(l.soname, true),
                     role_words(l.role), resolved, l.found_by.empty() ? "–" : md::text(l.found_by),
                     version, joined.empty() ? "–" : joined);
}

std::string framework_libraries(const FrameworkVerdict& v, const FrameworkFacts& fw) {
  std::string out =
      fmt::format("**{}** in {}: {} build", md::text(framework_name(v.framework) + " " + v.version),
                  md::code(v.interpreter), md::text(enum_string(fw.flavor)));
  if (fw.cuda_version) out += ", CUDA " + md::text(*fw.cuda_version);
  if (fw.cudnn_version) out += ", cuDNN " + md::text(*fw.cudnn_version);
  if (!fw.package_dir.empty()) out += ", in " + md::code(fw.package_dir);
  out += "\n\n";
  if (fw.gpu_targets && !fw.gpu_targets->empty()) {
    std::string targets;
    for (const auto& t : *fw.gpu_targets) targets += (targets.empty() ? "" : " ") + t;
    out += "GPU code: " + md::code(targets) + "\n\n";
  }
  if (!fw.cuda_wheels.empty()) {
    std::string wheels;
    for (const auto& w : fw.cuda_wheels) {
      wheels += (wheels.empty() ? "" : ", ") + md::code(w.name) + " " +
                (w.installed.empty() ? "**not installed**" : md::text(w.installed));
    }
    out += "CUDA wheels it pins: " + wheels + "\n\n";
  }
  if (fw.libraries.empty()) return out + "No CUDA library to resolve.\n\n";
  out +=
      "| library | needed | resolved to | found by | version | notes |\n"
      "|---|---|---|---|---|---|\n";
  for (const auto& l : fw.libraries) out += library_row(l);
  out += "\n";
  std::string copies;
  for (const auto& l : fw.libraries) {
    for (const auto& c : l.other_copies) {
      copies += fmt::format("- {}: also {} ({}{})\n", md::code(l.soname), md::code(c.path),
                            md::text(other_copy_status_key(c.status)),
                            c.reason.empty() ? "" : ": " + md::text(c.reason));
    }
  }
  return out + (copies.empty() ? "" : copies + "\n");
}

// The last `n` lines of a text (a child's stderr).
std::vector<std::string> last_lines(std::string_view text, size_t n) {
  std::vector<std::string> lines;
  for (auto line : split(text, '\n')) lines.emplace_back(line);
  while (!lines.empty() && trim(lines.back()).empty()) lines.pop_back();
  if (lines.size() > n) lines.erase(lines.begin(), lines.end() - static_cast<long>(n));
  return lines;
}

struct Variable {
  const char* name;
  const std::optional<std::string>& value;
};

std::string live_row(const verify::LiveVerdict& v, const Report& doctor) {
  std::string result, why;
  switch (v.outcome) {
    case verify::LiveOutcome::gpu:
      result = "✓ GPU";
      why = md::text(live_summary(v));
      break;
    case verify::LiveOutcome::cpu:
      result = "✗ CPU";
      break;
    case verify::LiveOutcome::gpu_broken:
      result = "✗ GPU broken";
      break;
    case verify::LiveOutcome::failed:
      result = "✗ not verified";
      break;
  }
  if (v.outcome != verify::LiveOutcome::gpu) {
    const std::string cause = live_cause_summary(v, doctor);
    why = md::text(cause.empty() ? live_summary(v) : cause);
    if (!v.root_cause.empty()) why += " " + md::code(v.root_cause, true);
    if (v.outcome == verify::LiveOutcome::cpu) why += "; " + md::text(live_summary(v));
  }
  const std::string version =
      v.run.answer && !v.run.answer->version.empty() ? " " + v.run.answer->version : "";
  return fmt::format("| {} | {} | {} | {} |\n", md::text(enum_string(v.run.framework) + version),
                     md::code(v.run.interpreter, true), result, why);
}

}  // namespace

std::string findings_details(const Report& r) {
  size_t errors = 0, warnings = 0, notes = 0;
  for (const auto& f : r.findings) {
    errors += f.severity == Severity::error;
    warnings += f.severity == Severity::warning;
    notes += f.severity == Severity::info;
  }
  if (r.findings.empty()) return details("All findings (none)", "No findings.\n");
  // The machine's first, then each framework's and environment's, in the
  // order the doctor found them.
  std::vector<std::string> scopes{""};
  for (const auto& f : r.findings) {
    if (std::find(scopes.begin(), scopes.end(), f.scope) == scopes.end()) scopes.push_back(f.scope);
  }
  std::string body;
  for (const auto& scope : scopes) {
    std::string items;
    const Finding* any = nullptr;
    for (const auto& f : r.findings) {
      if (f.scope != scope) continue;
      any = &f;
      items += finding_item(f);
    }
    if (!any) continue;
    body += fmt::format("**{}**\n\n{}\n", scope.empty() ? "The machine" : scope_markdown(*any, r),
                        items);
  }
  return details(fmt::format("All findings ({} error{}, {} warning{}, {} note{})", errors,
                             errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s", notes,
                             notes == 1 ? "" : "s"),
                 body);
}

std::string chain_details(const Report& r) {
  std::string body;
  for (const auto& link : r.links) {
    const auto words = link_words(link.link, r.facts);
    if (words.details.empty()) continue;
    body += fmt::format("**{}**\n\n", link_title(link.link));
    for (const auto& d : words.details) body += "- " + md::text(d) + "\n";
    body += "\n";
  }
  return body.empty() ? "" : details("Chain details", body);
}

std::string libraries_details(const Report& r) {
  std::string body;
  for (const auto& v : r.frameworks) {
    if (const FrameworkFacts* fw = facts_of(v, r)) body += framework_libraries(v, *fw);
  }
  return body.empty() ? "" : details("CUDA libraries per framework", body);
}

std::string environment_details(const Report& r) {
  const auto& e = r.facts.env;
  const Variable variables[] = {
      {"CUDA_VISIBLE_DEVICES", e.cuda_visible_devices},
      {"CUDA_DEVICE_ORDER", e.cuda_device_order},
      {"NVIDIA_VISIBLE_DEVICES", e.nvidia_visible_devices},
      {"LD_LIBRARY_PATH", e.ld_library_path},
      {"LD_PRELOAD", e.ld_preload},
      {"JAX_PLATFORMS", e.jax_platforms},
      {"TF_CPP_MIN_LOG_LEVEL", e.tf_cpp_min_log_level},
  };
  std::string rows, unset;
  for (const auto& v : variables) {
    if (v.value)
      rows += fmt::format("| `{}` | {} |\n", v.name,
                          v.value->empty() ? "set, empty" : md::code(*v.value, true));
    else
      unset += (unset.empty() ? "" : ", ") + fmt::format("`{}`", v.name);
  }
  for (const auto& [name, value] : e.debug_variables)
    rows += fmt::format("| {} | {} |\n", md::code(name, true),
                        value.empty() ? "set, empty" : md::code(value, true));
  std::string body =
      "Only the variables that decide what CUDA and the frameworks see; ongpu reads no other "
      "into the report.\n\n";
  if (!rows.empty()) body += "| variable | value |\n|---|---|\n" + rows + "\n";
  if (!unset.empty()) body += "Unset: " + unset + ".\n";
  return details("Environment variables", body);
}

std::string live_details(const verify::VerifyReport& v) {
  std::string body;
  if (v.frameworks.empty()) {
    body = md::text(verify_summary(v)) + ".\n";
    return details("Live proof (ongpu verify)", body);
  }
  body =
      "| framework | interpreter | result | why |\n"
      "|---|---|---|---|\n";
  for (const auto& f : v.frameworks) body += live_row(f, v.doctor);
  body += "\n";
  for (const auto& f : v.frameworks) {
    std::string items;
    for (const auto& finding : f.findings) items += finding_item(finding);
    if (f.run.answer) {
      const auto& a = *f.run.answer;
      std::string devices;
      for (const auto& d : a.devices)
        devices += (devices.empty() ? "" : ", ") +
                   md::code(d.model.empty() ? d.name : d.name + " (" + d.model + ")");
      if (!a.version.empty()) items += "- devices: " + (devices.empty() ? "none" : devices) + "\n";
      std::string libraries;
      for (const auto& l : a.loaded_libraries)
        libraries += (libraries.empty() ? "" : ", ") + md::code(l);
      if (!libraries.empty()) items += "- CUDA libraries loaded: " + libraries + "\n";
    }
    if (!f.run.answer && !f.run.probe.stderr_tail.empty()) {
      items += "- its output ended with:\n\n";
      const std::string block = md::code_block(last_lines(f.run.probe.stderr_tail, 20), "text");
      for (const auto& line : split(block, '\n')) {
        if (!line.empty()) items += "  " + std::string(line) + "\n";
      }
    }
    if (items.empty()) continue;
    body += fmt::format("**{}** in {}\n\n{}\n", md::text(enum_string(f.run.framework)),
                        md::code(f.run.interpreter), items);
  }
  return details("Live proof (ongpu verify)", body);
}

}  // namespace ongpu::report_md
