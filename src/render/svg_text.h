// Small pieces of SVG output shared by ongpu's pictures: finite coordinates,
// text made safe for XML, and the two elements written most.
#pragma once

#include <cstddef>
#include <iterator>
#include <string>
#include <string_view>

namespace ongpu::svg {

using Out = std::back_insert_iterator<std::string>;

// v when finite, else fallback.
double finite(double v, double fallback = 0);
// A coordinate: fixed precision (one decimal), never "nan" or "inf".
std::string num(double v);
// Text from the command, its output or the driver, made an XML 1.0 character
// sequence (§2.2) and escaped: a NUL, a control character or invalid UTF-8
// becomes "?", a newline or a tab a space, the noncharacters U+FFFE and
// U+FFFF (not XML characters) "?" too. At most `max_chars` characters, the
// last one "…" when cut.
std::string xml_text(std::string_view s, size_t max_chars);
// <text> at (x, y) with the attributes as written and already escaped text.
void text(Out out, double x, double y, std::string_view attrs, std::string_view escaped);
// <line> from (x1, y1) to (x2, y2) with the attributes as written.
void line(Out out, double x1, double y1, double x2, double y2, std::string_view attrs);

}  // namespace ongpu::svg
