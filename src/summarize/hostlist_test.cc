#include "summarize/hostlist.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "util/strings.h"

namespace ongpu::summarize {
namespace {

// An expander written apart from the compressor, as Slurm reads the notation:
// top-level commas separate patterns; prefix[a-b,c]suffix expands each
// number with the width of its first bound.
std::set<std::string> expand(std::string_view list) {
  std::set<std::string> out;
  std::vector<std::string_view> parts;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i <= list.size(); ++i) {
    if (i == list.size() || (list[i] == ',' && depth == 0)) {
      if (i > start) parts.push_back(list.substr(start, i - start));
      start = i + 1;
    } else if (list[i] == '[') {
      ++depth;
    } else if (list[i] == ']') {
      --depth;
    }
  }
  for (auto part : parts) {
    const size_t open = part.find('[');
    if (open == std::string_view::npos) {
      out.emplace(part);
      continue;
    }
    const size_t close = part.find(']', open);
    const auto prefix = part.substr(0, open);
    const auto suffix = part.substr(close + 1);
    for (auto range : split(part.substr(open + 1, close - open - 1), ',')) {
      const size_t dash = range.find('-');
      const auto a = range.substr(0, dash);
      const auto b = dash == std::string_view::npos ? a : range.substr(dash + 1);
      const int width = a.size() > 1 && a[0] == '0' ? static_cast<int>(a.size()) : 0;
      for (uint64_t n = *parse_number<uint64_t>(a); n <= *parse_number<uint64_t>(b); ++n) {
        out.insert(std::string(prefix) + fmt::format("{:0{}}", n, width) + std::string(suffix));
      }
    }
  }
  return out;
}

TEST(Hostlist, RangesOfPaddedNumbers) {
  std::vector<std::string> names{"gpu003", "gpu001", "gpu002", "gpu019", "gpu010",
                                 "gpu011", "gpu012", "gpu004", "gpu005"};
  EXPECT_EQ(compress_hostlist(names), "gpu[001-005,010-012,019]");
}

TEST(Hostlist, OneNameHasNoBrackets) {
  std::vector<std::string> names{"gpu042"};
  EXPECT_EQ(compress_hostlist(names), "gpu042");
  std::vector<std::string> two{"login", "gpu7"};
  EXPECT_EQ(compress_hostlist(two), "gpu7,login");
}

TEST(Hostlist, DuplicatesCountOnce) {
  std::vector<std::string> names{"n1", "n2", "n1", "n2", "n3"};
  EXPECT_EQ(compress_hostlist(names), "n[1-3]");
}

TEST(Hostlist, WidthsAreKeptApart) {
  // gpu9 and gpu10 are written naturally: one range. gpu09 is padded to two
  // digits and joins gpu10 (also two digits), not gpu8.
  std::vector<std::string> natural{"gpu9", "gpu10", "gpu11"};
  EXPECT_EQ(compress_hostlist(natural), "gpu[9-11]");
  std::vector<std::string> padded{"gpu08", "gpu09", "gpu10", "gpu100"};
  EXPECT_EQ(compress_hostlist(padded), "gpu[08-10,100]");
  std::vector<std::string> mixed{"gpu8", "gpu09", "gpu10"};
  EXPECT_EQ(compress_hostlist(mixed), "gpu[8,09-10]");
  std::vector<std::string> same_value{"n1", "n01"};
  EXPECT_EQ(expand(compress_hostlist(same_value)), (std::set<std::string>{"n1", "n01"}));
}

TEST(Hostlist, SuffixAfterTheNumber) {
  std::vector<std::string> names{"node12.cluster", "node13.cluster", "node15.cluster", "node12"};
  EXPECT_EQ(compress_hostlist(names), "node12,node[12-13,15].cluster");
}

TEST(Hostlist, OnlyTheLastNumberVaries) {
  std::vector<std::string> names{"r1n1", "r1n2", "r2n1"};
  EXPECT_EQ(compress_hostlist(names), "r1n[1-2],r2n1");
}

TEST(Hostlist, HugeNumbersStayNames) {
  std::vector<std::string> names{"n1234567890123456789012", "n1234567890123456789013"};
  EXPECT_EQ(expand(compress_hostlist(names)), std::set<std::string>(names.begin(), names.end()));
}

TEST(Hostlist, RandomSetsExpandBackExactly) {
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::string> names;
    const int n = 1 + static_cast<int>(rng() % 80);
    for (int i = 0; i < n; ++i) {
      const int kind = static_cast<int>(rng() % 4);
      const unsigned v = rng() % 120;
      if (kind == 0) names.push_back(fmt::format("gpu{:03}", v));
      if (kind == 1) names.push_back(fmt::format("gpu{}", v));
      if (kind == 2) names.push_back(fmt::format("cpu{:02}.x", v));
      if (kind == 3) names.push_back(v % 7 == 0 ? "login" : fmt::format("a{}b{}", v % 3, v));
    }
    const auto text = compress_hostlist(names);
    EXPECT_EQ(expand(text), std::set<std::string>(names.begin(), names.end())) << text;
  }
}

TEST(Hostlist, NaturalOrder) {
  EXPECT_TRUE(natural_less("gpu2", "gpu10"));
  EXPECT_FALSE(natural_less("gpu10", "gpu2"));
  EXPECT_TRUE(natural_less("gpu1", "gpu01"));
  EXPECT_TRUE(natural_less("a", "b"));
  EXPECT_TRUE(natural_less("gpu", "gpu1"));
  EXPECT_FALSE(natural_less("x", "x"));
}

TEST(Hostlist, CutToWidth) {
  std::vector<std::string> names;
  for (int i = 1; i <= 64; i += 2) names.push_back(fmt::format("gpu{:03}", i));  // 32 names
  const auto patterns = hostlist_patterns(names);
  size_t omitted = 99;
  EXPECT_EQ(hostlist_text_within(patterns, 1000, omitted), compress_hostlist(names));
  EXPECT_EQ(omitted, 0u);
  const auto cut = hostlist_text_within(patterns, 30, omitted);
  EXPECT_EQ(cut, "gpu[001,003,005,007,009,011,…]");  // 30 columns
  EXPECT_EQ(omitted, 26u);
  // What was kept, expanded, plus what was omitted, is every name.
  std::string kept = cut;
  kept.replace(kept.find(",…"), std::string(",…").size(), "");
  EXPECT_EQ(expand(kept).size() + omitted, names.size());
}

TEST(Hostlist, CutBetweenPatterns) {
  std::vector<std::string> names{"alpha", "beta", "gamma", "delta"};
  size_t omitted = 0;
  EXPECT_EQ(hostlist_text_within(hostlist_patterns(names), 14, omitted), "alpha,beta,…");
  EXPECT_EQ(omitted, 2u);
  EXPECT_EQ(hostlist_text_within(hostlist_patterns(names), 3, omitted), "…");
  EXPECT_EQ(omitted, 4u);
}

}  // namespace
}  // namespace ongpu::summarize
