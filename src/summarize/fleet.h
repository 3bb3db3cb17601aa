// Many nodes' doctor documents, grouped: one group per verdict and cause
// (the root cause of a node that cannot use its GPU, or its warnings), with
// its nodes and each wording of the cause the nodes' documents gave; the
// inputs that could not be read; the nodes that reported more than once.
// Renderers (render/summarize.h) word it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "summarize/input.h"
#include "summarize/node_report.h"

namespace ongpu::summarize {

enum class UnreadableKind {
  truncated,
  not_json,
  invalid_json,
  wrong_schema,
  too_large,
  too_deep,
  cannot_read,
  too_many_nodes
};

}  // namespace ongpu::summarize

template <>
struct ongpu::EnumNames<ongpu::summarize::UnreadableKind> {
  static constexpr auto last = ongpu::summarize::UnreadableKind::too_many_nodes;
  static constexpr std::array<std::string_view, 8> names{
      "truncated", "not_json", "invalid_json", "wrong_schema",
      "too_large", "too_deep", "cannot_read",  "too_many_nodes"};
};

namespace ongpu::summarize {

struct Unreadable {
  UnreadableKind kind = UnreadableKind::not_json;
  std::string node;              // the host named in what could be read, else ""
  std::string source;            // where: "stdin, task 12", "doctor-gpu003.json", "a.json, line 57"
  uint64_t size = 0;             // its bytes
  bool cut_by_document = false;  // truncated: where another document began
  // not_json: the start of the text; invalid_json: the parser's message;
  // wrong_schema: what is wrong; cannot_read: the system's error;
  // too_many_nodes: the limit, a number.
  std::string detail;
};

struct Variant {
  std::vector<Wording> words;
  std::vector<std::string> nodes;  // natural order
};

struct Group {
  VerdictStatus status = VerdictStatus::ok;
  std::vector<std::string> causes;  // NodeReport::causes
  std::vector<std::string> nodes;   // natural order
  std::vector<Variant> variants;    // the most nodes first
};

struct Duplicate {
  std::string node;
  std::vector<std::string> sources;  // every document naming it, in reading order
  bool agree = true;                 // all in the same group
};

// What one summary keeps, so that no input can exhaust the memory: a log of
// gigabytes whose every line is some JSON object is counted, not kept.
struct FleetLimits {
  size_t max_nodes = 200000;           // distinct nodes; past them, unreadable
  size_t max_unreadable_kept = 10000;  // listed; all are counted
  size_t max_wordings = 10000;         // distinct wordings of causes kept
};

struct FleetSummary {
  std::vector<Group> groups;           // not usable, unchecked, warnings, usable; then by size
  std::vector<Unreadable> unreadable;  // the first max_unreadable_kept
  size_t unreadable_count = 0;         // all of them
  std::array<size_t, EnumNames<UnreadableKind>::names.size()> unreadable_by_kind{};
  std::vector<Duplicate> duplicates;
  size_t documents = 0;               // doctor documents read
  size_t nodes = 0;                   // distinct nodes among them
  std::array<size_t, 4> by_status{};  // nodes per VerdictStatus
  // Unlabelled input whose unreadable parts look like pieces of several
  // documents mixed line by line (srun without --label).
  bool looks_interleaved = false;
  int exit_code = 0;  // the exit-code contract: docs/fleet-summarize.md
};

class FleetCollector {
 public:
  explicit FleetCollector(FleetLimits limits = {}) : limits_(limits) {}
  // One piece of the input named `input` ("stdin" or a path).
  void add_piece(const std::string& input, bool labelled, InputPiece piece);
  // An input that could not be read at all.
  void add_unreadable(Unreadable u);
  // Whether anything at all was read: a document or an unreadable piece.
  bool empty() const { return entries_.empty() && unreadable_count_ == 0; }
  FleetSummary finish();

 private:
  void add_node(std::string name, std::string source, NodeReport report);

  struct Entry {
    std::string name;
    size_t key = 0;      // into keys_
    size_t wording = 0;  // into wordings_
    VerdictStatus status = VerdictStatus::ok;
    std::vector<std::string> sources;
    bool agree = true;
  };
  FleetLimits limits_;
  std::vector<Entry> entries_;
  std::map<std::string, size_t> by_name_;
  // Interned, so that a thousand nodes with one cause hold its words once.
  std::map<std::tuple<int, std::vector<std::string>>, size_t> key_ids_;
  std::vector<std::tuple<VerdictStatus, std::vector<std::string>>> keys_;
  std::map<std::vector<Wording>, size_t> wording_ids_;
  std::vector<std::vector<Wording>> wordings_;
  std::vector<Unreadable> unreadable_;
  size_t unreadable_count_ = 0;
  std::array<size_t, EnumNames<UnreadableKind>::names.size()> unreadable_by_kind_{};
  size_t documents_ = 0;
  size_t fragments_ = 0;  // unreadable pieces of unlabelled input that look like parts of documents
};

}  // namespace ongpu::summarize
