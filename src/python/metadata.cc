#include "python/metadata.h"

#include <cctype>

#include "util/strings.h"

namespace ongpu::python {

CoreMetadata parse_core_metadata(std::string_view text) {
  CoreMetadata m;
  std::string key, value;
  auto flush = [&] {
    if (key.empty()) return;
    std::string k = to_lower(key);
    std::string v = sanitize_text(trim(value));
    if (k == "name" && m.name.empty())
      m.name = v;
    else if (k == "version" && m.version.empty())
      m.version = v;
    else if (k == "requires-python")
      m.requires_python = v;
    else if (k == "requires-dist")
      m.requires_dist.push_back(v);
    key.clear();
    value.clear();
  };
  // Line by line up to the first blank one: a METADATA file can carry a long
  // description after its header (scipy's is 60 KB).
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;  // the body (description) starts after the first blank line
    if (line.front() == ' ' || line.front() == '\t') {
      value += ' ';
      value += std::string(trim(line));  // a continuation line
      continue;
    }
    flush();
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    key = std::string(trim(line.substr(0, colon)));
    value = std::string(line.substr(colon + 1));
  }
  flush();
  return m;
}

std::string normalize_name(std::string_view name) {
  std::string out;
  bool sep = false;
  for (char c : trim(name)) {
    if (c == '-' || c == '_' || c == '.') {
      sep = true;
      continue;
    }
    if (sep && !out.empty()) out += '-';
    sep = false;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::optional<Requirement> parse_requirement(std::string_view line) {
  Requirement r;
  std::string_view spec = line, marker;
  if (auto semi = line.find(';'); semi != std::string_view::npos) {
    spec = line.substr(0, semi);
    marker = line.substr(semi + 1);
  }
  spec = trim(spec);
  size_t i = 0;
  while (i < spec.size() && (std::isalnum(static_cast<unsigned char>(spec[i])) || spec[i] == '-' ||
                             spec[i] == '_' || spec[i] == '.')) {
    ++i;
  }
  if (i == 0) return std::nullopt;
  r.name = normalize_name(spec.substr(0, i));
  if (r.name.empty()) return std::nullopt;  // only separators ("--")
  auto rest = trim(spec.substr(i));
  if (!rest.empty() && rest.front() == '[') {  // extras of the dependency itself
    auto close = rest.find(']');
    rest = close == std::string_view::npos ? std::string_view{} : trim(rest.substr(close + 1));
  }
  if (!rest.empty() && rest.front() == '(' && rest.back() == ')')
    rest = trim(rest.substr(1, rest.size() - 2));
  std::string s;
  for (char c : rest) {
    if (!std::isspace(static_cast<unsigned char>(c))) s += c;
  }
  r.specifier = s;
  // extra == "and-cuda" (either quote style, any spacing)
  if (auto pos = marker.find("extra"); pos != std::string_view::npos) {
    auto after = marker.substr(pos + 5);
    auto q = after.find_first_of("\"'");
    if (q != std::string_view::npos) {
      char quote = after[q];
      auto end = after.find(quote, q + 1);
      if (end != std::string_view::npos) r.extra = normalize_name(after.substr(q + 1, end - q - 1));
    }
  }
  return r;
}

std::string lowest_allowed_version(std::string_view specifier) {
  for (auto part : split(specifier, ',')) {
    part = trim(part);
    for (std::string_view op : {">=", "==", "~="}) {
      if (starts_with(part, op)) {
        auto v = trim(part.substr(op.size()));
        if (!v.empty() && v.find('*') == std::string_view::npos) return std::string(v);
      }
    }
  }
  return "";
}

namespace {

// Reads one Python literal at s[i]; appends its text to out. Returns false on
// anything it does not understand.
bool read_literal(std::string_view s, size_t& i, std::string& out);

void skip_space(std::string_view s, size_t& i) {
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
}

bool read_string(std::string_view s, size_t& i, std::string& out) {
  char quote = s[i++];
  while (i < s.size() && s[i] != quote) {
    if (s[i] == '\\' && i + 1 < s.size()) ++i;
    if (s[i] == '\n') return false;
    out += s[i++];
  }
  if (i >= s.size()) return false;
  ++i;
  return true;
}

bool read_list(std::string_view s, size_t& i, std::string& out, char close) {
  ++i;  // [ or (
  bool first = true;
  for (int guard = 0; guard < 100000; ++guard) {
    skip_space(s, i);
    if (i >= s.size()) return false;
    if (s[i] == close) {
      ++i;
      return true;
    }
    if (!first) {
      if (s[i] != ',') return false;
      ++i;
      skip_space(s, i);
      if (i < s.size() && s[i] == close) {
        ++i;
        return true;
      }
    }
    std::string item;
    if (!read_literal(s, i, item)) return false;
    if (!first) out += ',';
    out += item;
    first = false;
  }
  return false;
}

bool read_literal(std::string_view s, size_t& i, std::string& out) {
  skip_space(s, i);
  if (i >= s.size()) return false;
  char c = s[i];
  if (c == '\'' || c == '"') return read_string(s, i, out);
  if (c == '[') return read_list(s, i, out, ']');
  if (c == '(') return read_list(s, i, out, ')');
  size_t start = i;
  while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '.' ||
                          s[i] == '-' || s[i] == '_'))
    ++i;
  if (i == start) return false;
  out += std::string(s.substr(start, i - start));
  return true;
}

// Pairs of ('key', value) inside OrderedDict([...]) or {'key': value, ...}.
void read_pairs(std::string_view s, std::map<std::string, std::string>& out) {
  size_t i = 0;
  for (int guard = 0; guard < 100000 && i < s.size(); ++guard) {
    auto q = s.find_first_of("'\"", i);
    if (q == std::string_view::npos) return;
    i = q;
    std::string key;
    if (!read_string(s, i, key)) return;
    skip_space(s, i);
    if (i < s.size() && (s[i] == ',' || s[i] == ':')) {
      ++i;
      std::string value;
      size_t save = i;
      if (read_literal(s, i, value) && !key.empty())
        out[key] = value;
      else
        i = save;
    }
  }
}

}  // namespace

std::map<std::string, std::string> parse_python_assignments(std::string_view text) {
  std::map<std::string, std::string> out;
  for (auto raw : split(text, '\n')) {
    if (raw.empty() || std::isspace(static_cast<unsigned char>(raw.front())) || raw.front() == '#')
      continue;
    auto eq = raw.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    std::string_view name = trim(raw.substr(0, eq));
    if (auto colon = name.find(':'); colon != std::string_view::npos)
      name = trim(name.substr(0, colon));  // x: str = ...
    bool ident = !name.empty();
    for (char c : name) ident = ident && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
    if (!ident || (eq + 1 < raw.size() && raw[eq + 1] == '=')) continue;
    std::string_view rhs = trim(raw.substr(eq + 1));
    if (starts_with(rhs, "collections.OrderedDict(") || starts_with(rhs, "{") ||
        starts_with(rhs, "dict(")) {
      read_pairs(rhs, out);
      continue;
    }
    size_t i = 0;
    std::string value;
    if (read_literal(rhs, i, value)) {
      skip_space(rhs, i);
      if (i == rhs.size()) out[std::string(name)] = value;
    }
  }
  return out;
}

}  // namespace ongpu::python
