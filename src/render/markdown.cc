#include "render/markdown.h"

#include <algorithm>
#include <cctype>

#include "util/strings.h"

namespace ongpu::md {
namespace {

constexpr std::string_view kEscaped = "\\`*_[]<>|~&$";
constexpr std::string_view kZeroWidthSpace = "\xE2\x80\x8B";

size_t longest_backtick_run(std::string_view s) {
  size_t longest = 0, run = 0;
  for (char c : s) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return longest;
}

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
}

// A line that opens or closes a fenced code block: up to three spaces, then
// three or more backticks or tildes. `length` and `fence` are set when it is.
bool fence_line(std::string_view line, char* fence, size_t* length) {
  size_t i = 0;
  while (i < line.size() && i < 3 && line[i] == ' ') ++i;
  if (i >= line.size() || (line[i] != '`' && line[i] != '~')) return false;
  const char c = line[i];
  size_t n = 0;
  while (i + n < line.size() && line[i + n] == c) ++n;
  if (n < 3) return false;
  *fence = c;
  *length = n;
  return true;
}

}  // namespace

std::string text(std::string_view s) {
  const std::string line = one_line(s);
  std::string out;
  out.reserve(line.size() + 8);
  // A value that begins a line must not begin a list, a heading, a quote or
  // a setext underline: "- x", "+ x", "# x", "= x", "1. x".
  size_t digits = 0;
  while (digits < line.size() && std::isdigit(static_cast<unsigned char>(line[digits]))) ++digits;
  // A list or heading marker counts only before a space (or alone); a setext
  // underline is a line of '=' or '-' alone.
  const bool marker_then_space = !line.empty() &&
                                 std::string_view("-+*#").find(line[0]) != std::string_view::npos &&
                                 (line.size() == 1 || line[1] == ' ' || line[1] == '\t');
  const bool underline = !line.empty() && (line[0] == '=' || line[0] == '-') &&
                         line.find_first_not_of(line[0]) == std::string::npos;
  const bool leading_marker = marker_then_space || underline;
  const bool leading_ordinal = digits > 0 && digits < line.size() &&
                               (line[digits] == '.' || line[digits] == ')') &&
                               (digits + 1 == line.size() || line[digits + 1] == ' ');
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (kEscaped.find(c) != std::string_view::npos || (i == 0 && leading_marker) ||
        (leading_ordinal && i == digits)) {
      out += '\\';
      out += c;
    } else if (c == '@' && i + 1 < line.size() && is_name_char(line[i + 1])) {
      out += c;
      out += kZeroWidthSpace;
    } else {
      out += c;
    }
  }
  return out;
}

std::string code(std::string_view s, bool in_table) {
  std::string value = one_line(s);
  if (value.empty()) return "(empty)";
  if (in_table) {
    std::string escaped;
    for (char c : value) {
      if (c == '|') escaped += '\\';
      escaped += c;
    }
    value = std::move(escaped);
  }
  const std::string fence(longest_backtick_run(value) + 1, '`');
  // CommonMark strips one space at each end when both ends have one: a value
  // that begins or ends with a backtick or a space is padded on both sides.
  const bool pad =
      value.front() == '`' || value.back() == '`' || value.front() == ' ' || value.back() == ' ';
  return pad ? fence + " " + value + " " + fence : fence + value + fence;
}

std::string code_block(const std::vector<std::string>& lines, std::string_view info) {
  std::vector<std::string> clean;
  size_t longest = 0;
  for (const auto& l : lines) {
    clean.push_back(one_line(l));
    longest = std::max(longest, longest_backtick_run(clean.back()));
  }
  const std::string fence(std::max<size_t>(3, longest + 1), '`');
  std::string out = fence + std::string(info) + "\n";
  for (const auto& l : clean) out += l + "\n";
  return out + fence + "\n";
}

std::string html(std::string_view s) {
  std::string out;
  for (char c : one_line(s)) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

void for_each_part(std::string_view markdown,
                   const std::function<void(std::string_view, bool)>& f) {
  size_t pos = 0;
  char fence = 0;  // inside a fenced block: its character
  size_t fence_length = 0;
  while (pos < markdown.size()) {
    size_t end = markdown.find('\n', pos);
    end = end == std::string_view::npos ? markdown.size() : end + 1;
    const std::string_view line = markdown.substr(pos, end - pos);
    pos = end;
    char c = 0;
    size_t n = 0;
    if (fence != 0) {
      // Code up to and including a closing fence: the same character, at
      // least as long, nothing after it but spaces.
      if (fence_line(line, &c, &n) && c == fence && n >= fence_length) {
        const size_t after = line.find_first_not_of(' ') + n;
        if (trim(line.substr(after)).empty()) fence = 0;
      }
      f(line, true);
      continue;
    }
    if (fence_line(line, &c, &n)) {
      fence = c;
      fence_length = n;
      f(line, true);
      continue;
    }
    // Inline: code spans run from a backtick run to the next run of the same
    // length on the line; a backslash escapes the next character.
    size_t i = 0, text_start = 0;
    while (i < line.size()) {
      if (line[i] == '\\' && i + 1 < line.size()) {
        i += 2;
        continue;
      }
      if (line[i] != '`') {
        ++i;
        continue;
      }
      size_t run = 0;
      while (i + run < line.size() && line[i + run] == '`') ++run;
      size_t search = i + run, close = std::string_view::npos;
      while (search < line.size()) {
        size_t next = line.find('`', search);
        if (next == std::string_view::npos) break;
        size_t r = 0;
        while (next + r < line.size() && line[next + r] == '`') ++r;
        if (r == run) {
          close = next;
          break;
        }
        search = next + r;
      }
      if (close == std::string_view::npos) {
        i += run;  // literal backticks
        continue;
      }
      if (i > text_start) f(line.substr(text_start, i - text_start), false);
      f(line.substr(i, close + run - i), true);
      i = close + run;
      text_start = i;
    }
    if (text_start < line.size()) f(line.substr(text_start), false);
  }
}

}  // namespace ongpu::md
