#include "summarize/node_report.h"

#include <gtest/gtest.h>

namespace ongpu::summarize {
namespace {

// The members of `ongpu doctor --json` that summarize reads, in its shape
// (docs/schema/doctor-1.schema.json); the end-to-end tests read real ones.
json doctor_doc(const std::string& status, int exit_code, json root_cause, json findings,
                json hostname = "gpu001") {
  return {{"schema_version", 1},
          {"ongpu_version", "0.1.0"},
          {"verdict",
           {{"gpu_usable", status == "ok" || status == "warnings"},
            {"status", status},
            {"exit_code", exit_code},
            {"root_cause", root_cause},
            {"summary", "CUDA can use 8 GPUs here"}}},
          {"links", json::array()},
          {"findings", findings},
          {"frameworks", json::array()},
          {"facts", {{"host", {{"hostname", hostname}}}}},
          {"unavailable", json::object()}};
}

json finding(const std::string& id, const std::string& severity, const std::string& summary,
             std::vector<std::string> fix = {}) {
  return {{"id", id},           {"severity", severity},      {"link", "nvml"},
          {"summary", summary}, {"evidence", json::array()}, {"fix", fix},
          {"scope", nullptr}};
}

TEST(NodeReport, Usable) {
  auto r = node_report_from_json(doctor_doc("ok", 0, nullptr, json::array()));
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->hostname, "gpu001");
  EXPECT_EQ(r->status, VerdictStatus::ok);
  EXPECT_TRUE(r->causes.empty());
  ASSERT_EQ(r->words.size(), 1u);
  EXPECT_EQ(r->words[0].summary, "CUDA can use 8 GPUs here");
  EXPECT_EQ(r->words[0].id, "");
}

TEST(NodeReport, NotUsableByItsRootCause) {
  json findings =
      json::array({finding("driver.version_mismatch", "error", "575 vs 580", {"sudo reboot"}),
                   finding("cuda.init_failed", "error", "cuInit failed")});
  auto r = node_report_from_json(doctor_doc("not_usable", 2, "driver.version_mismatch", findings));
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->causes, std::vector<std::string>{"driver.version_mismatch"});
  ASSERT_EQ(r->words.size(), 1u);
  EXPECT_EQ(r->words[0], (Wording{"driver.version_mismatch", "575 vs 580", {"sudo reboot"}}));
}

TEST(NodeReport, WarningsAreWhatIsNotInformation) {
  json findings = json::array({finding("env.info_only", "info", "fyi"),
                               finding("nvml.init_failed", "error", "NVML failed"),
                               finding("gpu.retired_pages_pending", "warning", "pages", {"reset"}),
                               finding("nvml.init_failed", "error", "again")});
  auto r = node_report_from_json(doctor_doc("warnings", 1, nullptr, findings));
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->causes, (std::vector<std::string>{"nvml.init_failed", "gpu.retired_pages_pending"}));
  ASSERT_EQ(r->words.size(), 2u);
  EXPECT_EQ(r->words[0].summary, "NVML failed");  // its first finding
  EXPECT_EQ(r->words[1].fix, std::vector<std::string>{"reset"});
}

TEST(NodeReport, NoHostname) {
  auto r = node_report_from_json(doctor_doc("ok", 0, nullptr, json::array(), nullptr));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->hostname, "");
}

TEST(NodeReport, RefusesWhatIsNotADoctorDocument) {
  const auto error = [](const json& doc) {
    auto r = node_report_from_json(doc);
    return r ? std::string("accepted") : r.error();
  };
  EXPECT_EQ(error(json::array()), "an array, not a document");
  EXPECT_EQ(error(json{{"a", 1}}), "no schema_version: not an ongpu document");
  auto v2 = doctor_doc("ok", 0, nullptr, json::array());
  v2["schema_version"] = 2;
  EXPECT_EQ(error(v2), "schema_version 2; this ongpu reads 1");
  EXPECT_EQ(error(json{{"schema_version", 1},
                       {"verdict", json::object()},
                       {"frameworks", json::array()},
                       {"machine_findings", json::array()}}),
            "an `ongpu verify --json` document, not `ongpu doctor --json`");
  EXPECT_EQ(error(doctor_doc("fine", 0, nullptr, json::array())),
            "verdict.status \"fine\" is not one of ok, warnings, not_usable, unchecked");
  EXPECT_EQ(error(doctor_doc("ok", 2, nullptr, json::array())),
            "verdict.exit_code 2 does not go with status ok");
  EXPECT_EQ(error(doctor_doc("not_usable", 2, "pci.no_nvidia_device", json::array())),
            "verdict.root_cause pci.no_nvidia_device is not among its findings");
  auto bad_fix = json::array({finding("a.b", "error", "x")});
  bad_fix[0]["fix"] = "sudo reboot";
  EXPECT_EQ(error(doctor_doc("not_usable", 2, "a.b", bad_fix)),
            "findings[0].fix is not a list of strings");
  auto no_summary = json::array({finding("a.b", "error", "x")});
  no_summary[0].erase("summary");
  EXPECT_EQ(error(doctor_doc("not_usable", 2, "a.b", no_summary)),
            "findings[0].summary is not a string");
}

TEST(NodeReport, ForgedTextIsCapped) {
  json findings = json::array(
      {finding("a.b", "error", std::string(100000, 's'), std::vector<std::string>(100, "fix"))});
  auto r = node_report_from_json(doctor_doc("not_usable", 2, "a.b", findings));
  ASSERT_TRUE(r);
  EXPECT_LT(r->words[0].summary.size(), 5000u);
  EXPECT_LE(r->words[0].fix.size(), 33u);
}

TEST(NodeReport, ALongHostnameIsCutBetweenCharacters) {
  std::string long_name;
  for (int i = 0; i < 200; ++i) long_name += "\xc3\xa9";  // é, two bytes
  auto r = node_report_from_json(doctor_doc("ok", 0, nullptr, json::array(), long_name));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->hostname.size(), 254u);  // 127 whole characters of the 255 bytes allowed
  EXPECT_EQ(r->hostname, long_name.substr(0, 254));
  const std::string text = doctor_doc("ok", 0, nullptr, json::array(), long_name).dump();
  EXPECT_EQ(hostname_in_partial(text), long_name.substr(0, 254));
}

TEST(NodeReport, HostnameFromTheStartOfADocument) {
  const std::string text = doctor_doc("ok", 0, nullptr, json::array(), "gpu042").dump();
  const size_t at = text.find("gpu042");
  EXPECT_EQ(hostname_in_partial(text.substr(0, at + 8)), "gpu042");
  EXPECT_EQ(hostname_in_partial(text), "gpu042");
  EXPECT_EQ(hostname_in_partial(text.substr(0, at + 3)), std::nullopt);   // cut inside it
  EXPECT_EQ(hostname_in_partial("{\"hostname\": \"x\"}"), std::nullopt);  // not facts.host
  EXPECT_EQ(hostname_in_partial("not json"), std::nullopt);
}

}  // namespace
}  // namespace ongpu::summarize
