#include "summarize/splitter.h"

#include <utility>

namespace ongpu::summarize {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

void DocumentSplitter::keep(std::string_view bytes) {
  if (over_) return;
  if (doc_.text.size() + bytes.size() > limits_.max_document) {
    drop_open();
    return;
  }
  doc_.text.append(bytes);
}

void DocumentSplitter::drop_open() {
  if (state_ != State::document) return;
  over_ = true;
  std::string().swap(doc_.text);
}

void DocumentSplitter::begin_document() {
  state_ = State::document;
  doc_ = Piece{};
  doc_.offset = offset_;
  doc_.line = line_;
  depth_ = 0;
  in_string_ = escape_ = at_line_start_ = over_ = deep_ = false;
  last_ = '\0';
  open_.clear();
}

bool DocumentSplitter::expects_value() const {
  if (state_ != State::document || in_string_) return false;
  if (last_ == ':' || last_ == '[') return true;
  return last_ == ',' && !open_.empty() && open_.back() == '[';
}

void DocumentSplitter::end_document(std::vector<Piece>& out, bool truncated, bool cut_by_document) {
  Piece p = std::move(doc_);
  p.size = offset_ - p.offset;
  if (over_) {
    p.kind = PieceKind::too_large;
    p.text.clear();
  } else if (deep_) {
    p.kind = PieceKind::too_deep;
    p.text.clear();
  } else if (truncated) {
    p.kind = PieceKind::truncated;
    p.cut_by_document = cut_by_document;
    // "Truncated after N bytes" counts what the document had, not the
    // line break before the next one.
    while (!p.text.empty() && (p.text.back() == '\n' || p.text.back() == '\r')) {
      p.text.pop_back();
      --p.size;
    }
  }
  out.push_back(std::move(p));
  doc_ = Piece{};
  state_ = State::between;
}

void DocumentSplitter::end_junk(std::vector<Piece>& out) {
  if (!junk_open_) return;
  junk_.kind = PieceKind::not_json;
  out.push_back(std::move(junk_));
  junk_ = Piece{};
  junk_open_ = false;
}

void DocumentSplitter::feed(std::string_view bytes, std::vector<Piece>& out) {
  size_t i = 0;
  // Where the bytes of the open document in this chunk start: they are kept
  // in one append when the document ends or the chunk does.
  size_t span = 0;
  while (i < bytes.size()) {
    const char c = bytes[i];
    if (state_ == State::between) {
      if (is_space(c)) {
        if (c == '\n') ++line_;
      } else if (c == '{') {
        end_junk(out);
        begin_document();
        span = i;
        continue;  // the '{' is read as the document's first byte
      } else {
        if (!junk_open_) {
          junk_open_ = true;
          junk_.offset = offset_;
          junk_.line = line_;
        }
        state_ = State::junk;
        continue;
      }
    } else if (state_ == State::junk) {
      if (c == '\n') {
        ++line_;
        state_ = State::between;
      } else {
        // Its size runs to its last byte that is not a line break.
        junk_.size = offset_ + 1 - junk_.offset;
        if (junk_.line == line_ && junk_.text.size() < limits_.sample) junk_.text.push_back(c);
      }
    } else {
      if (at_line_start_ && c == '{' && depth_ > 0) {
        // Another document starts a line: this one was cut off.
        keep(bytes.substr(span, i - span));
        end_document(out, /*truncated=*/true, /*cut_by_document=*/true);
        begin_document();
        span = i;
      }
      at_line_start_ = c == '\n';
      if (c == '\n') ++line_;
      if (!in_string_ && !is_space(c)) last_ = c;
      if (in_string_) {
        if (escape_) {
          escape_ = false;
        } else if (c == '\\') {
          escape_ = true;
        } else if (c == '"') {
          in_string_ = false;
        }
      } else if (c == '"') {
        in_string_ = true;
      } else if (c == '{' || c == '[') {
        // open_ holds the containers up to the depth limit: its size is
        // min(depth_, max_depth) throughout.
        if (++depth_ > limits_.max_depth)
          deep_ = true;
        else
          open_.push_back(c);
      } else if (c == '}' || c == ']') {
        if (depth_ > 0 && static_cast<size_t>(depth_) <= open_.size()) open_.pop_back();
        if (--depth_ == 0) {
          ++i;
          ++offset_;
          keep(bytes.substr(span, i - span));
          end_document(out, false, false);
          continue;
        }
      }
    }
    ++i;
    ++offset_;
  }
  if (state_ == State::document) keep(bytes.substr(span));
}

void DocumentSplitter::finish(std::vector<Piece>& out) {
  if (state_ == State::document) end_document(out, /*truncated=*/true, false);
  end_junk(out);
  state_ = State::between;
}

}  // namespace ongpu::summarize
