#include "render/markdown.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ongpu::md {
namespace {

// The cells of a GFM table row: split at each '|' that no backslash escapes,
// outside the leading and trailing pipe (GFM spec, "Tables (extension)").
size_t cells(std::string_view row) {
  size_t n = 0;
  for (size_t i = 1; i + 1 < row.size(); ++i) {
    if (row[i] == '|' && row[i - 1] != '\\') ++n;
  }
  return n + 1;
}

std::vector<std::pair<std::string, bool>> parts(std::string_view text) {
  std::vector<std::pair<std::string, bool>> out;
  for_each_part(text, [&](std::string_view p, bool code) { out.emplace_back(p, code); });
  return out;
}

TEST(MarkdownText, EscapesWhatMarkdownAndHtmlWouldRead) {
  EXPECT_EQ(text("plain words 1.2"), "plain words 1.2");
  EXPECT_EQ(text("<script>alert(1)</script>"), "\\<script\\>alert(1)\\</script\\>");
  EXPECT_EQ(text("a|b"), "a\\|b");
  EXPECT_EQ(text("*bold* _it_ `code` [link](x) ~strike~ &amp; $x$ \\"),
            "\\*bold\\* \\_it\\_ \\`code\\` \\[link\\](x) \\~strike\\~ \\&amp; \\$x\\$ \\\\");
  // One line: a newline in a value cannot start a heading or a table row.
  EXPECT_EQ(text("a\n# b\r| c"), "a # b?\\| c");  // a carriage return is no text
}

TEST(MarkdownText, NoValueStartsAListHeadingOrQuote) {
  EXPECT_EQ(text("- item"), "\\- item");
  EXPECT_EQ(text("+ item"), "\\+ item");
  EXPECT_EQ(text("# title"), "\\# title");
  EXPECT_EQ(text("==="), "\\===");
  EXPECT_EQ(text("---"), "\\---");
  EXPECT_EQ(text("--python"), "--python");  // no list item without a space
  EXPECT_EQ(text("#5 #x"), "#5 #x");
  EXPECT_EQ(text("12. item"), "12\\. item");
  EXPECT_EQ(text("3) item"), "3\\) item");
  EXPECT_EQ(text("> quote"), "\\> quote");
  EXPECT_EQ(text("1.5 GB"), "1.5 GB");  // a number is no list item
}

TEST(MarkdownText, AnAtSignNotifiesNobody) {
  const std::string zwsp = "\xE2\x80\x8B";
  EXPECT_EQ(text("cc @org/team"), "cc @" + zwsp + "org/team");
  EXPECT_EQ(text("user@host"), "user@" + zwsp + "host");
  EXPECT_EQ(text("a @ b"), "a @ b");
}

TEST(MarkdownCode, DelimitersLongerThanAnyBacktickRun) {
  EXPECT_EQ(code("/usr/lib/libcuda.so.1"), "`/usr/lib/libcuda.so.1`");
  EXPECT_EQ(code("a`b"), "``a`b``");
  EXPECT_EQ(code("a``b`"), "``` a``b` ```");
  EXPECT_EQ(code(" lead"), "`  lead `");
  EXPECT_EQ(code(""), "(empty)");
  EXPECT_EQ(code("two\nlines"), "`two lines`");
  // HTML and emphasis mean nothing in code: left as they are.
  EXPECT_EQ(code("<b>*x*</b> @team"), "`<b>*x*</b> @team`");
}

TEST(MarkdownCode, PipesAreEscapedOnlyInATable) {
  EXPECT_EQ(code("a|b"), "`a|b`");
  EXPECT_EQ(code("a|b", true), "`a\\|b`");
  // A row keeps its three cells whatever the values hold.
  const std::string row =
      "| " + code("x|y|z", true) + " | " + text("p|q") + " | " + code("back\\|slash", true) + " |";
  EXPECT_EQ(cells(row), 3u) << row;
}

TEST(MarkdownCodeBlock, FenceOutgrowsTheContent) {
  EXPECT_EQ(code_block({"export A=1", "unset B"}, "sh"), "```sh\nexport A=1\nunset B\n```\n");
  EXPECT_EQ(code_block({"echo ```x````"}), "`````\necho ```x````\n`````\n");
  EXPECT_EQ(code_block({"a\nb"}), "```\na b\n```\n");
}

TEST(MarkdownHtml, Entities) {
  EXPECT_EQ(html("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

TEST(MarkdownParts, CodeSpansAndFencedBlocksAreCode) {
  auto p = parts("text `code` more ``a`b`` end\n```sh\nexport X=`y`\n```\nafter `x\n");
  std::vector<std::pair<std::string, bool>> expected = {
      {"text ", false},         {"`code`", true},  {" more ", false},
      {"``a`b``", true},        {" end\n", false}, {"```sh\n", true},
      {"export X=`y`\n", true}, {"```\n", true},   {"after `x\n", false}};
  EXPECT_EQ(p, expected);
}

TEST(MarkdownParts, EscapedBackticksOpenNoSpan) {
  auto p = parts("a \\` b ` c\n");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_FALSE(p[0].second);
}

TEST(MarkdownParts, AShorterFenceDoesNotCloseALongerOne) {
  auto p = parts("````\n```\nstill code\n````\ntext\n");
  ASSERT_EQ(p.size(), 5u);
  for (size_t i = 0; i < 4; ++i) EXPECT_TRUE(p[i].second) << p[i].first;
  EXPECT_FALSE(p[4].second);
}

TEST(MarkdownParts, ConcatenationIsTheInput) {
  const std::string doc = "# t\n\n| a | `b|c` |\n\n```\nx\n```\n- `y` z\n";
  std::string joined;
  for_each_part(doc, [&](std::string_view p, bool) { joined += p; });
  EXPECT_EQ(joined, doc);
}

}  // namespace
}  // namespace ongpu::md
