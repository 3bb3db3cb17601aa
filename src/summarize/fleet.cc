#include "summarize/fleet.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "summarize/hostlist.h"
#include "util/strings.h"

namespace ongpu::summarize {
namespace {

// The parser's message for text that is not valid JSON, without an exception.
class ErrorSax : public nlohmann::json_sax<json> {
 public:
  std::string message;
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    message = e.what();
    return false;
  }
};

std::string parse_message(std::string_view text) {
  ErrorSax sax;
  json::sax_parse(text, &sax);
  std::string m = sax.message;
  // "[json.exception.parse_error.101] parse error at line 1, column 9: ..."
  if (starts_with(m, "[json.exception.")) {
    const size_t end = m.find("] ");
    if (end != std::string::npos) m = m.substr(end + 2);
  }
  if (m.size() > 300) m = m.substr(0, 300) + "…";
  return m.empty() ? "not valid JSON" : m;
}

// Text that looks like a part of a document: a line of a pretty-printed one
// or a piece of a long compact line. (A document cut off, or one that is not
// valid JSON, is not a sign of mixing: a task killed, a disk full.)
bool looks_like_fragment(std::string_view sample) {
  const auto t = trim(sample);
  if (t.empty()) return false;
  return t[0] == '"' || t[0] == '}' || t[0] == ']' || t[0] == ',' ||
         t.find("\": ") != std::string_view::npos || t.find("\":") != std::string_view::npos;
}

size_t count_of(std::string_view text, std::string_view what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string_view::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

std::string task_word(const std::string& task) {
  std::string t = task;
  std::replace(t.begin(), t.end(), ' ', '.');  // "P1 3", a heterogeneous job's
  return t;
}

}  // namespace

void FleetCollector::add_piece(const std::string& input, bool labelled, InputPiece in) {
  const Piece& p = in.piece;
  std::string source = input;
  std::string name = input;
  if (labelled) {
    source += in.task.empty() ? ", lines without a task label" : ", task " + in.task;
    name += in.task.empty() ? ":unlabelled" : ":task" + task_word(in.task);
  }
  if (p.line > 1) {
    source += fmt::format(", line {}", p.line);
    name += fmt::format(":{}", p.line);
  }
  Unreadable u;
  u.source = source;
  u.size = p.size;
  switch (p.kind) {
    case PieceKind::document: {
      json doc = json::parse(p.text, nullptr, /*allow_exceptions=*/false);
      if (doc.is_discarded()) {
        u.kind = UnreadableKind::invalid_json;
        u.detail = parse_message(p.text);
        u.node = hostname_in_partial(p.text).value_or("");
        // Two documents' lines mixed into one: the doctor's top-level
        // "links" of each is in it.
        if (!labelled && count_of(p.text, "\"links\"") >= 2) ++fragments_;
        break;
      }
      auto report = node_report_from_json(doc);
      if (!report) {
        u.kind = UnreadableKind::wrong_schema;
        u.detail = report.error();
        u.node = hostname_in_partial(p.text).value_or("");
        break;
      }
      ++documents_;
      std::string node = report->hostname.empty() ? std::move(name) : report->hostname;
      add_node(std::move(node), std::move(source), std::move(report).value());
      return;
    }
    case PieceKind::truncated:
      u.kind = UnreadableKind::truncated;
      u.cut_by_document = p.cut_by_document;
      u.node = hostname_in_partial(p.text).value_or("");
      break;
    case PieceKind::too_large:
      u.kind = UnreadableKind::too_large;
      break;
    case PieceKind::too_deep:
      u.kind = UnreadableKind::too_deep;
      break;
    case PieceKind::not_json:
      u.kind = UnreadableKind::not_json;
      u.detail = p.text;
      if (!labelled && looks_like_fragment(p.text)) ++fragments_;
      break;
  }
  add_unreadable(std::move(u));
}

void FleetCollector::add_unreadable(Unreadable u) {
  ++unreadable_count_;
  ++unreadable_by_kind_[static_cast<size_t>(u.kind)];
  if (unreadable_.size() < limits_.max_unreadable_kept) unreadable_.push_back(std::move(u));
}

void FleetCollector::add_node(std::string name, std::string source, NodeReport report) {
  if (entries_.size() >= limits_.max_nodes && !by_name_.contains(name)) {
    add_unreadable({UnreadableKind::too_many_nodes, std::move(name), std::move(source), 0, false,
                    std::to_string(limits_.max_nodes)});
    return;
  }
  if (wordings_.size() >= limits_.max_wordings && !wording_ids_.contains(report.words)) {
    // Past the limit, a new wording is not kept: the node still counts.
    report.words = {Wording{
        "", fmt::format("(one of more than {} wordings, not kept)", limits_.max_wordings), {}}};
  }
  auto key = std::make_tuple(static_cast<int>(report.status), report.causes);
  auto [k, new_key] = key_ids_.try_emplace(key, keys_.size());
  if (new_key) keys_.emplace_back(report.status, std::move(report.causes));
  auto [w, new_wording] = wording_ids_.try_emplace(report.words, wordings_.size());
  if (new_wording) wordings_.push_back(std::move(report.words));

  auto [it, first] = by_name_.try_emplace(name, entries_.size());
  if (first) {
    entries_.push_back(
        Entry{std::move(name), k->second, w->second, report.status, {std::move(source)}, true});
    return;
  }
  // The same node again (two tasks on one node, a file given twice): counted
  // once, by its worst report; of two as bad, by the cause first in
  // alphabetical order, so that the table does not depend on which task's
  // output srun happened to finish first.
  Entry& e = entries_[it->second];
  e.sources.push_back(std::move(source));
  if (k->second != e.key) e.agree = false;
  const int rank = status_rank(report.status), kept = status_rank(e.status);
  if (rank > kept || (rank == kept && std::get<1>(keys_[k->second]) < std::get<1>(keys_[e.key]))) {
    e.key = k->second;
    e.wording = w->second;
    e.status = report.status;
  }
}

FleetSummary FleetCollector::finish() {
  FleetSummary s;
  s.documents = documents_;
  s.nodes = entries_.size();
  s.unreadable = std::move(unreadable_);
  s.unreadable_count = unreadable_count_;
  s.unreadable_by_kind = unreadable_by_kind_;
  std::map<size_t, Group> groups;                         // by key
  std::map<std::pair<size_t, size_t>, Variant> variants;  // by key and wording
  for (auto& e : entries_) {
    ++s.by_status[static_cast<size_t>(e.status)];
    Group& g = groups[e.key];
    std::tie(g.status, g.causes) = keys_[e.key];
    g.nodes.push_back(e.name);
    Variant& v = variants[{e.key, e.wording}];
    if (v.nodes.empty()) v.words = wordings_[e.wording];
    v.nodes.push_back(e.name);
    if (e.sources.size() > 1) s.duplicates.push_back(Duplicate{e.name, e.sources, e.agree});
  }
  for (auto& [id, v] : variants) {
    std::sort(v.nodes.begin(), v.nodes.end(), natural_less);
    groups[id.first].variants.push_back(std::move(v));
  }
  for (auto& [key, g] : groups) {
    std::sort(g.nodes.begin(), g.nodes.end(), natural_less);
    std::stable_sort(g.variants.begin(), g.variants.end(), [](const Variant& a, const Variant& b) {
      if (a.nodes.size() != b.nodes.size()) return a.nodes.size() > b.nodes.size();
      return natural_less(a.nodes.front(), b.nodes.front());
    });
    s.groups.push_back(std::move(g));
  }
  std::stable_sort(s.groups.begin(), s.groups.end(), [](const Group& a, const Group& b) {
    if (a.status != b.status) return status_rank(a.status) > status_rank(b.status);
    if (a.nodes.size() != b.nodes.size()) return a.nodes.size() > b.nodes.size();
    return a.causes < b.causes;
  });
  std::sort(s.duplicates.begin(), s.duplicates.end(),
            [](const Duplicate& a, const Duplicate& b) { return natural_less(a.node, b.node); });
  s.looks_interleaved = fragments_ >= 2;

  const auto count = [&](VerdictStatus st) { return s.by_status[static_cast<size_t>(st)]; };
  if (count(VerdictStatus::not_usable) + count(VerdictStatus::unchecked) > 0 || s.nodes == 0) {
    s.exit_code = 2;  // a node cannot use its GPU, or not one node is known to
  } else if (count(VerdictStatus::warnings) > 0 || s.unreadable_count > 0) {
    s.exit_code = 1;
  } else {
    s.exit_code = 0;
  }
  return s;
}

}  // namespace ongpu::summarize
