#include "summarize/fleet.h"

#include <gtest/gtest.h>

namespace ongpu::summarize {
namespace {

std::string doc(const std::string& host, const std::string& status, const std::string& cause = "",
                const std::string& summary = "why") {
  const int code = status == "ok" ? 0 : status == "warnings" ? 1 : status == "unchecked" ? 70 : 2;
  json findings = json::array();
  if (!cause.empty()) {
    findings.push_back({{"id", cause},
                        {"severity", status == "warnings" ? "warning" : "error"},
                        {"link", "nvml"},
                        {"summary", summary},
                        {"evidence", json::array()},
                        {"fix", {"fix " + cause}},
                        {"scope", nullptr}});
  }
  json d = {{"schema_version", 1},
            {"verdict",
             {{"status", status},
              {"exit_code", code},
              {"root_cause", status == "warnings" || cause.empty() ? json(nullptr) : json(cause)},
              {"summary", "verdict " + status}}},
            {"findings", findings},
            {"facts", {{"host", {{"hostname", host.empty() ? json(nullptr) : json(host)}}}}}};
  return d.dump();
}

void add(FleetCollector& f, const std::string& text, const std::string& input = "stdin",
         bool labelled = false, const std::string& task = "", uint64_t line = 1) {
  Piece p;
  p.text = text;
  p.size = text.size();
  p.line = line;
  f.add_piece(input, labelled, InputPiece{task, std::move(p)});
}

TEST(Fleet, GroupsByVerdictAndCause) {
  FleetCollector f;
  for (int i = 1; i <= 5; ++i) add(f, doc(fmt::format("gpu{:02}", i), "ok"));
  add(f, doc("gpu07", "not_usable", "driver.version_mismatch", "575 vs 580"));
  add(f, doc("gpu06", "not_usable", "driver.version_mismatch", "575 vs 580"));
  add(f, doc("gpu08", "not_usable", "driver.version_mismatch", "570 vs 580"));
  add(f, doc("gpu09", "not_usable", "pci.no_nvidia_device"));
  add(f, doc("gpu10", "warnings", "gpu.retired_pages_pending"));
  add(f, doc("gpu11", "unchecked", "nvml.probe_not_started"));
  const auto s = f.finish();
  EXPECT_EQ(s.nodes, 11u);
  EXPECT_EQ(s.documents, 11u);
  ASSERT_EQ(s.groups.size(), 5u);
  // Worst first, then the largest.
  EXPECT_EQ(s.groups[0].causes, std::vector<std::string>{"driver.version_mismatch"});
  EXPECT_EQ(s.groups[0].nodes, (std::vector<std::string>{"gpu06", "gpu07", "gpu08"}));
  EXPECT_EQ(s.groups[1].causes, std::vector<std::string>{"pci.no_nvidia_device"});
  EXPECT_EQ(s.groups[2].status, VerdictStatus::unchecked);
  EXPECT_EQ(s.groups[3].status, VerdictStatus::warnings);
  EXPECT_EQ(s.groups[4].status, VerdictStatus::ok);
  EXPECT_EQ(s.groups[4].nodes.size(), 5u);
  // Two wordings of the version mismatch, the more common first.
  ASSERT_EQ(s.groups[0].variants.size(), 2u);
  EXPECT_EQ(s.groups[0].variants[0].words[0].summary, "575 vs 580");
  EXPECT_EQ(s.groups[0].variants[0].nodes, (std::vector<std::string>{"gpu06", "gpu07"}));
  EXPECT_EQ(s.groups[0].variants[1].nodes, std::vector<std::string>{"gpu08"});
  EXPECT_EQ(s.by_status[static_cast<size_t>(VerdictStatus::ok)], 5u);
  EXPECT_EQ(s.by_status[static_cast<size_t>(VerdictStatus::not_usable)], 4u);
  EXPECT_EQ(s.exit_code, 2);
}

TEST(Fleet, ExitCodes) {
  {
    FleetCollector f;
    add(f, doc("a1", "ok"));
    EXPECT_EQ(f.finish().exit_code, 0);
  }
  {
    FleetCollector f;
    add(f, doc("a1", "ok"));
    add(f, doc("a2", "warnings", "gpu.retired_pages_pending"));
    EXPECT_EQ(f.finish().exit_code, 1);
  }
  {
    FleetCollector f;  // an unreadable input: the summary may be missing a node
    add(f, doc("a1", "ok"));
    add(f, "not json at all");
    EXPECT_EQ(f.finish().exit_code, 1);
  }
  {
    FleetCollector f;  // nothing readable: not one node is known to work
    add(f, "{\"a\": ");
    EXPECT_EQ(f.finish().exit_code, 2);
  }
  {
    FleetCollector f;
    add(f, doc("a1", "unchecked", "nvml.probe_not_started"));
    EXPECT_EQ(f.finish().exit_code, 2);
  }
  EXPECT_TRUE(FleetCollector().empty());
}

TEST(Fleet, SameNodeTwiceCountsOnceByItsWorstReport) {
  FleetCollector f;
  add(f, doc("gpu1", "ok"), "stdin", true, "0");
  add(f, doc("gpu1", "not_usable", "cuda.init_failed"), "stdin", true, "1");
  add(f, doc("gpu2", "ok"), "stdin", true, "2");
  add(f, doc("gpu2", "ok"), "stdin", true, "3");
  const auto s = f.finish();
  EXPECT_EQ(s.nodes, 2u);
  EXPECT_EQ(s.documents, 4u);
  ASSERT_EQ(s.duplicates.size(), 2u);
  EXPECT_EQ(s.duplicates[0].node, "gpu1");
  EXPECT_FALSE(s.duplicates[0].agree);
  EXPECT_EQ(s.duplicates[0].sources, (std::vector<std::string>{"stdin, task 0", "stdin, task 1"}));
  EXPECT_TRUE(s.duplicates[1].agree);
  ASSERT_EQ(s.groups.size(), 2u);
  EXPECT_EQ(s.groups[0].nodes, std::vector<std::string>{"gpu1"});
  EXPECT_EQ(s.groups[0].status, VerdictStatus::not_usable);
}

TEST(Fleet, OfTwoReportsAsBadTheOrderDoesNotMatter) {
  for (bool swapped : {false, true}) {
    FleetCollector f;
    add(f, doc("gpu1", "not_usable", swapped ? "pci.no_driver_bound" : "cuda.init_failed"));
    add(f, doc("gpu1", "not_usable", swapped ? "cuda.init_failed" : "pci.no_driver_bound"));
    const auto s = f.finish();
    ASSERT_EQ(s.groups.size(), 1u);
    EXPECT_EQ(s.groups[0].causes, std::vector<std::string>{"cuda.init_failed"});
    EXPECT_FALSE(s.duplicates[0].agree);
  }
}

TEST(Fleet, NamesWithoutAHostname) {
  FleetCollector f;
  add(f, doc("", "ok"), "doctor-a.json");
  add(f, doc("", "ok"), "all.jsonl", false, "", 5);
  add(f, doc("", "ok"), "stdin", true, "12");
  const auto s = f.finish();
  ASSERT_EQ(s.groups.size(), 1u);
  EXPECT_EQ(s.groups[0].nodes,
            (std::vector<std::string>{"all.jsonl:5", "doctor-a.json", "stdin:task12"}));
}

TEST(Fleet, UnreadablePieces) {
  FleetCollector f;
  add(f, "{\"a\": tru}");
  add(f, json{{"schema_version", 2}, {"facts", {{"host", {{"hostname", "gpu5"}}}}}}.dump());
  Piece cut;
  cut.kind = PieceKind::truncated;
  cut.text = doc("gpu9", "ok").substr(0, doc("gpu9", "ok").find("gpu9") + 6);
  cut.size = 4096;
  f.add_piece("stdin", true, InputPiece{"4", cut});
  f.add_unreadable(
      {UnreadableKind::cannot_read, "", "missing.json", 0, false, "No such file or directory"});
  const auto s = f.finish();
  ASSERT_EQ(s.unreadable.size(), 4u);
  EXPECT_EQ(s.unreadable[0].kind, UnreadableKind::invalid_json);
  EXPECT_NE(s.unreadable[0].detail.find("syntax error"), std::string::npos)
      << s.unreadable[0].detail;
  EXPECT_EQ(s.unreadable[1].kind, UnreadableKind::wrong_schema);
  EXPECT_EQ(s.unreadable[1].node, "gpu5");
  EXPECT_EQ(s.unreadable[2].kind, UnreadableKind::truncated);
  EXPECT_EQ(s.unreadable[2].node, "gpu9");
  EXPECT_EQ(s.unreadable[2].source, "stdin, task 4");
  EXPECT_EQ(s.unreadable[3].source, "missing.json");
  EXPECT_EQ(s.nodes, 0u);
  EXPECT_FALSE(s.looks_interleaved);  // one fragment is not a pattern
}

TEST(Fleet, InterleavedLinesAreRecognised) {
  FleetCollector f;
  for (auto& p : std::vector<Piece>(2)) {
    p.kind = PieceKind::not_json;
    p.text = "  \"severity\": \"error\",";
    f.add_piece("stdin", false, InputPiece{"", p});
  }
  EXPECT_TRUE(f.finish().looks_interleaved);
  // Two documents' starts in one: a pretty document's lines amid another's.
  FleetCollector merged;
  add(merged, "{\"links\": [], \"a\": {\"links\": [, \"b\": }}");
  add(merged, "{\"links\": [\n\"links\": [], \"b\": 2}}");
  EXPECT_TRUE(merged.finish().looks_interleaved);
  // Documents cut off or broken one by one are not mixed lines.
  FleetCollector broken;
  for (int i = 0; i < 10; ++i) {
    add(broken, "{\"schema_version\": 1,, }");
    Piece cut;
    cut.kind = PieceKind::truncated;
    cut.cut_by_document = true;
    cut.text = "{\"schema_version\": 1, \"verd";
    broken.add_piece("stdin", false, InputPiece{"", cut});
  }
  add(broken, "Segmentation fault");
  EXPECT_FALSE(broken.finish().looks_interleaved);
  // The same in labelled input is another matter: tasks are apart already.
  FleetCollector labelled;
  for (auto& p : std::vector<Piece>(3)) {
    p.kind = PieceKind::not_json;
    p.text = "  \"severity\": \"error\",";
    labelled.add_piece("stdin", true, InputPiece{"1", p});
  }
  EXPECT_FALSE(labelled.finish().looks_interleaved);
}

}  // namespace
}  // namespace ongpu::summarize

namespace ongpu::summarize {
namespace {

TEST(Fleet, WhatIsKeptIsBounded) {
  FleetLimits limits;
  limits.max_nodes = 5;
  limits.max_unreadable_kept = 3;
  limits.max_wordings = 2;
  FleetCollector f(limits);
  for (int i = 0; i < 8; ++i)
    add(f, doc(fmt::format("n{}", i), "not_usable", "a.b", fmt::format("w{}", i)));
  add(f, doc("n1", "not_usable", "a.b", "w9"));  // a node already counted still is
  for (int i = 0; i < 6; ++i) add(f, "junk");
  const auto s = f.finish();
  EXPECT_EQ(s.nodes, 5u);
  EXPECT_EQ(s.documents, 9u);
  ASSERT_EQ(s.groups.size(), 1u);
  EXPECT_EQ(s.groups[0].nodes.size(), 5u);
  EXPECT_EQ(s.groups[0].variants.size(), 3u);  // two kept, and the one for the rest
  EXPECT_EQ(s.unreadable_count, 9u);           // 3 nodes over the limit, 6 lines of junk
  EXPECT_EQ(s.unreadable.size(), 3u);
  EXPECT_EQ(s.unreadable_by_kind[static_cast<size_t>(UnreadableKind::too_many_nodes)], 3u);
  EXPECT_EQ(s.unreadable_by_kind[static_cast<size_t>(UnreadableKind::invalid_json)], 6u);
  EXPECT_EQ(s.unreadable[0].node, "n5");
  EXPECT_EQ(s.unreadable[0].detail, "5");
  EXPECT_EQ(s.exit_code, 2);
}

}  // namespace
}  // namespace ongpu::summarize
