#include "render/svg_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "util/strings.h"

namespace ongpu::svg {

double finite(double v, double fallback) { return std::isfinite(v) ? v : fallback; }

std::string num(double v) { return fmt::format("{:.1f}", finite(v)); }

// sanitize_text (in one_line) would end at a NUL, so NULs go first.
std::string xml_text(std::string_view s, size_t max_chars) {
  std::string raw(s);
  std::replace(raw.begin(), raw.end(), '\0', '?');
  const std::string clean = one_line(raw);
  auto is_lead = [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; };
  const auto chars = static_cast<size_t>(std::count_if(clean.begin(), clean.end(), is_lead));
  std::string out;
  out.reserve(clean.size());
  size_t count = 0;
  for (size_t i = 0; i < clean.size();) {
    size_t len = 1;
    while (i + len < clean.size() && !is_lead(clean[i + len])) ++len;
    if (chars > max_chars && count + 1 == max_chars) {
      out += "…";
      break;
    }
    const std::string_view ch(clean.data() + i, len);
    if (ch == "&") {
      out += "&amp;";
    } else if (ch == "<") {
      out += "&lt;";
    } else if (ch == ">") {
      out += "&gt;";
    } else if (ch == "\"") {
      out += "&quot;";
    } else if (ch == "'") {
      out += "&apos;";
    } else if (ch == "\xef\xbf\xbe" || ch == "\xef\xbf\xbf") {
      out += '?';
    } else {
      out += ch;
    }
    ++count;
    i += len;
  }
  return out;
}

void text(Out out, double x, double y, std::string_view attrs, std::string_view escaped) {
  fmt::format_to(out, "<text x=\"{}\" y=\"{}\" {}>{}</text>\n", num(x), num(y), attrs, escaped);
}

void line(Out out, double x1, double y1, double x2, double y2, std::string_view attrs) {
  fmt::format_to(out, "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" {}/>\n", num(x1), num(y1),
                 num(x2), num(y2), attrs);
}

}  // namespace ongpu::svg
