// Renders `ongpu verify`: per framework, where the multiplication ran and why.
#include <fmt/color.h>
#include <fmt/format.h>

#include "render/render.h"
#include "render/verdict_words.h"
#include "render/verify_words.h"
#include "verify/verify_rules.h"

namespace ongpu {
namespace {

std::string paint(const TextStyle& st, fmt::text_style ts, const std::string& s) {
  return st.color ? fmt::format(ts, "{}", s) : s;
}

std::string faint(const TextStyle& st, const std::string& s) {
  return paint(st, fmt::emphasis::faint, s);
}

std::string details(const verify::LiveVerdict& v, const TextStyle& st) {
  std::string out;
  const auto& p = v.run.probe;
  if (!v.run.answer) {
    if (st.verbose && !p.stderr_tail.empty())
      out += "    • its output ended with:\n" + p.stderr_tail + "\n";
    return out;
  }
  const auto& a = *v.run.answer;
  if (a.version.empty()) return out;  // it did not import
  std::string devices;
  for (const auto& d : a.devices) {
    devices += (devices.empty() ? "" : ", ") + d.name;
    if (!d.model.empty())
      devices += " (" + d.model +
                 (d.compute_capability.empty() ? "" : ", compute " + d.compute_capability) + ")";
  }
  out += fmt::format("    • import {:.1f} s; devices: {}\n", a.import_seconds.value_or(0),
                     devices.empty() ? "none" : devices);
  if (!a.session_providers.empty())
    out += fmt::format("    • session providers: {}\n", fmt::join(a.session_providers, ", "));
  if (a.compute && a.compute->gpu && a.compute->cpu) {
    const auto& c = *a.compute;
    std::string diff =
        !c.max_abs_diff ? "not compared"
        : c.nonfinite.value_or(0) > 0
            ? fmt::format("{} non-finite element(s), max difference of the rest {:.3g}",
                          *c.nonfinite, *c.max_abs_diff)
            : fmt::format("max difference {:.3g}", *c.max_abs_diff);
    out += fmt::format(
        "    • {}×{} float32: GPU {:.3g} ms ({:.0f} GFLOP/s) on {}, CPU {:.3g} ms on {}; {}\n",
        c.size, c.size, c.gpu->median_ms, c.gpu->gflops.value_or(0), c.gpu->device,
        c.cpu->median_ms, c.cpu->device, diff);
  }
  if (!v.run.placement_log.empty())
    out += fmt::format("    • placement log: MatMul on {}\n", fmt::join(v.run.placement_log, ", "));
  if (!a.loaded_libraries.empty()) {
    out += "    • CUDA libraries loaded:\n";
    for (const auto& l : a.loaded_libraries) out += "        " + one_line(l) + "\n";
  } else if (v.outcome != verify::LiveOutcome::failed) {
    out += "    • CUDA libraries loaded: none\n";
  }
  if (st.verbose) {
    out += fmt::format("    • memory: {}\n", a.memory);
    out += fmt::format("    • check: {} in {:.1f} s (deadline {:.0f} s)\n", p.status,
                       p.duration_ms / 1000, p.deadline_ms / 1000);
  }
  return out;
}

}  // namespace

std::string render_verify_text(const verify::VerifyReport& r, const TextStyle& st) {
  std::string out =
      "Verify — does each framework really compute on the GPU? (ongpu verify -v for details)\n";
  // The machine's own errors explain every framework's fallback: show them once.
  bool machine_header = false;
  for (const auto& f : r.doctor.findings) {
    if (!f.scope.empty() || f.severity != Severity::error) continue;
    if (!machine_header) out += "\nThe doctor's findings for this machine:\n";
    machine_header = true;
    out += finding_text(f, st);
  }
  std::string last_interpreter;
  for (const auto& v : r.frameworks) {
    if (v.run.interpreter != last_interpreter) {
      std::string py = v.run.answer && !v.run.answer->python.empty()
                           ? " (Python " + v.run.answer->python + ")"
                           : "";
      out += fmt::format("\nFrameworks in {}{}:\n", one_line(v.run.interpreter), py);
      last_interpreter = v.run.interpreter;
    }
    std::string version =
        v.run.answer && !v.run.answer->version.empty() ? " " + v.run.answer->version : "";
    std::string head = one_line(enum_string(v.run.framework) + version);
    if (v.outcome == verify::LiveOutcome::gpu) {
      out += fmt::format("{} {}: GPU — {}\n", paint(st, fg(fmt::terminal_color::green), "[✓]"),
                         head, one_line(live_summary(v)));
    } else {
      std::string word = v.outcome == verify::LiveOutcome::cpu          ? "CPU"
                         : v.outcome == verify::LiveOutcome::gpu_broken ? "GPU broken"
                                                                        : "not verified";
      const std::string cause = live_cause_summary(v, r.doctor);
      bool as_predicted =
          v.predicted && !v.root_cause.empty() && v.predicted->root_cause == v.root_cause;
      out += fmt::format("{} {}: {} — {}{} {}\n", paint(st, fg(fmt::terminal_color::red), "[✗]"),
                         head, word, one_line(cause.empty() ? live_summary(v) : cause),
                         as_predicted ? " (as the doctor predicted)" : "",
                         v.root_cause.empty() ? "" : faint(st, "[" + v.root_cause + "]"));
    }
    for (const auto& f : v.findings) out += finding_text(f, st);
    if (v.outcome == verify::LiveOutcome::cpu) out += "    • " + one_line(live_summary(v)) + "\n";
    out += details(v, st);
  }
  out += "\n";
  const auto& verdict = r.verdict;
  auto color = verdict.status == VerdictStatus::ok         ? fmt::terminal_color::green
               : verdict.status == VerdictStatus::warnings ? fmt::terminal_color::yellow
                                                           : fmt::terminal_color::red;
  out += paint(st, fg(color),
               (verdict.status == VerdictStatus::ok ? "• " : "! ") + one_line(verify_summary(r)) +
                   ".") +
         "\n";
  return out;
}

json render_verify_json(const verify::VerifyReport& r) {
  json doc = json::object();
  doc["schema_version"] = kReportSchemaVersion;
  doc["ongpu_version"] = r.doctor.facts.ongpu_version;
  const auto& v = r.verdict;
  doc["verdict"] = {{"gpu_usable", v.gpu_usable},
                    {"status", v.status},
                    {"exit_code", v.exit_code},
                    {"root_cause", v.root_cause.empty() ? json(nullptr) : json(v.root_cause)},
                    {"summary", verify_summary(r)}};
  json frameworks = json::array();
  for (const auto& fv : r.frameworks) {
    json findings = json::array();
    for (const auto& f : fv.findings) findings.push_back(finding_to_json(f));
    json predicted = nullptr;
    if (fv.predicted) {
      predicted = {
          {"device", fv.predicted->gpu ? "gpu" : "cpu"},
          {"root_cause",
           fv.predicted->root_cause.empty() ? json(nullptr) : json(fv.predicted->root_cause)},
          {"summary", framework_summary(*fv.predicted, r.doctor)}};
    }
    json empty_unavailable = json::object();
    frameworks.push_back(
        {{"framework", fv.run.framework},
         {"interpreter", fv.run.interpreter},
         {"device", fv.outcome},
         {"root_cause", fv.root_cause.empty() ? json(nullptr) : json(fv.root_cause)},
         {"summary", live_summary(fv)},
         {"predicted", predicted},
         {"findings", findings},
         {"live", to_json_value(fv.run, empty_unavailable)}});
  }
  doc["frameworks"] = frameworks;
  json machine = json::array();
  for (const auto& f : r.doctor.findings) {
    if (f.scope.empty()) machine.push_back(finding_to_json(f));
  }
  doc["machine_findings"] = machine;
  return doc;
}

}  // namespace ongpu
