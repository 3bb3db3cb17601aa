#include "knowledge/version.h"

#include <gtest/gtest.h>

namespace ongpu::knowledge {

TEST(Version, ParsesDottedNumbers) {
  auto v = parse_version("580.65.06");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->parts, (std::vector<uint32_t>{580, 65, 6}));
  EXPECT_EQ(v->str(), "580.65.6");
  EXPECT_EQ(v->prefix(2).str(), "580.65");
  EXPECT_TRUE(parse_version("12"));
  for (const char* bad : {"", ".", "1.", ".1", "1..2", "v1", "1.x", " 1", "1 ", "-1", "1.2-rc1",
                          "99999999999999999999"}) {
    EXPECT_FALSE(parse_version(bad)) << bad;
  }
}

TEST(Version, ComparesComponentsAsNumbers) {
  EXPECT_EQ(compare_versions("580.65.06", "525.60.13"), 1);
  EXPECT_EQ(compare_versions("570.26", "570.124.06"), -1);  // 26 < 124, not "2" > "1"
  EXPECT_EQ(compare_versions("12.5", "12.5.0"), 0);
  EXPECT_EQ(compare_versions("2.9.0", "2.10.0"), -1);
  EXPECT_EQ(compare_versions("x", "1"), std::nullopt);
  EXPECT_TRUE(version_at_least("470.82.01", "470.82.01"));
  EXPECT_FALSE(version_at_least("470.82.00", "470.82.01"));
  EXPECT_FALSE(version_at_least("junk", "1"));
}

TEST(Version, SamePrefix) {
  EXPECT_TRUE(same_prefix(*parse_version("2.15.1"), *parse_version("2.15.0"), 2));
  EXPECT_FALSE(same_prefix(*parse_version("2.15.1"), *parse_version("2.16.0"), 2));
  EXPECT_FALSE(same_prefix(*parse_version("2"), *parse_version("2.15"), 2));
}

}  // namespace ongpu::knowledge
