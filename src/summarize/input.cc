#include "summarize/input.h"

#include <algorithm>
#include <utility>

#include "summarize/hostlist.h"

namespace ongpu::summarize {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
// A character of a JSON number or of true, false, null.
bool is_token_char(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '+' ||
         c == '-';
}

// A label is short: spaces for the width, a task number, ": ".
constexpr size_t kMaxLabel = 40;
constexpr size_t kMaxDigits = 10;
// More distinct tasks than any srun step of one task per node has: past
// this, lines go to the unlabelled stream (each task costs a splitter).
constexpr size_t kMaxTasks = 100000;

}  // namespace

LabelMatch match_srun_label(std::string_view head, bool complete, TaskLabel& label) {
  const auto more = [&] { return complete ? LabelMatch::no : LabelMatch::need_more; };
  size_t i = 0;
  std::string component;
  if (i < head.size() && head[i] == 'P') {  // "P%u %*d: ": a heterogeneous job's component
    ++i;
    const size_t start = i;
    while (i < head.size() && is_digit(head[i]) && i - start < kMaxDigits) ++i;
    if (i == head.size()) return more();
    if (i == start || head[i] != ' ') return LabelMatch::no;
    component = std::string(head.substr(0, i)) + " ";
  }
  const size_t spaces = i;
  while (i < head.size() && head[i] == ' ' && i - spaces < kMaxLabel) ++i;
  const size_t start = i;
  while (i < head.size() && is_digit(head[i]) && i - start < kMaxDigits) ++i;
  if (i == head.size()) return more();
  if (i == start || head[i] != ':') return LabelMatch::no;
  ++i;
  if (i == head.size()) return more();
  if (head[i] != ' ') return LabelMatch::no;
  ++i;
  // "007" and "7" are the same task.
  std::string_view number = head.substr(start, i - 2 - start);
  while (number.size() > 1 && number[0] == '0') number.remove_prefix(1);
  label.length = i;
  label.task = component + std::string(number);
  return LabelMatch::yes;
}

namespace {

// The line of `pending` that holds its first byte that is not blank, and
// whether that line is complete; nullopt when all of it is blank.
std::optional<std::pair<std::string_view, bool>> first_line(std::string_view pending) {
  const size_t at = pending.find_first_not_of(" \t\r\n");
  if (at == std::string_view::npos) return std::nullopt;
  const size_t nl_before = pending.rfind('\n', at);
  std::string_view line = pending.substr(nl_before == std::string_view::npos ? 0 : nl_before + 1);
  const size_t nl = line.find('\n');
  if (nl == std::string_view::npos) return std::make_pair(line, false);
  return std::make_pair(line.substr(0, nl), true);
}

}  // namespace

void InputReader::feed(std::string_view bytes, std::vector<InputPiece>& out) {
  bytes_ += bytes.size();
  if (labelled_) {
    if (*labelled_) {
      feed_labelled(bytes, out);
    } else {
      std::vector<Piece> pieces;
      plain_.feed(bytes, pieces);
      for (auto& p : pieces) out.push_back(InputPiece{"", std::move(p)});
    }
    return;
  }
  pending_.append(bytes);
  const auto line = first_line(pending_);
  if (!line) {
    // Only blanks so far: the plain splitter skips them (counting lines).
    std::vector<Piece> none;
    plain_.feed(pending_, none);
    pending_.clear();
    return;
  }
  TaskLabel label;
  const auto m = match_srun_label(line->first, line->second, label);
  if (m == LabelMatch::need_more && line->first.size() < kMaxLabel) return;
  labelled_ = m == LabelMatch::yes;
  decide(out);
}

void InputReader::decide(std::vector<InputPiece>& out) {
  std::string pending = std::move(pending_);
  pending_.clear();
  if (*labelled_) {
    feed_labelled(pending, out);
  } else {
    std::vector<Piece> pieces;
    plain_.feed(pending, pieces);
    for (auto& p : pieces) out.push_back(InputPiece{"", std::move(p)});
  }
}

InputReader::TaskStream& InputReader::stream_of(const std::string& task) {
  auto it = tasks_.find(task);
  if (it != tasks_.end()) return it->second;
  const std::string key = tasks_.size() < kMaxTasks ? task : std::string();
  return tasks_.try_emplace(key, key, limits_.split).first->second;
}

void InputReader::to_task(TaskStream& stream, std::string_view bytes,
                          std::vector<InputPiece>& out) {
  if (bytes.empty()) return;
  const size_t before = stream.splitter.held();
  std::vector<Piece> pieces;
  if (stream.newline_pending) {
    stream.newline_pending = false;
    // A line's end that cannot be the task's own: inside a string or a
    // token, or just before a '{' where the open document waits for a value
    // (--unbuffered cuts anywhere; ongpu's pretty-printed documents put a
    // nested '{' after its key on the same line, never at a line's start).
    const bool inside = stream.splitter.in_string() ||
                        (is_token_char(stream.last) && is_token_char(bytes.front())) ||
                        (bytes.front() == '{' && stream.splitter.expects_value());
    if (!inside) stream.splitter.feed("\n", pieces);
  }
  stream.splitter.feed(bytes, pieces);
  stream.last = bytes.back();
  held_total_ = held_total_ - before + stream.splitter.held();
  for (auto& p : pieces) out.push_back(InputPiece{stream.task, std::move(p)});
  if (held_total_ > limits_.max_held_total) {
    // Every task's open document together is too much: give up the largest.
    auto largest = std::max_element(tasks_.begin(), tasks_.end(), [](const auto& a, const auto& b) {
      return a.second.splitter.held() < b.second.splitter.held();
    });
    held_total_ -= largest->second.splitter.held();
    largest->second.splitter.drop_open();
  }
}

void InputReader::end_line(std::vector<InputPiece>& out) {
  if (line_stream_ && line_stream_->task.empty()) {
    to_task(*line_stream_, "\n", out);  // a line without a label is a line
  } else if (line_stream_ && line_text_ != kSrunMessageBytes) {
    // srun's own newline after a message cut at 1024 bytes is not the
    // task's; any other may be: what follows decides.
    line_stream_->newline_pending = true;
  }
  head_.clear();
  head_done_ = false;
  line_stream_ = nullptr;
  line_text_ = 0;
}

void InputReader::feed_labelled(std::string_view bytes, std::vector<InputPiece>& out) {
  while (!bytes.empty()) {
    if (!head_done_) {
      // The start of a line, until it shows whether it has a label.
      const size_t nl = bytes.find('\n');
      const size_t take = std::min(nl == std::string_view::npos ? bytes.size() : nl,
                                   kMaxLabel - std::min(kMaxLabel, head_.size()));
      head_.append(bytes.substr(0, take));
      bytes.remove_prefix(take);
      const bool complete = !bytes.empty() && bytes.front() == '\n';
      TaskLabel label;
      const auto m = match_srun_label(head_, complete, label);
      if (m == LabelMatch::need_more && head_.size() < kMaxLabel) continue;
      head_done_ = true;
      // A line without a label goes to the unlabelled stream, "".
      const bool yes = m == LabelMatch::yes;
      line_stream_ = &stream_of(yes ? label.task : std::string());
      const std::string_view rest = std::string_view(head_).substr(yes ? label.length : 0);
      line_text_ = rest.size();
      to_task(*line_stream_, rest, out);
      continue;
    }
    const size_t nl = bytes.find('\n');
    const auto text = bytes.substr(0, nl);
    line_text_ += text.size();
    to_task(*line_stream_, text, out);
    if (nl == std::string_view::npos) return;
    bytes.remove_prefix(nl + 1);
    end_line(out);
  }
}

void InputReader::finish(std::vector<InputPiece>& out) {
  if (!labelled_) {
    const auto line = first_line(pending_);
    if (!line) return;  // nothing but blanks
    TaskLabel label;
    labelled_ = match_srun_label(line->first, true, label) == LabelMatch::yes;
    decide(out);
  }
  if (*labelled_) {
    if (!head_done_ && !head_.empty()) {
      // A last line shorter than a label, without a newline.
      TaskLabel label;
      const bool yes = match_srun_label(head_, true, label) == LabelMatch::yes;
      to_task(stream_of(yes ? label.task : std::string()),
              std::string_view(head_).substr(yes ? label.length : 0), out);
    }
    // What is still open, in the tasks' order.
    std::vector<TaskStream*> streams;
    for (auto& entry : tasks_) streams.push_back(&entry.second);
    std::sort(streams.begin(), streams.end(), [](const TaskStream* a, const TaskStream* b) {
      return natural_less(a->task, b->task);
    });
    for (TaskStream* stream : streams) {
      const std::string& task = stream->task;
      std::vector<Piece> pieces;
      stream->splitter.finish(pieces);
      for (auto& p : pieces) out.push_back(InputPiece{task, std::move(p)});
    }
  } else {
    std::vector<Piece> pieces;
    plain_.finish(pieces);
    for (auto& p : pieces) out.push_back(InputPiece{"", std::move(p)});
  }
}

}  // namespace ongpu::summarize
