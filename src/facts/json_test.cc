#include "facts/json.h"

#include <gtest/gtest.h>

namespace ongpu {

TEST(FactsJson, MissingFactIsNullWithReason) {
  FactSet f;
  f.kernel_module.version = Fact<std::string>::missing("no /proc/driver/nvidia/version");
  auto doc = facts_to_json(f);
  EXPECT_TRUE(doc["facts"]["kernel_module"]["version"].is_null());
  EXPECT_EQ(doc["unavailable"]["kernel_module.version"], "no /proc/driver/nvidia/version");
}

TEST(FactsJson, RoundTripKeepsValuesAndReasons) {
  FactSet f;
  f.ongpu_version = "1.2.3";
  f.kernel_module.version = std::string("580.65.06");
  f.kernel_module.secure_boot = Fact<bool>::missing("no efivars");
  NvmlGpu g;
  g.index = 3;
  g.name = std::string("NVIDIA H100");
  g.memory_total_bytes = uint64_t{85899345920};
  g.uuid = Fact<std::string>::missing("nvmlDeviceGetUUID failed");
  f.nvml.gpus.push_back(g);
  f.env.cuda_visible_devices = "";
  f.env.debug_variables["CUDA_LAUNCH_BLOCKING"] = "1";
  auto back = facts_from_json(facts_to_json(f));
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(back->ongpu_version, "1.2.3");
  EXPECT_EQ(*back->kernel_module.version, "580.65.06");
  EXPECT_EQ(back->kernel_module.secure_boot.reason, "no efivars");
  ASSERT_EQ(back->nvml.gpus.size(), 1u);
  EXPECT_EQ(back->nvml.gpus[0].index, 3u);
  EXPECT_EQ(*back->nvml.gpus[0].memory_total_bytes, 85899345920u);
  EXPECT_EQ(back->nvml.gpus[0].uuid.reason, "nvmlDeviceGetUUID failed");
  ASSERT_TRUE(back->env.cuda_visible_devices.has_value());  // set-but-empty survives
  EXPECT_EQ(*back->env.cuda_visible_devices, "");
  EXPECT_FALSE(back->env.cuda_device_order.has_value());
  EXPECT_EQ(back->env.debug_variables.at("CUDA_LAUNCH_BLOCKING"), "1");
}

TEST(FactsJson, RejectsWrongTypesAndVersions) {
  auto doc = facts_to_json(FactSet{});
  doc["facts"]["host"]["uid"] = "root";
  auto r = facts_from_json(doc);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("host.uid"), std::string::npos);

  auto doc2 = facts_to_json(FactSet{});
  doc2["schema_version"] = 99;
  EXPECT_FALSE(facts_from_json(doc2).ok());
  EXPECT_FALSE(facts_from_json(json::array()).ok());

  auto doc3 = facts_to_json(FactSet{});
  doc3["facts"]["nvml"]["device_count"] = -5;
  EXPECT_FALSE(facts_from_json(doc3).ok());
}

}  // namespace ongpu

namespace ongpu {
namespace {

// A copy that loses is a value for the rules and one string in the JSON
// (schema 1), read back to the same value.
TEST(OtherCopy, TextFormRoundTrips) {
  const OtherCopy c{"/usr/lib/x86_64-linux-gnu/libcudnn.so.9", OtherCopy::Status::shadowed,
                    "later in the search order than /venv/nvidia/cudnn/lib/libcudnn.so.9"};
  EXPECT_EQ(c.to_text(),
            "/usr/lib/x86_64-linux-gnu/libcudnn.so.9: shadowed: later in the search order than "
            "/venv/nvidia/cudnn/lib/libcudnn.so.9");
  EXPECT_EQ(OtherCopy::from_text(c.to_text()), c);
  const auto n = OtherCopy::from_text(
      "/opt/cuda/lib64/libcufft.so.11: not_on_search_path: in /opt/cuda/lib64, which the loader "
      "does not search");
  EXPECT_EQ(n.status, OtherCopy::Status::not_on_search_path);
  EXPECT_EQ(n.path, "/opt/cuda/lib64/libcufft.so.11");
  // A saved fact in no known form stays whole.
  const auto odd = OtherCopy::from_text("something else: entirely");
  EXPECT_EQ(odd.status, OtherCopy::Status::other);
  EXPECT_EQ(odd.to_text(), "something else: entirely");
  LibraryFact lib;
  lib.other_copies = {c, n};
  json unavailable = json::object();
  const json j = detail::write_value(lib, "lib", unavailable);
  ASSERT_TRUE(j["other_copies"].is_array());
  EXPECT_EQ(j["other_copies"][0], c.to_text());
  LibraryFact back;
  std::string error;
  detail::read_value(j, back, "lib", unavailable, error);
  ASSERT_EQ(error, "");
  EXPECT_EQ(back.other_copies, lib.other_copies);
}

}  // namespace
}  // namespace ongpu
