#include "util/enum_names.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "facts/factset.h"
#include "facts/json.h"
#include "knowledge/compat.h"
#include "rules/finding.h"
#include "rules/report.h"
#include "rules/visible.h"
#include "summarize/fleet.h"
#include "verify/live.h"
#include "verify/verify_rules.h"

namespace ongpu {
namespace {

// Every name is distinct, non-empty, and reads back to its own value.
template <NamedEnum E>
void expect_names_round_trip() {
  std::set<std::string_view> seen;
  for (E value : enum_values<E>()) {
    const auto name = enum_name(value);
    EXPECT_FALSE(name.empty());
    EXPECT_TRUE(seen.insert(name).second) << "duplicate name " << name;
    EXPECT_EQ(enum_from_name<E>(name), value) << name;
  }
  EXPECT_FALSE(enum_from_name<E>("no such value").has_value());
}

TEST(EnumNames, EveryNamedEnumRoundTrips) {
  expect_names_round_trip<ProbeStatus>();
  expect_names_round_trip<ComputeMode>();
  expect_names_round_trip<BuildFlavor>();
  expect_names_round_trip<LibraryRole>();
  expect_names_round_trip<LibraryLoader>();
  expect_names_round_trip<LibraryOutcome>();
  expect_names_round_trip<LoaderStep>();
  expect_names_round_trip<VerdictStatus>();
  expect_names_round_trip<LinkState>();
  expect_names_round_trip<verify::LiveOutcome>();
  expect_names_round_trip<verify::DeviceKind>();
  expect_names_round_trip<verify::LiveStage>();
  expect_names_round_trip<OrderSource>();
  expect_names_round_trip<Framework>();
  expect_names_round_trip<knowledge::CompatKind>();
  expect_names_round_trip<summarize::UnreadableKind>();
}

// The saved words, as docs/json-schema.md lists them: a renamed enumerator
// must not change what the JSON says.
TEST(EnumNames, NamesAreTheSchemaWords) {
  EXPECT_EQ(enum_name(ProbeStatus::spawn_failed), "spawn_failed");
  EXPECT_EQ(enum_name(ComputeMode::shared), "default");
  EXPECT_EQ(enum_name(LoaderStep::path), "path");
  EXPECT_EQ(enum_name(LoaderStep::dt_runpath), "dt_runpath");
  EXPECT_EQ(enum_name(LoaderStep::ld_so_cache), "ld_so_cache");
  EXPECT_EQ(enum_name(verify::LiveStage::import_framework), "import");
  EXPECT_EQ(enum_name(verify::LiveStage::devices_gpu), "devices-gpu");
  EXPECT_EQ(fmt::format("{}", BuildFlavor::rocm), "rocm");
}

TEST(EnumNames, JsonWritesNamesAndRefusesUnknownOnes) {
  ProbeRun run;
  run.status = ProbeStatus::timed_out;
  json unavailable = json::object();
  EXPECT_EQ(to_json_value(run, unavailable)["status"], "timed_out");
  json direct = VerdictStatus::not_usable;  // a renderer's own document
  EXPECT_EQ(direct, "not_usable");

  json doc = to_json_value(run, unavailable);
  doc["status"] = "exploded";
  auto back = from_json_value<ProbeRun>(doc, unavailable, "nvml.probe");
  ASSERT_FALSE(back.ok());
  EXPECT_NE(back.error().find("nvml.probe.status: unknown value 'exploded'"), std::string::npos)
      << back.error();
  doc["status"] = 3;
  EXPECT_FALSE(from_json_value<ProbeRun>(doc, unavailable).ok());
  doc["status"] = "crashed";
  auto ok = from_json_value<ProbeRun>(doc, unavailable);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->status, ProbeStatus::crashed);
}

}  // namespace
}  // namespace ongpu
