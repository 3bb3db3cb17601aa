// Markdown that GitHub renders as written: values from the machine (paths,
// library names, vendor and framework messages) are escaped so that no value
// can end a table cell, open a tag, a link, emphasis or math, or notify a
// GitHub user. Used by `ongpu report` (render/report_md.h).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace ongpu::md {

// Inline text, on one line: the characters markdown or HTML would read
// (\ ` * _ [ ] < > | ~ & $) backslash-escaped, a leading list or heading
// marker escaped, and a zero-width space after an @ before a name, so that
// "@team" is no mention. Safe in a table cell and in a list item.
std::string text(std::string_view s);

// A code span, on one line: the value as it is (no mention, link or emphasis
// is recognised in code), delimited by more backticks than it holds. In a
// table cell its '|' is escaped as GFM requires there (and only there).
// An empty value is shown as "(empty)".
std::string code(std::string_view s, bool in_table = false);

// A fenced code block of the lines, each made one line; the fence is longer
// than any run of backticks in them.
std::string code_block(const std::vector<std::string>& lines, std::string_view info = "");

// Text inside an HTML element (<summary>): & < > " ' as entities.
std::string html(std::string_view s);

// Splits a markdown document into its code (fenced blocks, code spans, their
// delimiters included) and the rest, in order: f(part, is_code). Backslash
// escapes outside code are kept with the text they escape.
void for_each_part(std::string_view markdown,
                   const std::function<void(std::string_view part, bool is_code)>& f);

}  // namespace ongpu::md
