#include "rules/catalog.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

namespace ongpu {

TEST(Catalog, EveryEntryHasMeaningAndFixAndAUniqueId) {
  std::set<std::string_view> seen;
  for (const auto& e : catalog()) {
    EXPECT_FALSE(e.meaning.empty()) << e.id;
    EXPECT_FALSE(e.fix.empty()) << e.id;
    EXPECT_TRUE(seen.insert(e.id).second) << "duplicate id " << e.id;
    EXPECT_NE(e.id.find('.'), std::string_view::npos) << e.id << " is not link.name";
  }
}

TEST(Catalog, EveryEntryIsDocumented) {
  std::ifstream in(std::string(ONGPU_SOURCE_DIR) + "/docs/findings.md");
  ASSERT_TRUE(in) << "docs/findings.md is missing";
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string doc = buf.str();
  for (const auto& e : catalog()) {
    EXPECT_NE(doc.find("`" + std::string(e.id) + "`"), std::string::npos)
        << e.id << " is not in docs/findings.md";
  }
}

}  // namespace ongpu
