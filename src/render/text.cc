#include <fmt/color.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>

#include "render/finding_words.h"
#include "render/links.h"
#include "render/render.h"
#include "render/verdict_words.h"
#include "render/visible_words.h"

namespace ongpu {
namespace {

std::string paint(const TextStyle& st, fmt::text_style ts, const std::string& s) {
  return st.color ? fmt::format(ts, "{}", s) : s;
}

std::string mark(const TextStyle& st, LinkState status) {
  if (status == LinkState::ok) return paint(st, fg(fmt::terminal_color::green), "[✓]");
  if (status == LinkState::warning) return paint(st, fg(fmt::terminal_color::yellow), "[!]");
  if (status == LinkState::error) return paint(st, fg(fmt::terminal_color::red), "[✗]");
  return paint(st, fmt::emphasis::faint, "[-]");
}

std::string finding_mark(const TextStyle& st, Severity s) {
  if (s == Severity::error) return paint(st, fg(fmt::terminal_color::red), "✗");
  if (s == Severity::warning) return paint(st, fg(fmt::terminal_color::yellow), "!");
  return "•";
}

}  // namespace

bool want_color(int fd) {
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color && *no_color) return false;
  const char* term = std::getenv("TERM");
  if (term && std::string(term) == "dumb") return false;
  return ::isatty(fd) == 1;
}

// One finding: its mark, summary and id, the evidence (-v), then each fix,
// every value on one line.
std::string finding_text(const Finding& f, const TextStyle& st) {
  const auto words = finding_words(f);
  std::string out =
      fmt::format("    {} {} ", finding_mark(st, f.severity), one_line(words.summary));
  out += paint(st, fmt::emphasis::faint, "[" + f.id + "]") + "\n";
  if (st.verbose) {
    for (const auto& e : f.evidence)
      out += fmt::format("        {} = {}\n", one_line(e.path), one_line(e.value));
  }
  for (const auto& fix : words.fix)
    out += "      " + paint(st, fmt::emphasis::bold, "fix:") + " " + one_line(fix) + "\n";
  return out;
}

std::string render_doctor_text(const Report& report, const TextStyle& st) {
  std::string out =
      "Doctor summary — can CUDA use an NVIDIA GPU here? (ongpu doctor -v for details)\n";
  int categories_with_issues = 0;
  for (const auto& link : report.links) {
    if (link.status == LinkState::error || link.status == LinkState::warning)
      ++categories_with_issues;
    const auto words = link_words(link.link, report.facts);
    out += fmt::format("{} {}: {}\n", mark(st, link.status), link_title(link.link),
                       one_line(words.headline));
    for (const auto& f : report.findings) {
      if (f.link == link.link && f.scope.empty()) out += finding_text(f, st);
    }
    if (st.verbose) {
      for (const auto& d : words.details) out += "    • " + one_line(d) + "\n";
    }
  }
  // Frameworks, grouped by Python environment: every interpreter checked is
  // named, so "checked, nothing there" differs from "did not look".
  auto framework_findings = [&](const std::string& scope) {
    for (const auto& f : report.findings) {
      if (f.scope == scope) out += finding_text(f, st);
    }
  };
  std::vector<std::string> interpreters;
  for (const auto& env : report.facts.python.environments) interpreters.push_back(env.interpreter);
  for (const auto& fv : report.frameworks) {
    if (std::find(interpreters.begin(), interpreters.end(), fv.interpreter) == interpreters.end()) {
      interpreters.push_back(fv.interpreter);
    }
  }
  for (const auto& interpreter : interpreters) {
    const PythonEnv* env = nullptr;
    for (const auto& e : report.facts.python.environments) {
      if (e.interpreter == interpreter) env = &e;
    }
    std::string version = env && env->version ? *env->version : "";
    for (const auto& fv : report.frameworks) {
      if (fv.interpreter == interpreter && !fv.python_version.empty()) version = fv.python_version;
    }
    out += fmt::format("\nFrameworks in {}{}:\n", one_line(interpreter),
                       version.empty() ? "" : " (Python " + one_line(version) + ")");
    bool any = false;
    for (const auto& fv : report.frameworks) {
      if (fv.interpreter != interpreter) continue;
      any = true;
      std::string title =
          one_line(fmt::format("{} {} ({})", fv.framework, fv.version, fv.distribution));
      if (fv.gpu) {
        out += fmt::format("{} {}: GPU\n", mark(st, LinkState::ok), title);
      } else if (fv.unknown) {
        out += fmt::format("{} {}: unknown — {} ", mark(st, LinkState::warning), title,
                           one_line(framework_summary(fv, report)));
        out += paint(st, fmt::emphasis::faint, "[" + fv.root_cause + "]") + "\n";
      } else {
        out += fmt::format("{} {}: CPU — {} ", mark(st, LinkState::error), title,
                           one_line(framework_summary(fv, report)));
        out += paint(st, fmt::emphasis::faint, "[" + fv.root_cause + "]") + "\n";
      }
      framework_findings(fv.scope);
      if (st.verbose) {
        for (const auto& d : framework_details(fv, report)) out += "    • " + one_line(d) + "\n";
      }
    }
    framework_findings("python in " + interpreter);
    if (!any && env && env->probe.status == ProbeStatus::ok)
      out += "    • no framework installed\n";
  }
  out += "\n";
  const auto& v = report.verdict;
  const std::string summary = verdict_summary(report);
  if (v.status == VerdictStatus::ok) {
    out +=
        paint(st, fg(fmt::terminal_color::green), "• " + one_line(summary) + ". No issues found!") +
        "\n";
  } else {
    auto color = v.status == VerdictStatus::warnings ? fmt::terminal_color::yellow
                                                     : fmt::terminal_color::red;
    out += paint(st, fg(color), "! " + one_line(summary) + ".") + "\n";
    // Where the issues are: the machine's links, the frameworks, the
    // Python environments that could not be checked.
    std::vector<std::string> scopes;
    for (const auto& f : report.findings) {
      if (!f.scope.empty() && f.severity != Severity::info &&
          std::find(scopes.begin(), scopes.end(), f.scope) == scopes.end()) {
        scopes.push_back(f.scope);
      }
    }
    const auto environments =
        std::count_if(scopes.begin(), scopes.end(),
                      [](const std::string& sc) { return sc.starts_with("python in "); });
    const auto frameworks = static_cast<long>(scopes.size()) - environments;
    std::vector<std::string> where;
    if (categories_with_issues > 0)
      where.push_back(fmt::format("{} of the machine's categories", categories_with_issues));
    if (frameworks > 0)
      where.push_back(fmt::format("{} framework{}", frameworks, frameworks == 1 ? "" : "s"));
    if (environments > 0) {
      where.push_back(
          fmt::format("{} Python environment{}", environments, environments == 1 ? "" : "s"));
    }
    std::string joined;
    for (size_t i = 0; i < where.size(); ++i)
      joined += (i == 0 ? "" : i + 1 == where.size() ? " and " : ", ") + where[i];
    if (!joined.empty()) out += "! Found issues in " + joined + ".\n";
  }
  return out;
}

std::string render_visible_text(const VisibleResolution& r, const FactSet& facts,
                                const TextStyle& st) {
  std::string out;
  if (!r.variable_set) {
    out += "CUDA_VISIBLE_DEVICES is unset: a CUDA process sees every GPU.\n";
  } else {
    out += fmt::format("CUDA_VISIBLE_DEVICES=\"{}\"\n", one_line(r.value));
  }
  out += fmt::format("CUDA_DEVICE_ORDER={}\n",
                     one_line(facts.env.cuda_device_order.value_or("(unset: FASTEST_FIRST)")));
  const bool no_driver = facts.cuda.probe.status == ProbeStatus::ok && !facts.cuda.library.loaded;
  const bool no_gpu_known =
      facts.nvml.gpus.empty() && facts.cuda.devices.empty() && facts.cuda_all.devices.empty();
  if (no_driver) {
    out += paint(st, fmt::emphasis::faint,
                 "(no CUDA driver here: libcuda.so.1 could not be loaded" +
                     (facts.cuda.library.load_error.empty()
                          ? ""
                          : ": " + one_line(facts.cuda.library.load_error)) +
                     ")") +
           "\n";
  } else if (r.order_source == OrderSource::pci && !no_gpu_known) {
    out += paint(st, fmt::emphasis::faint,
                 "(the CUDA driver did not answer: CUDA's order is assumed to be nvidia-smi's PCI "
                 "order)") +
           "\n";
  }
  out += "\n";
  if (r.visible.empty() && no_gpu_known) {
    out += paint(st, fg(fmt::terminal_color::red),
                 no_driver ? "No GPU is known here (no driver answered), so CUDA programs see none."
                           : "No GPU is known here, so CUDA programs see none.") +
           "\n";
  } else if (r.visible.empty()) {
    out += paint(st, fg(fmt::terminal_color::red), "No GPU is visible to CUDA programs.") + "\n";
  } else {
    out += fmt::format("{:<6} {:<10} {:<44} {}\n", "CUDA", "nvidia-smi", "UUID", "name");
    for (const auto& g : r.visible) {
      out += fmt::format("{:<6} {:<10} {:<44} {}\n", g.cuda_ordinal,
                         g.nvml_index >= 0 ? std::to_string(g.nvml_index) : "?", one_line(g.uuid),
                         one_line(g.name));
    }
  }
  if (r.stop_position && r.variable_set && !r.value.empty()) {
    out += fmt::format("\nThe list ends at entry {} \"{}\": {}.\n", *r.stop_position + 1,
                       one_line(r.stop_entry), one_line(visible_stop_words(r)));
    if (!r.ignored_entries.empty()) {
      std::string ignored;
      for (const auto& e : r.ignored_entries) ignored += (ignored.empty() ? "" : ", ") + e;
      out += "Ignored after it: " + one_line(ignored) + "\n";
    }
  }
  return out;
}

}  // namespace ongpu
