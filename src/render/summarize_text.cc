// The table of `ongpu summarize`: one row per group (count, verdict, cause,
// its nodes in hostlist notation, wrapped to the width), the group's
// summary and fix beneath it, then the unreadable inputs and notes.
#include <fmt/color.h>
#include <fmt/format.h>

#include <algorithm>

#include "render/summarize.h"
#include "summarize/hostlist.h"
#include "util/strings.h"

namespace ongpu {
namespace {

using summarize::FleetSummary;
using summarize::Group;
using summarize::Unreadable;
using summarize::UnreadableKind;
using summarize::Variant;
using summarize::Wording;

// What the table shows of each list unless -v: enough to act on.
constexpr size_t kVariantsShown = 3;
constexpr size_t kUnreadableShown = 10;
constexpr size_t kDuplicatesShown = 10;
constexpr size_t kNodeLines = 4;
constexpr size_t kCauseColumn = 36;  // at most
constexpr size_t kMinNodesColumn = 24;

std::string thousands(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// Columns a string takes: every UTF-8 sequence is one.
size_t columns(std::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string pad(std::string_view s, size_t width) {
  std::string out(s);
  for (size_t n = columns(s); n < width; ++n) out += ' ';
  return out;
}

// Words into lines of at most `width` columns; a longer word keeps a line.
std::vector<std::string> wrap_words(std::string_view text, size_t width) {
  std::vector<std::string> lines;
  std::string line;
  for (auto word : split(text, ' ')) {
    if (word.empty()) continue;
    if (!line.empty() && columns(line) + 1 + columns(word) > width) {
      lines.push_back(std::move(line));
      line.clear();
    }
    if (!line.empty()) line += ' ';
    line += word;
  }
  if (!line.empty() || lines.empty()) lines.push_back(std::move(line));
  return lines;
}

// A list into lines of at most `width` columns, broken after a comma.
std::vector<std::string> wrap_list(std::string_view list, size_t width) {
  std::vector<std::string> lines;
  std::string line;
  size_t start = 0;
  while (start < list.size()) {
    size_t comma = list.find(',', start);
    const size_t end = comma == std::string_view::npos ? list.size() : comma + 1;
    const auto piece = list.substr(start, end - start);
    if (!line.empty() && columns(line) + columns(piece) > width) {
      lines.push_back(std::move(line));
      line.clear();
    }
    line += piece;
    start = end;
  }
  if (!line.empty() || lines.empty()) lines.push_back(std::move(line));
  return lines;
}

std::string paint(const SummaryStyle& st, fmt::text_style ts, const std::string& s) {
  return st.color ? fmt::format(ts, "{}", s) : s;
}

fmt::text_style status_style(VerdictStatus s) {
  switch (s) {
    case VerdictStatus::ok:
      return fg(fmt::terminal_color::green);
    case VerdictStatus::warnings:
      return fg(fmt::terminal_color::yellow);
    case VerdictStatus::not_usable:
    case VerdictStatus::unchecked:
      return fg(fmt::terminal_color::red);
  }
  return {};
}

std::string cause_text(const Group& g, size_t width) {
  if (g.causes.empty()) return "-";
  std::string all;
  for (const auto& c : g.causes) all += (all.empty() ? "" : ", ") + one_line(c);
  if (columns(all) <= width) return all;
  return one_line(g.causes.front()) + fmt::format(" +{}", g.causes.size() - 1);
}

// The nodes in hostlist notation on at most `lines` lines (all of them
// with -v): the list is cut shorter until it fits once wrapped.
std::vector<std::string> node_lines(const std::vector<std::string>& nodes, size_t width,
                                    size_t lines, bool verbose) {
  std::vector<std::string> clean;
  clean.reserve(nodes.size());
  for (const auto& n : nodes) clean.push_back(one_line(n));
  const auto patterns = summarize::hostlist_patterns(clean);
  if (verbose) return wrap_list(summarize::hostlist_text(patterns), width);
  for (size_t budget = width * lines;; budget -= std::min(budget, std::max<size_t>(width / 4, 1))) {
    size_t omitted = 0;
    std::string text = summarize::hostlist_text_within(patterns, budget, omitted);
    if (omitted > 0) text += fmt::format(" (+{} more)", thousands(omitted));
    auto wrapped = wrap_list(text, width);
    if (wrapped.size() <= lines || budget == 0) return wrapped;
  }
}

struct Layout {
  size_t count = 5;  // "NODES"
  size_t verdict = 10;
  size_t cause = 5;
  size_t width = 80;
  size_t indent() const { return count + 2; }
  size_t nodes_at() const { return count + 2 + verdict + 2 + cause + 2; }
  size_t nodes_width() const { return width > nodes_at() ? width - nodes_at() : 0; }
};

// Each wording's summary (wrapped) and fix lines; after `lead` (a variant's
// nodes), the lines that follow are indented by two.
void words_lines(std::string& out, const std::vector<Wording>& words, bool show_ids,
                 const std::string& indent, size_t width, const SummaryStyle& st,
                 const std::string& lead = "") {
  const std::string under = lead.empty() ? indent : indent + "  ";
  bool first = true;
  for (const auto& w : words) {
    std::string summary = one_line(w.summary);
    if (show_ids && !w.id.empty()) summary += " [" + w.id + "]";
    const std::string head = first ? indent + lead : under;
    first = false;
    const size_t avail = width > columns(head) + 20 ? width - columns(head) : 20;
    const auto lines = wrap_words(summary, avail);
    for (size_t i = 0; i < lines.size(); ++i) out += (i == 0 ? head : under) + lines[i] + "\n";
    // A fix is a command to paste: never wrapped.
    for (size_t i = 0; i < w.fix.size(); ++i) {
      out += under + (i == 0 ? paint(st, fmt::emphasis::bold, "fix:") : std::string("    ")) + " " +
             one_line(w.fix[i]) + "\n";
    }
  }
}

void group_block(std::string& out, const Group& g, const Layout& lay, const SummaryStyle& st) {
  const std::string verdict = pad(status_words(g.status), lay.verdict);
  std::string row = fmt::format("{:>{}}  {}  {}  ", thousands(g.nodes.size()), lay.count,
                                paint(st, status_style(g.status), verdict),
                                pad(cause_text(g, lay.cause), lay.cause));
  const std::string indent(lay.indent(), ' ');
  if (lay.nodes_width() >= kMinNodesColumn) {
    const auto lines = node_lines(g.nodes, lay.nodes_width(), kNodeLines, st.verbose);
    out += row + lines[0] + "\n";
    for (size_t i = 1; i < lines.size(); ++i)
      out += std::string(lay.nodes_at(), ' ') + lines[i] + "\n";
  } else {  // a narrow terminal: the nodes go beneath
    row.erase(row.find_last_not_of(' ') + 1);
    out += row + "\n";
    const size_t w = std::max<size_t>(lay.width > lay.indent() ? lay.width - lay.indent() : 0, 20);
    for (const auto& line : node_lines(g.nodes, w, kNodeLines, st.verbose))
      out += indent + line + "\n";
  }
  const bool show_ids = g.causes.size() > 1;
  if (g.variants.size() == 1) {
    words_lines(out, g.variants[0].words, show_ids, indent, lay.width, st);
    return;
  }
  // The nodes worded their cause differently (other versions, paths, GPU
  // counts): each wording with its nodes, the most common first.
  const size_t shown = st.verbose ? g.variants.size() : std::min(g.variants.size(), kVariantsShown);
  for (size_t i = 0; i < shown; ++i) {
    const Variant& v = g.variants[i];
    const size_t list_width = std::max<size_t>(lay.width / 2, 20);
    const auto list = node_lines(v.nodes, list_width, 1, st.verbose);
    std::string lead = list.size() == 1 ? list[0] + ": " : "";
    if (list.size() > 1) {  // -v and a long list: the nodes on lines of their own
      for (const auto& l : list) out += indent + l + "\n";
      lead = "  ";
    }
    words_lines(out, v.words, show_ids, indent, lay.width, st, lead);
  }
  if (shown < g.variants.size()) {
    size_t nodes = 0;
    for (size_t i = shown; i < g.variants.size(); ++i) nodes += g.variants[i].nodes.size();
    const size_t more = g.variants.size() - shown;
    out += indent + fmt::format("… {} more wording{} on {} node{} (-v shows them all)\n", more,
                                more == 1 ? "" : "s", thousands(nodes), nodes == 1 ? "" : "s");
  }
}

std::string kind_words(UnreadableKind k, size_t n) {
  switch (k) {
    case UnreadableKind::truncated:
      return "truncated";
    case UnreadableKind::not_json:
      return "not JSON";
    case UnreadableKind::invalid_json:
      return "invalid JSON";
    case UnreadableKind::wrong_schema:
      return n == 1 ? "not a doctor document" : "not doctor documents";
    case UnreadableKind::too_large:
      return "too large";
    case UnreadableKind::too_deep:
      return "nested too deep";
    case UnreadableKind::cannot_read:
      return "cannot be read";
    case UnreadableKind::too_many_nodes:
      return "over the node limit";
  }
  return "?";
}

void unreadable_block(std::string& out, const FleetSummary& s, const Layout& lay,
                      const SummaryStyle& st) {
  std::string what;
  for (auto k : enum_values<UnreadableKind>()) {
    const size_t n = s.unreadable_by_kind[static_cast<size_t>(k)];
    if (n > 0)
      what += (what.empty() ? "" : ", ") + fmt::format("{} {}", thousands(n), kind_words(k, n));
  }
  out += fmt::format("{:>{}}  {}  {}\n", thousands(s.unreadable_count), lay.count,
                     paint(st, fg(fmt::terminal_color::magenta), pad("unreadable", lay.verdict)),
                     what);
  const std::string indent(lay.indent(), ' ');
  const size_t shown =
      st.verbose ? s.unreadable.size() : std::min(s.unreadable.size(), kUnreadableShown);
  for (size_t i = 0; i < shown; ++i) {
    const Unreadable& u = s.unreadable[i];
    const std::string who =
        u.node.empty() ? one_line(u.source) : one_line(u.node) + " (" + one_line(u.source) + ")";
    const auto lines = wrap_words(who + ": " + unreadable_words(u),
                                  lay.width > lay.indent() + 20 ? lay.width - lay.indent() : 60);
    for (size_t j = 0; j < lines.size(); ++j) out += indent + (j ? "  " : "") + lines[j] + "\n";
  }
  if (shown < s.unreadable_count) {
    out += indent + fmt::format("… and {} more{}\n", thousands(s.unreadable_count - shown),
                                shown < s.unreadable.size() ? " (-v lists them all)"
                                                            : " (not kept: counted only)");
  }
}

std::string headline(const FleetSummary& s) {
  const auto n = [&](VerdictStatus v) { return s.by_status[static_cast<size_t>(v)]; };
  std::vector<std::string> parts;
  if (n(VerdictStatus::not_usable))
    parts.push_back(thousands(n(VerdictStatus::not_usable)) + " not usable");
  if (n(VerdictStatus::unchecked))
    parts.push_back(thousands(n(VerdictStatus::unchecked)) + " unchecked");
  if (n(VerdictStatus::warnings))
    parts.push_back(thousands(n(VerdictStatus::warnings)) + " usable with warnings");
  if (n(VerdictStatus::ok)) parts.push_back(thousands(n(VerdictStatus::ok)) + " usable");
  std::string out = fmt::format("{} node{}", thousands(s.nodes), s.nodes == 1 ? "" : "s");
  if (!parts.empty()) {
    out += ": ";
    for (size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : "") + parts[i];
  }
  if (s.documents != s.nodes) {
    out += fmt::format(" (from {} documents)", thousands(s.documents));
  }
  if (s.unreadable_count > 0) {
    out += fmt::format("; {} input{} unreadable", thousands(s.unreadable_count),
                       s.unreadable_count == 1 ? "" : "s");
  }
  return out;
}

}  // namespace

std::string status_words(VerdictStatus s) {
  switch (s) {
    case VerdictStatus::ok:
      return "usable";
    case VerdictStatus::warnings:
      return "warnings";
    case VerdictStatus::not_usable:
      return "not usable";
    case VerdictStatus::unchecked:
      return "unchecked";
  }
  return "?";
}

std::string unreadable_words(const Unreadable& u) {
  switch (u.kind) {
    case UnreadableKind::truncated:
      return fmt::format(
          "truncated after {} bytes, {}", thousands(u.size),
          u.cut_by_document ? "where another document began" : "at the end of the input");
    case UnreadableKind::not_json:
      // The start of its first line, and "…" where there was more.
      return fmt::format("not JSON: {}{}", one_line(u.detail), u.size > u.detail.size() ? "…" : "");
    case UnreadableKind::invalid_json:
      return "invalid JSON: " + one_line(u.detail);
    case UnreadableKind::wrong_schema:
      return one_line(u.detail);
    case UnreadableKind::too_large:
      return fmt::format("a document of {} bytes or more, over the {} MiB limit", thousands(u.size),
                         summarize::SplitLimits{}.max_document >> 20);
    case UnreadableKind::too_deep:
      return fmt::format("nested deeper than {} levels", summarize::SplitLimits{}.max_depth);
    case UnreadableKind::cannot_read:
      return "cannot read it: " + one_line(u.detail);
    case UnreadableKind::too_many_nodes:
      return fmt::format("a node past the first {}, not counted",
                         thousands(parse_number<uint64_t>(u.detail).value_or(0)));
  }
  return "?";
}

std::string render_summary_text(const FleetSummary& s, const SummaryStyle& st) {
  Layout lay;
  lay.width = static_cast<size_t>(std::max(st.width, 40));
  size_t most = s.unreadable_count;
  for (const auto& g : s.groups) {
    most = std::max(most, g.nodes.size());
    lay.cause = std::max(lay.cause, std::min(columns(cause_text(g, kCauseColumn)), kCauseColumn));
  }
  lay.count = std::max(lay.count, thousands(most).size());

  std::string out;
  for (const auto& line : wrap_words(headline(s), lay.width)) out += line + "\n";
  out += "\n";
  out += paint(st, fmt::emphasis::bold,
               fmt::format("{:>{}}  {}  {}  {}", "NODES", lay.count, pad("VERDICT", lay.verdict),
                           pad("CAUSE", lay.cause), "WHICH")) +
         "\n";
  bool first = true;
  for (const auto& g : s.groups) {
    if (!first) out += "\n";
    first = false;
    group_block(out, g, lay, st);
  }
  if (s.unreadable_count > 0) {
    if (!first) out += "\n";
    unreadable_block(out, s, lay, st);
  }

  std::string notes;
  const size_t dups =
      st.verbose ? s.duplicates.size() : std::min(s.duplicates.size(), kDuplicatesShown);
  for (size_t i = 0; i < dups; ++i) {
    const auto& d = s.duplicates[i];
    std::string sources;
    for (const auto& src : d.sources) sources += (sources.empty() ? "" : "; ") + one_line(src);
    std::string line = fmt::format("{} reported {} times ({}): counted once, by its worst report",
                                   one_line(d.node), d.sources.size(), sources);
    if (!d.agree) line += "; the reports disagree";
    for (const auto& l : wrap_words(line, lay.width - 2)) notes += "  " + l + "\n";
  }
  if (dups < s.duplicates.size()) {
    const size_t more = s.duplicates.size() - dups;
    notes += fmt::format("  … and {} more node{} reported more than once (-v lists them all)\n",
                         thousands(more), more == 1 ? "" : "s");
  }
  if (s.looks_interleaved) {
    for (const auto& l :
         wrap_words("The unreadable inputs look like pieces of several documents mixed line by "
                    "line, as srun prints its tasks' output without --label. Run srun with -l, and "
                    "ongpu summarize separates the tasks again: srun -l -N 64 ongpu doctor --json "
                    "--no-python | ongpu summarize",
                    lay.width - 2)) {
      notes += "  " + l + "\n";
    }
  }
  if (!notes.empty()) out += "\nNotes:\n" + notes;
  return out;
}

}  // namespace ongpu
