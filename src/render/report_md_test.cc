#include "render/report_md.h"

#include <gtest/gtest.h>

#include "knowledge/knowledge.h"
#include "knowledge/test_tables.h"
#include "render/finding_words.h"
#include "render/markdown.h"
#include "rules/report.h"
#include "rules/test_facts.h"
#include "util/strings.h"
#include "verify/verify_rules.h"

namespace ongpu {
namespace {

using testing::add_framework;
using testing::healthy_facts;

using testing::tables;

std::string render(const Report& r, const verify::VerifyReport* live = nullptr) {
  return render_report_markdown({r, live, "9.9.9", "2026-12-03 12:00 UTC", false});
}

size_t cells(std::string_view row) {
  size_t n = 0;
  for (size_t i = 1; i + 1 < row.size(); ++i) {
    if (row[i] == '|' && row[i - 1] != '\\') ++n;
  }
  return n + 1;
}

// What GitHub needs to render the document as meant: <details> balanced,
// with a blank line after <summary> and before </details>; every row of a
// table with as many cells as its header, and a delimiter row under it;
// every code fence closed; no HTML outside code but the details blocks'.
void expect_well_formed(const std::string& doc) {
  std::vector<std::string> lines;
  for (auto l : split(doc, '\n')) lines.emplace_back(l);
  int open = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto& l = lines[i];
    if (l == "<details>") {
      ++open;
      ASSERT_LT(i + 2, lines.size());
      EXPECT_TRUE(starts_with(lines[i + 1], "<summary>") && ends_with(lines[i + 1], "</summary>"))
          << lines[i + 1];
      EXPECT_EQ(lines[i + 2], "") << "no blank line after " << lines[i + 1];
    } else if (l == "</details>") {
      --open;
      EXPECT_GE(open, 0);
      EXPECT_EQ(lines[i - 1], "") << "no blank line before </details> at line " << i;
    }
  }
  EXPECT_EQ(open, 0);
  // Tables: consecutive lines that start with '|'.
  for (size_t i = 0; i < lines.size();) {
    if (!starts_with(lines[i], "|")) {
      ++i;
      continue;
    }
    const size_t header = cells(lines[i]);
    ASSERT_LT(i + 1, lines.size());
    EXPECT_EQ(cells(lines[i + 1]), header) << lines[i + 1];
    EXPECT_TRUE(starts_with(lines[i + 1], "|---")) << "no delimiter row under " << lines[i];
    size_t j = i + 1;
    for (; j < lines.size() && starts_with(lines[j], "|"); ++j) {
      EXPECT_TRUE(ends_with(lines[j], "|")) << lines[j];
      EXPECT_EQ(cells(lines[j]), header) << lines[j];
    }
    i = j;
  }
  // Fences closed, and in text no '<' that could open a tag but ours.
  md::for_each_part(doc, [&](std::string_view part, bool code) {
    if (code) return;
    for (size_t p = part.find('<'); p != std::string_view::npos; p = part.find('<', p + 1)) {
      if (p > 0 && part[p - 1] == '\\') continue;
      const auto tag = part.substr(p);
      EXPECT_TRUE(starts_with(tag, "<details>") || starts_with(tag, "</details>") ||
                  starts_with(tag, "<summary>") || starts_with(tag, "</summary>"))
          << "raw '<' in text: " << part;
    }
  });
  size_t fences = 0;
  for (const auto& l : lines) fences += starts_with(trim(l), "```");
  EXPECT_EQ(fences % 2, 0u) << doc;
}

bool contains(const std::string& doc, std::string_view s) {
  return doc.find(s) != std::string::npos;
}

TEST(ReportMarkdown, AHealthyMachineWithoutPython) {
  const FactSet f = healthy_facts(2);
  const Report r = build_report(f, tables());
  ASSERT_EQ(r.verdict.status, VerdictStatus::ok);
  const std::string doc = render(r);
  expect_well_formed(doc);
  EXPECT_TRUE(starts_with(doc, "## ongpu report: GPU usable\n")) << doc;
  EXPECT_TRUE(contains(doc, "No issues found.")) << doc;
  EXPECT_FALSE(contains(doc, "**Root cause"));
  EXPECT_FALSE(contains(doc, "**Fix:**"));
  // The machine, from its facts.
  EXPECT_TRUE(
      contains(doc, "| 9.9.9 (facts from " + f.ongpu_version + ") | 2026-12-03 12:00 UTC |"));
  EXPECT_TRUE(contains(doc, "`" + *f.host.kernel_release + "`"));
  EXPECT_TRUE(contains(doc, "| " + *f.nvml.driver_version + " |"));
  EXPECT_TRUE(contains(doc, "| 13.0 |"));
  EXPECT_TRUE(contains(doc, "2 × " + *f.nvml.gpus[0].name)) << doc;
  // One chain row per link, each with its state.
  for (const auto& link : r.links) EXPECT_EQ(link.status, LinkState::ok);
  size_t ok_rows = 0;
  for (auto l : split(doc, '\n')) ok_rows += starts_with(l, "| ✓ ok | ");
  EXPECT_EQ(ok_rows, r.links.size());
  EXPECT_TRUE(contains(doc, "No Python interpreter was checked."));
  // What is not there is not shown.
  EXPECT_FALSE(contains(doc, "CUDA libraries per framework"));
  EXPECT_FALSE(contains(doc, "Live proof"));
  EXPECT_FALSE(contains(doc, "--redact"));
  EXPECT_TRUE(contains(doc, "<summary>Environment variables</summary>"));
  EXPECT_TRUE(contains(doc, "<summary>All findings (none)</summary>"));
}

TEST(ReportMarkdown, TheRootCauseAndEachLineOfItsFix) {
  FactSet f = healthy_facts(1);
  testing::container_without_driver(f);
  const Report r = build_report(f, tables());
  ASSERT_FALSE(r.verdict.root_cause.empty());
  const std::string doc = render(r);
  expect_well_formed(doc);
  EXPECT_TRUE(starts_with(doc, "## ongpu report: GPU not usable\n")) << doc;
  EXPECT_TRUE(contains(doc, "**Root cause** (")) << doc;
  EXPECT_TRUE(contains(doc, "`" + r.verdict.root_cause + "`"));
  const Finding* root = nullptr;
  for (const auto& x : r.findings) {
    if (x.id == r.verdict.root_cause) root = &x;
  }
  ASSERT_NE(root, nullptr);
  const auto words = finding_words(*root);
  ASSERT_FALSE(words.fix.empty());
  for (const auto& fix : words.fix) {
    if (fix_is_command(fix))
      EXPECT_TRUE(contains(doc, "```sh\n" + fix + "\n") || contains(doc, "\n" + fix + "\n```"))
          << fix << " is not in a code block:\n"
          << doc;
    else
      EXPECT_TRUE(contains(doc, "- " + md::text(fix) + "\n")) << fix << "\n" << doc;
  }
  EXPECT_TRUE(contains(doc, "Exit code 2."));
  // The container and NVIDIA_VISIBLE_DEVICES, from the facts.
  EXPECT_TRUE(contains(doc, "(docker)"));
  EXPECT_TRUE(contains(doc, "| `NVIDIA_VISIBLE_DEVICES` | `void` |")) << doc;
}

TEST(ReportMarkdown, EachFrameworkWithItsVerdictAndWhy) {
  FactSet f = healthy_facts(1);
  add_framework(f, Framework::onnxruntime, "1.22.0", BuildFlavor::cpu);
  PythonEnv empty;
  empty.interpreter = "/usr/bin/python3";
  empty.source = "PATH";
  empty.probe.status = ProbeStatus::ok;
  empty.version = std::string("3.12.3");
  f.python.environments.push_back(empty);
  const Report r = build_report(f, tables());
  ASSERT_EQ(r.frameworks.size(), 1u);
  const auto& v = r.frameworks[0];
  ASSERT_FALSE(v.gpu);
  const std::string doc = render(r);
  expect_well_formed(doc);
  EXPECT_TRUE(contains(doc, "### Frameworks"));
  EXPECT_TRUE(contains(doc, "| ✗ | ONNX Runtime 1.22.0 | cpu, CUDA 12.5.1, cuDNN 9 | `" +
                                f.python.environments[0].interpreter +
                                "` (Python 3.11.7) | CPU | "))
      << doc;
  EXPECT_TRUE(contains(doc, "`" + v.root_cause + "` |")) << doc;
  EXPECT_TRUE(contains(doc, "- `/usr/bin/python3` (PATH, Python 3.12.3): no framework installed"))
      << doc;
  // Its libraries: a CPU build resolves none.
  EXPECT_TRUE(contains(doc, "<summary>CUDA libraries per framework</summary>"));
  EXPECT_TRUE(contains(doc, "No CUDA library to resolve."));
  // Its finding is the root cause at the top, with the framework named.
  EXPECT_TRUE(
      contains(doc, "ONNX Runtime 1.22.0 in `" + f.python.environments[0].interpreter + "`"))
      << doc;
}

TEST(ReportMarkdown, LibraryResolutionPerFramework) {
  FactSet f = healthy_facts(1);
  auto& fw = add_framework(f, Framework::torch, "2.9.1");
  LibraryFact found;
  found.soname = "libcudnn.so.9";
  found.outcome = LibraryOutcome::found;
  found.path = found.real_path =
      std::string("/venv/lib/python3.11/site-packages/nvidia/cudnn/lib/libcudnn.so.9");
  found.found_by = "DT_RUNPATH of libtorch_cuda.so";
  found.version = std::string("9.10.2");
  found.other_copies = {{"/usr/lib/x86_64-linux-gnu/libcudnn.so.9", OtherCopy::Status::shadowed,
                         "later in the search"}};
  LibraryFact missing;
  missing.soname = "libnvJitLink.so.12";
  missing.role = LibraryRole::later;
  missing.outcome = LibraryOutcome::not_found;
  missing.wheel_copy = "/venv/lib/python3.11/site-packages/nvidia/nvjitlink/lib/libnvJitLink.so.12";
  fw.libraries = {found, missing};
  const Report r = build_report(f, tables());
  const std::string doc = render(r);
  expect_well_formed(doc);
  EXPECT_TRUE(contains(doc, "| `libcudnn.so.9` | to use the GPU | `" + *found.real_path +
                                "` | DT\\_RUNPATH of libtorch\\_cuda.so | 9.10.2 | 1 other copy |"))
      << doc;
  EXPECT_TRUE(contains(doc, "| `libnvJitLink.so.12` | on first use | **not found** |")) << doc;
  EXPECT_TRUE(contains(doc, "a wheel has it: `" + missing.wheel_copy + "`"));
  EXPECT_TRUE(contains(doc,
                       "- `libcudnn.so.9`: also `/usr/lib/x86_64-linux-gnu/libcudnn.so.9` "
                       "(shadowed: later in the search)"))
      << doc;
}

TEST(ReportMarkdown, HostileValuesBreakNothing) {
  FactSet f = healthy_facts(1);
  const std::string evil = "/tmp/a|b`c<script>alert(1)</script>@org/team\n# h | *x*";
  auto& fw = add_framework(f, Framework::tensorflow, "2.21.0<img src=x>", BuildFlavor::cpu);
  f.python.environments[0].interpreter = evil;
  f.env.ld_library_path = evil;
  f.host.hostname = std::string("host|<b>");
  f.host.os_name = std::string("Evil | OS <i>");
  f.nvml.gpus[0].name = std::string("GPU | <u>x</u>");
  LibraryFact lib;
  lib.soname = "libx.so|1";
  lib.outcome = LibraryOutcome::found;
  lib.real_path = evil;
  lib.found_by = evil;
  fw.libraries = {lib};
  const Report r = build_report(f, tables());
  const std::string doc = render(r);
  expect_well_formed(doc);
  for (auto line : split(doc, '\n')) EXPECT_FALSE(starts_with(line, "# h")) << line;
}

TEST(ReportMarkdown, TheLiveProofWithVerify) {
  FactSet f = healthy_facts(1);
  add_framework(f, Framework::torch, "2.9.1");
  Report doctor = build_report(f, tables());
  verify::LiveRun run;
  run.framework = Framework::torch;
  run.interpreter = f.python.environments[0].interpreter;
  run.probe.status = ProbeStatus::crashed;
  run.probe.signal = 11;
  run.probe.stderr_tail = "Fatal Python error: Segmentation fault\n  File \"<x>\", line 1\n";
  const auto live = verify::build_verify_report(std::move(doctor), {run});
  ASSERT_EQ(live.frameworks.size(), 1u);
  const std::string doc = render(live.doctor, &live);
  expect_well_formed(doc);
  EXPECT_TRUE(contains(doc, "Live proof (`ongpu verify`): ✗ ")) << doc;
  EXPECT_TRUE(contains(doc, "<summary>Live proof (ongpu verify)</summary>"));
  EXPECT_TRUE(contains(doc, "| torch | `" + run.interpreter + "` | ✗ not verified | ")) << doc;
  EXPECT_TRUE(contains(doc, "`" + live.frameworks[0].root_cause + "`")) << doc;
  EXPECT_TRUE(contains(doc, "  ```text\n  Fatal Python error: Segmentation fault\n")) << doc;
  EXPECT_TRUE(contains(doc, fmt::format("Exit code {}.", live.verdict.exit_code)));
  // Without it, none of that.
  const std::string without = render(live.doctor);
  EXPECT_FALSE(contains(without, "Live proof"));
}

TEST(ReportMarkdown, ALiveProofWithNothingToCheckLeavesTheDoctorsVerdict) {
  Report doctor = build_report(healthy_facts(1), tables());
  ASSERT_EQ(doctor.verdict.exit_code, 0);
  const auto live = verify::build_verify_report(std::move(doctor), {});
  const std::string doc = render(live.doctor, &live);
  expect_well_formed(doc);
  EXPECT_TRUE(starts_with(doc, "## ongpu report: GPU usable\n")) << doc;
  EXPECT_TRUE(contains(doc, "Exit code 0.")) << doc;
  EXPECT_TRUE(contains(doc, "Live proof (`ongpu verify`): ✗ no Python interpreter was found"));
}

TEST(ReportMarkdown, RedactedSaysSo) {
  const Report r = build_report(healthy_facts(1), tables());
  const std::string doc = render_report_markdown({r, nullptr, "1", "d", true});
  EXPECT_TRUE(contains(doc, "replaced by placeholders (`--redact`)"));
}

TEST(FixIsCommand, CommandsAndStepsInWords) {
  for (const char* cmd :
       {"sudo modprobe nvidia", "export LD_LIBRARY_PATH=/x", "unset CUDA_VISIBLE_DEVICES",
        "/venv/bin/python -m pip install -U 'jax[cuda12]'", "'/my env/bin/python' -m pip install x",
        "nvidia-smi -L   # lists the GPUs", "grep -l 0x10de /sys/bus/pci/devices/*/vendor",
        "~/venv/bin/python3.11 -m pip install x", "'~/my venv/bin/python3' -c 'import sys'",
        "/opt/conda/bin/conda install x"}) {
    EXPECT_TRUE(fix_is_command(cmd)) << cmd;
  }
  for (const char* step :
       {"use a machine or instance with an NVIDIA GPU", "install the NVIDIA driver for this kernel",
        "on the host: sudo nvidia-modprobe -u -c=0", "reinstall the driver; check that", "",
        "/usr/local/cuda-13.0/lib comes from the loader's cache: remove it",
        "'/usr/local/cuda/lib64' is first on LD_LIBRARY_PATH"}) {
    EXPECT_FALSE(fix_is_command(step)) << step;
  }
}

}  // namespace
}  // namespace ongpu
