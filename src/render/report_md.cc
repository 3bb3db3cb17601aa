#include "render/report_md.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>

#include "render/catalog_words.h"
#include "render/finding_words.h"
#include "render/links.h"
#include "render/report_md_parts.h"
#include "render/verdict_words.h"
#include "render/verify_words.h"
#include "util/strings.h"
#include "verify/verify_rules.h"

namespace ongpu {
namespace report_md {

std::string link_mark(LinkState s) {
  switch (s) {
    case LinkState::ok:
      return "✓ ok";
    case LinkState::warning:
      return "! warning";
    case LinkState::error:
      return "✗ error";
    case LinkState::skipped:
      return "– skipped";
  }
  return "?";
}

std::string severity_mark(Severity s) {
  if (s == Severity::error) return "✗";
  if (s == Severity::warning) return "!";
  return "•";
}

std::string fix_markdown(const std::vector<std::string>& fix, std::string_view indent) {
  std::string out;
  std::vector<std::string> commands;
  auto flush = [&] {
    if (commands.empty()) return;
    const std::string block = md::code_block(commands, "sh");
    for (const auto& line : split(block, '\n')) {
      if (!line.empty()) out += std::string(indent) + std::string(line) + "\n";
    }
    commands.clear();
  };
  for (const auto& step : fix) {
    if (fix_is_command(step)) {
      commands.push_back(step);
    } else {
      flush();
      out += std::string(indent) + "- " + md::text(step) + "\n";
    }
  }
  flush();
  return out;
}

const FrameworkFacts* facts_of(const FrameworkVerdict& v, const Report& r) {
  const auto& envs = r.facts.python.environments;
  if (v.environment >= envs.size() || v.index >= envs[v.environment].frameworks.size())
    return nullptr;
  return &envs[v.environment].frameworks[v.index];
}

std::string scope_markdown(const Finding& f, const Report& r) {
  if (f.scope.empty()) return "";
  for (const auto& v : r.frameworks) {
    if (v.scope == f.scope) {
      return fmt::format("{} in {}", md::text(framework_name(v.framework) + " " + v.version),
                         md::code(v.interpreter));
    }
  }
  for (const auto& env : r.facts.python.environments) {
    if (f.scope == "python in " + env.interpreter)
      return "the Python environment " + md::code(env.interpreter);
  }
  return md::text(f.scope);
}

std::string cuda_version(int v) { return fmt::format("{}.{}", v / 1000, (v % 1000) / 10); }

std::string details(std::string_view summary, const std::string& body) {
  std::string_view content = body;
  while (!content.empty() && content.back() == '\n') content.remove_suffix(1);
  return fmt::format("<details>\n<summary>{}</summary>\n\n{}\n\n</details>\n\n", md::html(summary),
                     content);
}

}  // namespace report_md

bool fix_is_command(std::string_view fix) {
  // The programs and builtins the fixes in render/words_*.cc start with.
  constexpr std::array<std::string_view, 30> kCommands = {"sudo",
                                                          "export",
                                                          "unset",
                                                          "ls",
                                                          "grep",
                                                          "echo",
                                                          "cat",
                                                          "dmesg",
                                                          "ongpu",
                                                          "nvidia-smi",
                                                          "nvidia-modprobe",
                                                          "modprobe",
                                                          "ldconfig",
                                                          "lspci",
                                                          "mokutil",
                                                          "pip",
                                                          "pip3",
                                                          "python",
                                                          "python3",
                                                          "conda",
                                                          "mamba",
                                                          "uv",
                                                          "docker",
                                                          "podman",
                                                          "apt",
                                                          "apt-get",
                                                          "dnf",
                                                          "yum",
                                                          "systemctl",
                                                          "env"};
  fix = trim(fix);
  std::string_view word = fix.substr(0, fix.find(' '));
  if (word.empty()) return false;
  if (std::find(kCommands.begin(), kCommands.end(), word) != kCommands.end()) return true;
  // A program named by its path, as shell_quote() writes it: an interpreter
  // ("/venv/bin/python3 -m pip …", "'/my env/bin/python' -c …"). A sentence
  // that starts with a directory ("/usr/local/cuda/lib comes from …") is none.
  if (starts_with(fix, "$'")) fix.remove_prefix(1);
  if (starts_with(fix, "'")) {
    const auto close = fix.find('\'', 1);
    if (close == std::string_view::npos) return false;
    word = fix.substr(1, close - 1);
  }
  if (word.empty() || std::string_view("/~.").find(word.front()) == std::string_view::npos)
    return false;
  const auto base =
      word.substr(word.rfind('/') == std::string_view::npos ? 0 : word.rfind('/') + 1);
  return starts_with(base, "python") || starts_with(base, "pip") || starts_with(base, "conda") ||
         std::find(kCommands.begin(), kCommands.end(), base) != kCommands.end();
}

namespace {

using report_md::cuda_version;
using report_md::facts_of;

std::string headline(const Verdict& v) {
  switch (v.status) {
    case VerdictStatus::ok:
      return "GPU usable";
    case VerdictStatus::warnings:
      return "GPU usable, with warnings";
    case VerdictStatus::not_usable:
      return v.no_framework_on_gpu ? "no framework can use the GPU" : "GPU not usable";
    case VerdictStatus::unchecked:
      return "could not be checked";
  }
  return "?";
}

std::string status_mark(VerdictStatus s) {
  if (s == VerdictStatus::ok) return "✓";
  if (s == VerdictStatus::warnings) return "!";
  return "✗";
}

// What keeps the GPU from the user's code: the verdict's root cause; else
// each framework's on the CPU (once per finding id and scope).
std::vector<const Finding*> root_causes(const Report& r) {
  std::vector<const Finding*> out;
  auto add = [&](const Finding* f) {
    if (f && std::find(out.begin(), out.end(), f) == out.end()) out.push_back(f);
  };
  if (!r.verdict.root_cause.empty()) {
    if (r.verdict.no_framework_on_gpu) {
      for (const auto& v : r.frameworks) {
        if (!v.unknown) {
          add(framework_root_finding(v, r));
          break;
        }
      }
    }
    if (out.empty()) {
      for (const auto& f : r.findings) {
        if (f.id == r.verdict.root_cause && f.scope.empty()) {
          add(&f);
          break;
        }
      }
    }
    if (!out.empty()) return out;
  }
  for (const auto& v : r.frameworks) add(framework_root_finding(v, r));
  return out;
}

constexpr size_t kTopItems = 3;  // causes or warnings shown at the top; the rest in the findings

std::string causes_section(const Report& r) {
  const auto causes = root_causes(r);
  if (causes.size() == 1) {
    const Finding& f = *causes.front();
    const auto words = finding_words(f);
    const std::string scope = report_md::scope_markdown(f, r);
    std::string out =
        fmt::format("**Root cause** ({}{}): {} {}\n\n", link_title(f.link),
                    scope.empty() ? "" : "; " + scope, md::text(words.summary), md::code(f.id));
    if (const auto* c = catalog_words(f.id)) out += md::text(c->meaning) + "\n\n";
    if (!words.fix.empty()) out += "**Fix:**\n\n" + report_md::fix_markdown(words.fix) + "\n";
    return out;
  }
  std::vector<const Finding*> items = causes;
  std::string title = "**Root causes**";
  if (items.empty()) {
    for (const auto& f : r.findings) {
      if (f.severity == Severity::warning) items.push_back(&f);
    }
    if (items.empty()) return "No issues found.\n\n";
    title = "**Warnings**";
  }
  std::string out = fmt::format("{} ({}):\n\n", title, items.size());
  for (size_t i = 0; i < items.size() && i < kTopItems; ++i) {
    const Finding& f = *items[i];
    const auto words = finding_words(f);
    const std::string scope = report_md::scope_markdown(f, r);
    out += fmt::format("{}. {}{} {}\n", i + 1, scope.empty() ? "" : scope + ": ",
                       md::text(words.summary), md::code(f.id));
    if (!words.fix.empty()) out += "\n" + report_md::fix_markdown(words.fix, "   ") + "\n";
  }
  if (items.size() > kTopItems)
    out += fmt::format("\n…and {} more under All findings.\n", items.size() - kTopItems);
  return out + "\n";
}

std::string gpus_cell(const FactSet& f) {
  std::vector<std::pair<std::string, int>> names;
  for (const auto& g : f.nvml.gpus) {
    const std::string name = g.name.value_or("?");
    auto it =
        std::find_if(names.begin(), names.end(), [&](const auto& n) { return n.first == name; });
    if (it == names.end())
      names.emplace_back(name, 1);
    else
      ++it->second;
  }
  if (!names.empty()) {
    std::string out;
    for (const auto& [name, n] : names)
      out += (out.empty() ? "" : ", ") + fmt::format("{} × {}", n, md::text(name));
    return out;
  }
  const auto pci = f.pci.nvidia_devices.value_or({});
  if (!pci.empty()) return fmt::format("{} on the PCI bus", pci.size());
  return "none";
}

std::string machine_table(const MarkdownReportInput& in) {
  const FactSet& f = in.doctor.facts;
  std::string ongpu = md::text(in.ongpu_version);
  if (!f.ongpu_version.empty() && f.ongpu_version != in.ongpu_version)
    ongpu += " (facts from " + md::text(f.ongpu_version) + ")";
  std::string os = f.host.os_name ? md::text(*f.host.os_name) : "unknown";
  if (f.host.wsl) os += " (WSL2)";
  if (!f.host.container.empty()) os += " (" + md::text(f.host.container) + ")";
  std::string driver = "none";
  if (f.nvml.driver_version)
    driver = md::text(*f.nvml.driver_version);
  else if (f.kernel_module.version)
    driver = md::text(*f.kernel_module.version) + " (kernel module)";
  else if (!f.kernel_module.nvidia_loaded)
    driver = "not loaded";
  std::string cuda = "–";
  if (f.nvml.cuda_driver_version)
    cuda = cuda_version(*f.nvml.cuda_driver_version);
  else if (f.cuda.driver_version)
    cuda = cuda_version(*f.cuda.driver_version);
  return fmt::format(
      "| ongpu | date | host | OS | kernel | driver | CUDA (driver) | GPUs |\n"
      "|---|---|---|---|---|---|---|---|\n"
      "| {} | {} | {} | {} | {} | {} | {} | {} |\n\n",
      ongpu, md::text(in.date), f.host.hostname ? md::code(*f.host.hostname, true) : "unknown", os,
      f.host.kernel_release ? md::code(*f.host.kernel_release, true) : "unknown", driver, cuda,
      gpus_cell(f));
}

std::string chain_section(const Report& r) {
  std::string out =
      "### Chain\n\n"
      "| | link | what was found |\n"
      "|---|---|---|\n";
  for (const auto& link : r.links) {
    std::string found = md::text(link_words(link.link, r.facts).headline);
    for (const auto& f : r.findings) {
      if (f.link == link.link && f.scope.empty() && f.severity != Severity::info)
        found += " " + report_md::severity_mark(f.severity) + " " + md::code(f.id, true);
    }
    out += fmt::format("| {} | {} | {} |\n", report_md::link_mark(link.status),
                       link_title(link.link), found);
  }
  return out + "\n";
}

std::string build_cell(const FrameworkVerdict& v, const Report& r) {
  const FrameworkFacts* fw = facts_of(v, r);
  if (!fw) return "?";
  std::string out = md::text(enum_string(fw->flavor));
  if (fw->cuda_version) out += ", CUDA " + md::text(*fw->cuda_version);
  if (fw->cudnn_version) out += ", cuDNN " + md::text(*fw->cudnn_version);
  return out;
}

std::string frameworks_section(const Report& r) {
  std::string out = "### Frameworks\n\n";
  const auto& envs = r.facts.python.environments;
  if (envs.empty() && r.frameworks.empty()) return out + "No Python interpreter was checked.\n\n";
  if (!r.frameworks.empty()) {
    out +=
        "| | framework | build | interpreter | runs on | why |\n"
        "|---|---|---|---|---|---|\n";
    for (const auto& v : r.frameworks) {
      std::string name = md::text(framework_name(v.framework) + " " + v.version);
      if (v.distribution != enum_string(v.framework))
        name += " (" + md::code(v.distribution, true) + ")";
      std::string interpreter = md::code(v.interpreter, true);
      if (!v.python_version.empty()) interpreter += " (Python " + md::text(v.python_version) + ")";
      std::string mark = v.gpu ? "✓" : v.unknown ? "?" : "✗";
      std::string on = v.gpu ? "GPU" : v.unknown ? "unknown" : "CPU";
      std::string why;
      if (v.gpu) {
        const auto warnings = std::count_if(
            r.findings.begin(), r.findings.end(),
            [&](const auto& f) { return f.scope == v.scope && f.severity == Severity::warning; });
        why = warnings == 0 ? "–" : fmt::format("{} warning{}", warnings, warnings == 1 ? "" : "s");
      } else {
        why = md::text(framework_summary(v, r));
        if (!v.root_cause.empty()) why += " " + md::code(v.root_cause, true);
      }
      out += fmt::format("| {} | {} | {} | {} | {} | {} |\n", mark, name, build_cell(v, r),
                         interpreter, on, why);
    }
    out += "\n";
  }
  // Every interpreter looked at, so that "nothing there" differs from "not looked at".
  bool bullets = false;
  for (const auto& env : envs) {
    const bool has_frameworks =
        std::any_of(r.frameworks.begin(), r.frameworks.end(),
                    [&](const auto& v) { return v.interpreter == env.interpreter; });
    if (has_frameworks) continue;
    std::string line = "- " + md::code(env.interpreter) + " (" + md::text(env.source);
    if (env.version) line += ", Python " + md::text(*env.version);
    line += "): ";
    const Finding* unchecked = nullptr;
    for (const auto& f : r.findings) {
      if (f.scope == "python in " + env.interpreter && f.severity != Severity::info) {
        unchecked = &f;
        break;
      }
    }
    if (unchecked) {
      line += "not checked: " + md::text(finding_words(*unchecked).summary) + " " +
              md::code(unchecked->id);
    } else {
      line += env.probe.status == ProbeStatus::ok
                  ? "no framework installed"
                  : "not checked (" + md::text(enum_string(env.probe.status)) + ")";
    }
    out += line + "\n";
    bullets = true;
  }
  return bullets ? out + "\n" : out;
}

std::string live_line(const verify::VerifyReport& live) {
  return fmt::format("Live proof (`ongpu verify`): {} {}.\n\n", status_mark(live.verdict.status),
                     md::text(verify_summary(live)));
}

}  // namespace

std::string render_report_markdown(const MarkdownReportInput& in) {
  const Report& r = in.doctor;
  // The live proof decides where it checked a framework (as the exit code does).
  const Verdict& decisive = in.live && !in.live->frameworks.empty() ? in.live->verdict : r.verdict;
  std::string out = fmt::format("## ongpu report: {}\n\n", headline(decisive));
  out += fmt::format("{} **{}.** Exit code {}.\n\n", status_mark(r.verdict.status),
                     md::text(verdict_summary(r)), decisive.exit_code);
  if (in.live) out += live_line(*in.live);
  out += causes_section(r);
  out += machine_table(in);
  out += chain_section(r);
  out += frameworks_section(r);
  out += report_md::findings_details(r);
  out += report_md::chain_details(r);
  out += report_md::libraries_details(r);
  out += report_md::environment_details(r);
  if (in.live) out += report_md::live_details(*in.live);
  out += fmt::format("---\n_Made by `ongpu report` on {}{}._\n", md::text(in.date),
                     in.redacted ? "; user and host names, home directories and UUIDs are "
                                   "replaced by placeholders (`--redact`)"
                                 : "");
  return out;
}

}  // namespace ongpu
