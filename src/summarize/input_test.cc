#include "summarize/input.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "facts/json.h"

namespace ongpu::summarize {
namespace {

// What srun prints for tasks' output, written from Slurm 22.05's source:
// slurmstepd cuts each task's output into messages (a line when it is under
// 1024 bytes with its newline, else exactly 1024 bytes; at the end, the
// rest), and srun --label writes each line of a message after "%*d: ",
// ending a message that does not end a line with a newline of its own.
std::vector<std::string> stepd_messages(std::string_view out) {
  std::vector<std::string> msgs;
  while (!out.empty()) {
    const size_t nl = out.find('\n');
    const size_t line = nl == std::string_view::npos ? 0 : nl + 1;  // cbuf_peek_line
    size_t take;
    if (line >= 1024 || (line == 0 && out.size() >= 1024)) {
      take = 1024;
    } else if (line > 0) {
      take = line;
    } else {
      take = out.size();  // the end of the task's output
    }
    msgs.emplace_back(out.substr(0, take));
    out.remove_prefix(take);
  }
  return msgs;
}

std::string srun_label(const std::string& msg, int task, int width) {
  std::string out;
  size_t start = 0;
  while (start < msg.size()) {
    const size_t nl = msg.find('\n', start);
    const size_t end = nl == std::string::npos ? msg.size() : nl + 1;
    out += fmt::format("{:>{}}: ", task, width) + msg.substr(start, end - start);
    if (nl == std::string::npos) out += "\n";
    start = end;
  }
  return out;
}

// srun --unbuffered: a message is what one read() of the task's terminal
// returned, of any size up to 1024 bytes.
std::vector<std::string> unbuffered_messages(std::string_view out, std::mt19937& rng) {
  std::vector<std::string> msgs;
  while (!out.empty()) {
    const size_t take = std::min<size_t>(out.size(), 1 + rng() % 1024);
    msgs.emplace_back(out.substr(0, take));
    out.remove_prefix(take);
  }
  return msgs;
}

// The tasks' messages in a random order that keeps each task's own order.
std::string srun_output(const std::vector<std::string>& task_outputs, std::mt19937& rng,
                        bool labels = true, bool unbuffered = false) {
  std::vector<std::vector<std::string>> msgs;
  for (const auto& o : task_outputs) {
    msgs.push_back(unbuffered ? unbuffered_messages(o, rng) : stepd_messages(o));
  }
  std::vector<size_t> next(msgs.size(), 0);
  const int width = static_cast<int>(std::to_string(task_outputs.size() - 1).size());
  std::string out;
  for (;;) {
    std::vector<size_t> open;
    for (size_t t = 0; t < msgs.size(); ++t) {
      if (next[t] < msgs[t].size()) open.push_back(t);
    }
    if (open.empty()) return out;
    const size_t t = open[rng() % open.size()];
    const auto& m = msgs[t][next[t]++];
    out += labels ? srun_label(m, static_cast<int>(t), width) : m;
  }
}

std::vector<InputPiece> read_all(std::string_view text, size_t chunk, InputLimits limits = {}) {
  InputReader r(limits);
  std::vector<InputPiece> out;
  for (size_t i = 0; i < text.size(); i += chunk) r.feed(text.substr(i, chunk), out);
  r.finish(out);
  return out;
}

// A compact document of about `size` bytes, naming its task.
std::string compact_doc(int task, size_t size) {
  std::string pad;
  for (size_t i = 0; pad.size() < size; ++i) pad += fmt::format("\"t{}-{}\",", task, i);
  pad.pop_back();
  return fmt::format("{{\"task\": {}, \"pad\": [{}]}}", task, pad);
}

// Pretty-printed as the doctor prints: nested objects after their key, or
// on lines of their own in an array.
std::string pretty_doc(int task, int lines) {
  std::string out =
      "{\n  \"task\": " + std::to_string(task) +
      ",\n  \"library\": {\n    \"probe\": {\n      \"pid\": 1\n    }\n  },\n"
      "  \"gpus\": [\n    {\n      \"i\": 0\n    },\n    {\n      \"i\": 1\n    }\n  ],\n"
      "  \"lines\": [\n";
  for (int i = 0; i < lines; ++i)
    out += fmt::format("    \"{}-{}\"{}\n", task, i, i + 1 < lines ? "," : "");
  return out + "  ]\n}";
}

TEST(SrunLabel, Matches) {
  TaskLabel l;
  EXPECT_EQ(match_srun_label("3: {", false, l), LabelMatch::yes);
  EXPECT_EQ(l.task, "3");
  EXPECT_EQ(l.length, 3u);
  EXPECT_EQ(match_srun_label(" 12: x", false, l), LabelMatch::yes);
  EXPECT_EQ(l.task, "12");
  EXPECT_EQ(l.length, 5u);
  EXPECT_EQ(match_srun_label("P1  3: x", false, l), LabelMatch::yes);
  EXPECT_EQ(l.task, "P1 3");
  EXPECT_EQ(match_srun_label("007: ", true, l), LabelMatch::yes);
  EXPECT_EQ(l.task, "7");
  EXPECT_EQ(match_srun_label("{\"a\": 1}", false, l), LabelMatch::no);
  EXPECT_EQ(match_srun_label("  \"id\": 3", false, l), LabelMatch::no);
  EXPECT_EQ(match_srun_label("12:x", false, l), LabelMatch::no);
  EXPECT_EQ(match_srun_label(" 12", false, l), LabelMatch::need_more);
  EXPECT_EQ(match_srun_label(" 12", true, l), LabelMatch::no);
  EXPECT_EQ(match_srun_label("12:", false, l), LabelMatch::need_more);
  EXPECT_EQ(match_srun_label("", false, l), LabelMatch::need_more);
}

TEST(InputReader, UnlabelledInputIsOneStream) {
  const std::string text = "\n\n{\"a\": 1}\n{\n  \"b\": 2\n}\n";
  const auto p = read_all(text, 3);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].task, "");
  EXPECT_EQ(p[0].piece.line, 3u);  // the blank lines before it count
  EXPECT_EQ(p[1].piece.text, "{\n  \"b\": 2\n}");
}

TEST(InputReader, SeparatesSrunTasks) {
  // Compact lines far over 1024 bytes, pretty documents, and lines of
  // exactly 1023 and 1024 bytes, where the message ends with the line or
  // one byte before its newline.
  std::mt19937 rng(11);
  for (int round = 0; round < 20; ++round) {
    std::vector<std::string> docs, outputs;
    const int tasks = 2 + static_cast<int>(rng() % 14);
    for (int t = 0; t < tasks; ++t) {
      std::string doc;
      switch (t % 4) {
        case 0:
          doc = compact_doc(t, 3000 + rng() % 20000);
          break;
        case 1:
          doc = pretty_doc(t, 5 + static_cast<int>(rng() % 200));
          break;
        case 2:
          doc = compact_doc(t, 900);
          doc.insert(doc.size() - 1, std::string(1023 - doc.size(), ' '));  // 1023 + newline
          break;
        default:
          doc = compact_doc(t, 900);
          doc.insert(doc.size() - 1, std::string(1024 - doc.size(), ' '));  // 1024 + newline
      }
      docs.push_back(doc);
      outputs.push_back(doc + "\n");
    }
    const auto text = srun_output(outputs, rng);
    const auto pieces = read_all(text, 1 + rng() % 5000);
    ASSERT_EQ(pieces.size(), docs.size()) << round;
    std::map<std::string, std::string> by_task;
    for (const auto& p : pieces) {
      EXPECT_EQ(p.piece.kind, PieceKind::document);
      by_task[p.task] = p.piece.text;
    }
    for (int t = 0; t < tasks; ++t)
      EXPECT_EQ(by_task[std::to_string(t)], docs[t]) << round << " " << t;
  }
}

TEST(InputReader, SeparatesUnbufferedSrunTasks) {
  // Cut anywhere: inside strings, numbers, words, escapes.
  std::mt19937 rng(12);
  for (int round = 0; round < 30; ++round) {
    std::vector<std::string> docs, outputs;
    const int tasks = 2 + static_cast<int>(rng() % 10);
    for (int t = 0; t < tasks; ++t) {
      std::string doc = t % 2 ? pretty_doc(t, 5 + static_cast<int>(rng() % 100))
                              : compact_doc(t, 2000 + rng() % 8000);
      doc.insert(doc.size() - 1,
                 ", \"n\": [12345678, -1.5e+10, true, false, null, \"a\\\"b\\\\\"]");
      docs.push_back(doc);
      outputs.push_back(doc + "\n");
    }
    const auto text = srun_output(outputs, rng, true, /*unbuffered=*/true);
    const auto pieces = read_all(text, 1 + rng() % 3000);
    ASSERT_EQ(pieces.size(), docs.size()) << round;
    std::map<std::string, std::string> by_task;
    for (const auto& p : pieces) {
      EXPECT_EQ(p.piece.kind, PieceKind::document);
      by_task[p.task] = p.piece.text;
    }
    for (int t = 0; t < tasks; ++t) {
      // The same JSON; srun's newlines between tokens may remain as blanks.
      EXPECT_EQ(json::parse(by_task[std::to_string(t)]), json::parse(docs[t])) << round << " " << t;
    }
  }
}

TEST(InputReader, AnUnbufferedCutBeforeANestedObject) {
  // --unbuffered cut task 1's output after a key; srun ended the message
  // with a newline of its own, so the nested '{' starts a line.
  const std::string text =
      "1: {\n1:   \"library\": \n0: {\"a\": 1}\n1: {\n1:     \"x\": [\n1: {\"y\": 2}]}\n1: }\n";
  const auto p = read_all(text, 5);
  ASSERT_EQ(p.size(), 2u);
  for (const auto& piece : p) EXPECT_EQ(piece.piece.kind, PieceKind::document) << piece.task;
  EXPECT_EQ(json::parse(p[1].piece.text), json::parse(R"({"library": {"x": [{"y": 2}]}})"));
}

TEST(InputReader, WithoutLabelsTasksMix) {
  // The same output without --label: what srun prints, in the order it
  // came, cannot be separated; the documents come out broken.
  std::mt19937 rng(5);
  std::vector<std::string> outputs;
  for (int t = 0; t < 8; ++t) outputs.push_back(compact_doc(t, 8000) + "\n");
  const auto text = srun_output(outputs, rng, /*labels=*/false);
  size_t whole = 0;
  for (const auto& p : read_all(text, 4096)) {
    if (p.piece.kind == PieceKind::document) {
      for (int t = 0; t < 8; ++t) whole += p.piece.text == compact_doc(t, 8000);
    }
  }
  EXPECT_LT(whole, 8u);
}

TEST(InputReader, LinesWithoutALabelInLabelledInput) {
  const std::string text = "0: {\"a\": 1}\nslurmstepd: error: oops\n1: {\"b\": 2}\n";
  const auto p = read_all(text, 7);
  ASSERT_EQ(p.size(), 3u);
  std::map<std::string, PieceKind> kinds;
  for (const auto& piece : p) kinds[piece.task] = piece.piece.kind;
  EXPECT_EQ(kinds["0"], PieceKind::document);
  EXPECT_EQ(kinds["1"], PieceKind::document);
  EXPECT_EQ(kinds[""], PieceKind::not_json);
}

TEST(InputReader, ATaskCutOff) {
  // Task 1's document ends early (killed): truncated, the others whole.
  const std::string text = "0: {\"a\": 1}\n1: {\"b\": [1,\n2: {\"c\": 3}\n";
  const auto p = read_all(text, 1);
  ASSERT_EQ(p.size(), 3u);
  for (const auto& piece : p) {
    EXPECT_EQ(piece.piece.kind, piece.task == "1" ? PieceKind::truncated : PieceKind::document);
  }
}

TEST(InputReader, AllTasksTogetherAreBounded) {
  InputLimits limits;
  limits.max_held_total = 10000;
  std::string text = "0: {\"a\": [\n1: {\"b\": [\n";  // neither ever closes
  for (int i = 0; i < 20; ++i) {
    text += "0: \"" + std::string(1000, 'x') + "\",\n";
    text += "1: \"" + std::string(1000, 'y') + "\",\n";
  }
  const auto p = read_all(text, 512, limits);
  size_t too_large = 0;
  for (const auto& piece : p) too_large += piece.piece.kind == PieceKind::too_large;
  EXPECT_GE(too_large, 1u);
}

TEST(InputReader, KnowsWhetherLabelled) {
  InputReader r;
  std::vector<InputPiece> out;
  r.feed("  ", out);
  EXPECT_FALSE(r.labelled().has_value());
  r.feed(" 3", out);
  EXPECT_FALSE(r.labelled().has_value());
  r.feed(": {}\n", out);
  ASSERT_TRUE(r.labelled().has_value());
  EXPECT_TRUE(*r.labelled());
  InputReader plain;
  plain.feed("{", out);
  ASSERT_TRUE(plain.labelled().has_value());
  EXPECT_FALSE(*plain.labelled());
}

}  // namespace
}  // namespace ongpu::summarize
