#include "rules/catalog.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "render/catalog_words.h"
#include "rules/explains.h"

namespace ongpu {

TEST(Catalog, EveryEntryHasMeaningAndFixAndAUniqueId) {
  std::set<std::string_view> seen;
  for (const auto& e : catalog()) {
    const auto* words = catalog_words(e.id);
    ASSERT_NE(words, nullptr) << e.id << " has no words in render/catalog_words.h";
    EXPECT_FALSE(words->meaning.empty()) << e.id;
    EXPECT_FALSE(words->fix.empty()) << e.id;
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
  // Each entry's row as tools/gen-findings-doc.py writes it: a stale
  // document (an entry reworded since) fails here.
  for (const auto& e : catalog()) {
    const auto* words = catalog_words(e.id);
    ASSERT_NE(words, nullptr) << e.id;
    const std::string row = fmt::format("| `{}` | {} | {} | {} |", e.id, severity_name(e.severity),
                                        words->meaning, words->fix);
    EXPECT_NE(doc.find(row), std::string::npos)
        << e.id << ": docs/findings.md lacks its current row; run tools/gen-findings-doc.py";
  }
  for (const auto& x : explanations()) {
    EXPECT_NE(doc.find(fmt::format("| `{}` | `{}` |", x.explainer, x.explained)), std::string::npos)
        << x.explainer << " explains " << x.explained << ": not in docs/findings.md";
  }
}

}  // namespace ongpu
