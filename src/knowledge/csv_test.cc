#include "knowledge/csv.h"

#include <gtest/gtest.h>

namespace ongpu::knowledge {

TEST(Csv, HeaderRowsAndQuotedFields) {
  auto t = parse_csv("a,b,c\n1,\"x, y\",\"say \"\"hi\"\"\"\n\n2,,\"two\nlines\"\n", "t.csv");
  ASSERT_TRUE(t) << t.error();
  ASSERT_EQ(t->header, (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->rows[0].line, 2);
  EXPECT_EQ(t->rows[0].fields[1], "x, y");
  EXPECT_EQ(t->rows[0].fields[2], "say \"hi\"");
  EXPECT_EQ(t->rows[1].line, 4);  // after the blank line
  EXPECT_EQ(t->rows[1].fields[1], "");
  EXPECT_EQ(t->rows[1].fields[2], "two\nlines");
  EXPECT_EQ(t->column("c"), 2u);
  EXPECT_FALSE(t->column("d"));
}

TEST(Csv, CrLfBomAndNoFinalNewline) {
  auto t = parse_csv("\xEF\xBB\xBFk,v\r\nx,1\r\ny,2", "t.csv");
  ASSERT_TRUE(t) << t.error();
  EXPECT_EQ(t->header[0], "k");
  ASSERT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->rows[0].fields[1], "1");
  EXPECT_EQ(t->rows[1].fields[1], "2");
}

TEST(Csv, ErrorsNameFileAndLine) {
  auto short_row = parse_csv("a,b\n1,2\n3\n", "dir/x.csv");
  ASSERT_FALSE(short_row);
  EXPECT_NE(short_row.error().find("dir/x.csv:3:"), std::string::npos) << short_row.error();

  auto open_quote = parse_csv("a,b\n1,\"never closed\n", "x.csv");
  ASSERT_FALSE(open_quote);
  EXPECT_NE(open_quote.error().find("x.csv:2:"), std::string::npos) << open_quote.error();

  auto stray_quote = parse_csv("a,b\n1,x\"y\n", "x.csv");
  ASSERT_FALSE(stray_quote);
  EXPECT_NE(stray_quote.error().find("x.csv:2:"), std::string::npos);

  auto after_quote = parse_csv("a,b\n1,\"x\"y\n", "x.csv");
  ASSERT_FALSE(after_quote);

  EXPECT_FALSE(parse_csv("", "x.csv"));
  EXPECT_FALSE(parse_csv("\n\n", "x.csv"));
  EXPECT_FALSE(parse_csv("a,,c\n", "x.csv"));  // empty column name
}

TEST(Csv, ArbitraryBytesNeverCrash) {
  const std::string inputs[] = {
      "\"", "\"\"\"",    ",,,\n\"",    "a\n\"\n\"", std::string("a\0b\n1\0x", 7),
      "\r", "a\r\n\r\n", "a,\"b\"\"\n"};
  for (const auto& in : inputs) (void)parse_csv(in, "fuzz.csv");
}

}  // namespace ongpu::knowledge
