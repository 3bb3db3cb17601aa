#include "render/finding_words.h"

#include <gtest/gtest.h>

#include "render/wordings.h"
#include "rules/catalog.h"

namespace ongpu {
namespace {

TEST(FindingWords, EveryCatalogIdHasExactlyOneWording) {
  for (const auto& e : catalog()) {
    EXPECT_EQ(wording::wordings_of(e.id).size(), 1u) << e.id;
  }
}

// A wording reads the args by name; one the finding lacks is reported, not
// guessed, and shows as "?".
TEST(FindingWords, AMissingArgIsReportedAndShownAsAQuestionMark) {
  Finding f = make_finding("gpu.row_remap_failed");
  auto words = finding_words(f);
  EXPECT_EQ(words.missing, std::vector<std::string>{"index"});
  EXPECT_EQ(words.summary, "GPU ? (?) failed a memory row remap");
  f.args.set("index", 3).set("name", "NVIDIA H100");
  words = finding_words(f);
  EXPECT_TRUE(words.missing.empty());
  EXPECT_EQ(words.summary, "GPU 3 (NVIDIA H100) failed a memory row remap");
}

TEST(FindingArgs, ValuesListsNumbersAndFlags) {
  FindingArgs a;
  a.set("path", "/dev/nvidia0").set("pids", std::vector<std::string>{"12", "34"});
  a.set("count", 2).set("deadline_s", 2.5).flag("in_container");
  EXPECT_EQ(a.get("path"), "/dev/nvidia0");
  EXPECT_EQ(a.get("pids"), "12, 34");
  EXPECT_EQ(a.list("pids").size(), 2u);
  EXPECT_EQ(a.number("count"), 2);
  EXPECT_EQ(a.number("deadline_s"), 2.5);
  EXPECT_EQ(a.number("path"), 0) << "not a number";
  EXPECT_TRUE(a.has("in_container"));
  a.flag("in_container", false);
  EXPECT_FALSE(a.has("in_container"));
  EXPECT_EQ(a.get("nothing"), "");
  a.set("path", "/dev/nvidia1");
  EXPECT_EQ(a.get("path"), "/dev/nvidia1") << "set again replaces";
}

}  // namespace
}  // namespace ongpu
