#include "render/summarize.h"

#include <gtest/gtest.h>

#include "util/strings.h"

namespace ongpu {
namespace {

using summarize::FleetSummary;
using summarize::Group;
using summarize::Unreadable;
using summarize::UnreadableKind;
using summarize::Variant;
using summarize::Wording;

std::vector<std::string> names(const std::string& prefix, int from, int to, int step = 1) {
  std::vector<std::string> out;
  for (int i = from; i <= to; i += step) out.push_back(fmt::format("{}{:03}", prefix, i));
  return out;
}

FleetSummary example() {
  FleetSummary s;
  Group bad{
      VerdictStatus::not_usable, {"driver.version_mismatch"}, {"gpu003", "gpu017", "gpu018"}, {}};
  bad.variants.push_back(Variant{{Wording{"driver.version_mismatch",
                                          "the kernel module is 580.65.06 but libcuda.so.1 is "
                                          "575.57.08, so every CUDA call fails until the two agree",
                                          {"sudo reboot   # loads the 580.65.06 module"}}},
                                 bad.nodes});
  Group ok{VerdictStatus::ok, {}, names("gpu", 19, 64), {}};
  ok.nodes.insert(ok.nodes.begin(), {"gpu001", "gpu002"});
  ok.variants.push_back(Variant{{Wording{"", "CUDA can use 8 GPUs here", {}}}, ok.nodes});
  s.groups = {bad, ok};
  s.nodes = 51;
  s.documents = 51;
  s.by_status = {48, 0, 3, 0};
  s.unreadable.push_back(
      Unreadable{UnreadableKind::truncated, "gpu013", "stdin, task 12", 4096, true, ""});
  s.unreadable.push_back(Unreadable{UnreadableKind::not_json, "", "stdin, line 4", 40, false,
                                    "slurmstepd: error: *** STEP"});
  s.unreadable_count = 2;
  s.unreadable_by_kind[static_cast<size_t>(UnreadableKind::truncated)] = 1;
  s.unreadable_by_kind[static_cast<size_t>(UnreadableKind::not_json)] = 1;
  s.exit_code = 2;
  return s;
}

size_t widest(const std::string& text, bool skip_fix = true) {
  size_t most = 0;
  for (auto line : split(text, '\n')) {
    if (skip_fix && line.find("fix:") != std::string_view::npos) continue;
    size_t cols = 0;
    for (char c : line) cols += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    most = std::max(most, cols);
  }
  return most;
}

TEST(SummaryText, TheTable) {
  const auto text = render_summary_text(example(), {false, false, 80});
  EXPECT_NE(text.find("51 nodes: 3 not usable, 48 usable; 2 inputs unreadable\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("NODES  VERDICT     CAUSE                    WHICH\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("    3  not usable  driver.version_mismatch  gpu[003,017-018]\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("   48  usable      -                        gpu[001-002,019-064]\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("       fix: sudo reboot   # loads the 580.65.06 module\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("    2  unreadable  1 truncated, 1 not JSON\n"), std::string::npos) << text;
  EXPECT_NE(text.find("       gpu013 (stdin, task 12): truncated after 4,096 bytes, where another\n"
                      "         document began\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("stdin, line 4: not JSON: slurmstepd: error: *** STEP…\n"), std::string::npos)
      << text;
  EXPECT_LE(widest(text), 80u) << text;
}

TEST(SummaryText, LongNodeListsAreCutToTheWidth) {
  FleetSummary s;
  Group g{VerdictStatus::ok, {}, names("node", 1, 999, 2), {}};  // 500 nodes, no two consecutive
  g.variants.push_back(Variant{{Wording{"", "CUDA can use 1 GPU here", {}}}, g.nodes});
  s.groups = {g};
  s.nodes = g.nodes.size();
  s.documents = s.nodes;
  for (int width : {60, 80, 120}) {
    const auto text = render_summary_text(s, {false, false, width});
    EXPECT_LE(widest(text), static_cast<size_t>(width)) << text;
    EXPECT_NE(text.find("more)"), std::string::npos) << text;
    EXPECT_LE(std::count(text.begin(), text.end(), '\n'), 9) << text;
  }
  // -v: every node.
  const auto all = render_summary_text(s, {false, true, 80});
  EXPECT_NE(all.find("999]"), std::string::npos);
  EXPECT_EQ(all.find("more)"), std::string::npos);
}

TEST(SummaryText, Wordings) {
  FleetSummary s;
  Group g{VerdictStatus::not_usable, {"driver.version_mismatch"}, {}, {}};
  for (int v = 0; v < 5; ++v) {
    Variant var{{Wording{"driver.version_mismatch", fmt::format("version {}", v), {"sudo reboot"}}},
                names("gpu", v * 10 + 1, v * 10 + 5 - v)};
    g.nodes.insert(g.nodes.end(), var.nodes.begin(), var.nodes.end());
    g.variants.push_back(var);
  }
  s.groups = {g};
  s.nodes = g.nodes.size();
  const auto text = render_summary_text(s, {false, false, 100});
  EXPECT_NE(text.find("       gpu[001-005]: version 0\n         fix: sudo reboot\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("… 2 more wordings on 3 nodes (-v shows them all)"), std::string::npos)
      << text;
  const auto all = render_summary_text(s, {false, true, 100});
  EXPECT_NE(all.find("gpu041: version 4"), std::string::npos) << all;
}

TEST(SummaryText, NarrowTerminal) {
  const auto text = render_summary_text(example(), {false, false, 40});
  EXPECT_NE(text.find("    3  not usable  driver.version_mismatch\n       gpu[003,017-018]\n"),
            std::string::npos)
      << text;
}

TEST(SummaryText, UnreadableNotKept) {
  auto s = example();
  s.unreadable_count = 12345;
  s.unreadable_by_kind[static_cast<size_t>(UnreadableKind::too_many_nodes)] = 12343;
  const auto text = render_summary_text(s, {false, true, 100});
  EXPECT_NE(text.find("12,345  unreadable  1 truncated, 1 not JSON, 12,343 over the node limit\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("… and 12,343 more (not kept: counted only)"), std::string::npos) << text;
}

TEST(SummaryText, Notes) {
  auto s = example();
  s.duplicates.push_back({"gpu003", {"stdin, task 3", "stdin, task 67"}, false});
  s.looks_interleaved = true;
  const auto text = render_summary_text(s, {false, false, 200});
  EXPECT_NE(
      text.find("gpu003 reported 2 times (stdin, task 3; stdin, task 67): counted once, by its "
                "worst report; the reports disagree"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("srun -l -N 64 ongpu doctor --json"), std::string::npos) << text;
}

TEST(SummaryText, ForgedTextStaysOnItsLine) {
  auto s = example();
  s.groups[0].variants[0].words[0].summary = "evil\n\x1b[31mred";
  s.groups[0].nodes[0] = "gpu\n003";
  const auto text = render_summary_text(s, {false, false, 80});
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_EQ(text.find("\n003"), std::string::npos);
}

TEST(SummaryJson, Shape) {
  const auto doc = render_summary_json(example());
  EXPECT_EQ(doc["schema_version"], 1);
  EXPECT_EQ(doc["exit_code"], 2);
  EXPECT_EQ(doc["by_status"]["not_usable"], 3);
  EXPECT_EQ(doc["groups"][0]["status"], "not_usable");
  EXPECT_EQ(doc["groups"][0]["hostlist"], "gpu[003,017-018]");
  EXPECT_EQ(doc["groups"][0]["count"], 3);
  EXPECT_EQ(doc["groups"][0]["variants"][0]["words"][0]["fix"][0],
            "sudo reboot   # loads the 580.65.06 module");
  EXPECT_TRUE(doc["groups"][1]["variants"][0]["words"][0]["id"].is_null());
  EXPECT_EQ(doc["unreadable"][0]["kind"], "truncated");
  EXPECT_EQ(doc["unreadable"][0]["node"], "gpu013");
  EXPECT_EQ(doc["unreadable"][0]["bytes"], 4096);
  EXPECT_TRUE(doc["unreadable"][1]["node"].is_null());
  EXPECT_EQ(doc["unreadable_count"], 2);
}

}  // namespace
}  // namespace ongpu
