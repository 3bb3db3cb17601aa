#include "summarize/splitter.h"

#include <gtest/gtest.h>

#include <random>

namespace ongpu::summarize {
namespace {

std::vector<Piece> split_all(std::string_view text, SplitLimits limits = {}, size_t chunk = 0) {
  DocumentSplitter s(limits);
  std::vector<Piece> out;
  if (chunk == 0) {
    s.feed(text, out);
  } else {
    for (size_t i = 0; i < text.size(); i += chunk) s.feed(text.substr(i, chunk), out);
  }
  s.finish(out);
  return out;
}

TEST(Splitter, JsonLines) {
  const std::string text = "{\"a\":1}\n{\"b\":{\"c\":[1,2]}}\n{\"d\":\"x\"}\n";
  const auto p = split_all(text);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].text, "{\"a\":1}");
  EXPECT_EQ(p[1].text, "{\"b\":{\"c\":[1,2]}}");
  EXPECT_EQ(p[2].kind, PieceKind::document);
  EXPECT_EQ(p[2].line, 3u);
  EXPECT_EQ(p[1].offset, 8u);
  EXPECT_EQ(p[1].size, p[1].text.size());
}

TEST(Splitter, PrettyDocumentsConcatenated) {
  const std::string one = "{\n  \"a\": {\n    \"b\": [\n      1\n    ]\n  }\n}";
  const auto p = split_all(one + "\n" + one + one + "\n\n");
  ASSERT_EQ(p.size(), 3u);
  for (const auto& piece : p) {
    EXPECT_EQ(piece.kind, PieceKind::document);
    EXPECT_EQ(piece.text, one);
  }
  EXPECT_EQ(p[1].line, 8u);
}

TEST(Splitter, BracesInsideStringsDoNotCount) {
  const std::string doc = R"({"a": "}{ \" ]", "b": "\\", "c": "{\n"})";
  const auto p = split_all(doc + "\n" + doc);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].text, doc);
  EXPECT_EQ(p[1].text, doc);
}

TEST(Splitter, LinesThatAreNotJson) {
  const auto p = split_all("srun: error: x\nsecond line\n{\"a\":1}\ntrailing junk\n");
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].kind, PieceKind::not_json);
  EXPECT_EQ(p[0].text, "srun: error: x");  // the first line of the run
  EXPECT_EQ(p[0].size, std::string("srun: error: x\nsecond line").size());
  EXPECT_EQ(p[0].line, 1u);
  EXPECT_EQ(p[1].kind, PieceKind::document);
  EXPECT_EQ(p[2].kind, PieceKind::not_json);
  EXPECT_EQ(p[2].line, 4u);
}

TEST(Splitter, TruncatedAtTheEnd) {
  const auto p = split_all("{\"a\":1}\n{\"b\": [1, 2");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[1].kind, PieceKind::truncated);
  EXPECT_FALSE(p[1].cut_by_document);
  EXPECT_EQ(p[1].text, "{\"b\": [1, 2");
  EXPECT_EQ(p[1].size, 11u);
}

TEST(Splitter, TruncatedByTheNextDocument) {
  // A compact line cut off, then the next document at the start of a line;
  // and one cut inside a string.
  const auto p = split_all("{\"a\": {\"b\": 1\n{\"c\": 2}\n{\"d\": \"str\n{\"e\": 3}\n");
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0].kind, PieceKind::truncated);
  EXPECT_TRUE(p[0].cut_by_document);
  EXPECT_EQ(p[0].text, "{\"a\": {\"b\": 1");
  EXPECT_EQ(p[0].size, 13u);
  EXPECT_EQ(p[1].kind, PieceKind::document);
  EXPECT_EQ(p[1].text, "{\"c\": 2}");
  EXPECT_EQ(p[2].kind, PieceKind::truncated);
  EXPECT_EQ(p[3].text, "{\"e\": 3}");
  EXPECT_EQ(p[3].line, 4u);
}

TEST(Splitter, SaysWhereAValueIsDue) {
  DocumentSplitter s;
  std::vector<Piece> out;
  EXPECT_FALSE(s.expects_value());  // no document open
  const std::pair<const char*, bool> steps[] = {
      {"{", false},   {"\"a\"", false}, {": ", true},     {"[", true},     {"1", false},
      {", ", true},   {"{", false},     {"\"b\":", true}, {"\"x:", false}, {"\"}", false},
      {"], ", false}, {"\"c\"", false}, {":\n", true}};
  for (const auto& [bytes, due] : steps) {
    s.feed(bytes, out);
    EXPECT_EQ(s.expects_value(), due) << bytes;
  }
  EXPECT_TRUE(out.empty());
  // Strings with escapes and brackets inside say nothing; past the depth
  // limit and back, the containers are still known.
  DocumentSplitter deep(SplitLimits{.max_depth = 3});
  for (const char* bytes : {"{\"a\": [", "\"x\\\"[:\", ", "[[[[1]]]]", ", "}) deep.feed(bytes, out);
  EXPECT_TRUE(deep.expects_value());  // after the array's ','
  deep.feed("{\"b\":", out);
  EXPECT_TRUE(deep.expects_value());
  deep.feed("1,", out);
  EXPECT_FALSE(deep.expects_value());  // an object's ',': a key is due
  EXPECT_TRUE(out.empty());
}

TEST(Splitter, TooLargeIsNotHeld) {
  SplitLimits limits;
  limits.max_document = 100;
  std::string big = "{\"x\": \"" + std::string(1000, 'a') + "\"}";
  DocumentSplitter s(limits);
  std::vector<Piece> out;
  for (size_t i = 0; i < big.size(); i += 7) {
    s.feed(std::string_view(big).substr(i, 7), out);
    EXPECT_LE(s.held(), 100u);
  }
  s.feed("\n{\"ok\": 1}\n", out);
  s.finish(out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].kind, PieceKind::too_large);
  EXPECT_EQ(out[0].size, big.size());
  EXPECT_TRUE(out[0].text.empty());
  EXPECT_EQ(out[1].text, "{\"ok\": 1}");
}

TEST(Splitter, AHugeLineOfTextIsNotHeld) {
  DocumentSplitter s;
  std::vector<Piece> out;
  const std::string chunk(1 << 16, 'z');
  for (int i = 0; i < 160; ++i) s.feed(chunk, out);  // 10 MiB, no newline
  EXPECT_TRUE(out.empty());
  s.finish(out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].kind, PieceKind::not_json);
  EXPECT_EQ(out[0].size, 160u << 16);
  EXPECT_EQ(out[0].text.size(), 80u);
}

TEST(Splitter, TooDeep) {
  const std::string deep = std::string(300, '[');
  const auto p = split_all("{\"a\": " + deep + std::string(300, ']') + "}\n{}");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].kind, PieceKind::too_deep);
  EXPECT_EQ(p[1].text, "{}");
}

TEST(Splitter, BlanksAreNothing) {
  EXPECT_TRUE(split_all("").empty());
  EXPECT_TRUE(split_all(" \n\t\r\n\n").empty());
}

TEST(Splitter, ChunkBoundariesDoNotMatter) {
  const std::string text =
      "junk\n{\"a\": \"}\\\"{\", \"b\": [1, {\"c\": null}]}\n{\n  \"p\": 1\n}garbage\n"
      "{\"cut\": \n{\"n\": 2}\n   \n{\"end\": [";
  const auto whole = split_all(text);
  ASSERT_EQ(whole.size(), 7u);
  std::mt19937 rng(3);
  for (size_t chunk = 1; chunk < 40; ++chunk) {
    const auto parts = split_all(text, {}, chunk);
    ASSERT_EQ(parts.size(), whole.size()) << chunk;
    for (size_t i = 0; i < whole.size(); ++i) {
      EXPECT_EQ(parts[i].kind, whole[i].kind) << chunk;
      EXPECT_EQ(parts[i].text, whole[i].text) << chunk;
      EXPECT_EQ(parts[i].offset, whole[i].offset) << chunk;
      EXPECT_EQ(parts[i].line, whole[i].line) << chunk;
      EXPECT_EQ(parts[i].size, whole[i].size) << chunk;
    }
  }
}

}  // namespace
}  // namespace ongpu::summarize
