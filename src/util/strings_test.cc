#include "util/strings.h"

#include <gtest/gtest.h>

namespace ongpu {

TEST(Strings, SplitKeepsEmptyFields) {
  auto parts = split("a,,b,", ',');
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_EQ(parts[0], "a");
  EXPECT_EQ(parts[1], "");
  EXPECT_EQ(parts[3], "");
}

TEST(Strings, ParseNumberRejectsGarbage) {
  EXPECT_EQ(parse_number<int>("42"), 42);
  EXPECT_EQ(parse_number<int>(" 7 "), 7);
  EXPECT_FALSE(parse_number<int>("4x"));
  EXPECT_FALSE(parse_number<int>(""));
  EXPECT_FALSE(parse_number<unsigned>("-1"));
  EXPECT_FALSE(parse_number<int>("99999999999999999999"));
  EXPECT_EQ(parse_number<unsigned>("0x10de", 16), 0x10deu);
}

TEST(Strings, ShellQuote) {
  EXPECT_EQ(shell_quote("/usr/local/cuda/lib64:/opt/x"), "/usr/local/cuda/lib64:/opt/x");
  EXPECT_EQ(shell_quote("/my dir/lib"), "'/my dir/lib'");
  EXPECT_EQ(shell_quote("a'b$(x)"), "'a'\\''b$(x)'");
  EXPECT_EQ(shell_quote(""), "''");
  // Control bytes never go out raw: one line, nothing for a terminal to act on.
  EXPECT_EQ(shell_quote("a\nb"), "$'a\\x0ab'");
  // Quotes and backslashes as \xHH too: dash, which has no $'...', still sees one word.
  EXPECT_EQ(shell_quote("\x1b[31mred'\\"), "$'\\x1b[31mred\\x27\\x5c'");
}

TEST(Strings, SanitizeStopsAtNulAndReplacesBadBytes) {
  std::string raw("ab\0cd", 5);
  EXPECT_EQ(sanitize_text(raw), "ab");
  EXPECT_EQ(sanitize_text("x\xff\x01y"), "x??y");
  EXPECT_EQ(sanitize_text("caf\xc3\xa9"), "caf\xc3\xa9");  // valid UTF-8 kept
  EXPECT_EQ(sanitize_text("bad\xc3"), "bad?");             // truncated sequence
  // Found by fuzz/sanitize_text_fuzz.cc: ill-formed sequences the JSON writer rejects.
  EXPECT_EQ(sanitize_text("\xc0\x80"), "??");                // overlong NUL
  EXPECT_EQ(sanitize_text("\xed\xa0\x80"), "???");           // a surrogate
  EXPECT_EQ(sanitize_text("\xf4\x90\x80\x80"), "????");      // above U+10FFFF
  EXPECT_EQ(sanitize_text("\xe0\xa0\x80"), "\xe0\xa0\x80");  // U+0800, the first 3-byte form
}

TEST(Strings, FromHex) {
  EXPECT_EQ(from_hex("2f746d700a1b"), std::optional<std::string>("/tmp\n\x1b"));
  EXPECT_EQ(from_hex(""), std::optional<std::string>(""));
  EXPECT_EQ(from_hex("2"), std::nullopt);
  EXPECT_EQ(from_hex("zz"), std::nullopt);
  EXPECT_EQ(one_line("a\nb\tc\x1b"), "a b c?");
}

}  // namespace ongpu
