#include "knowledge/version.h"

#include <algorithm>

#include "util/strings.h"

namespace ongpu::knowledge {

std::string Version::str() const {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += '.';
    out += std::to_string(parts[i]);
  }
  return out;
}

Version Version::prefix(size_t n) const {
  Version v;
  v.parts.assign(parts.begin(), parts.begin() + std::min(n, parts.size()));
  return v;
}

std::optional<Version> parse_version(std::string_view text) {
  if (text.empty()) return std::nullopt;
  Version v;
  for (auto part : split(text, '.')) {
    // parse_number trims blanks; a version has none, so reject them first.
    if (part.empty() || part.find_first_not_of("0123456789") != std::string_view::npos) {
      return std::nullopt;
    }
    auto n = parse_number<uint32_t>(part);
    if (!n) return std::nullopt;
    v.parts.push_back(*n);
  }
  return v;
}

int compare(const Version& a, const Version& b) {
  size_t n = std::max(a.parts.size(), b.parts.size());
  for (size_t i = 0; i < n; ++i) {
    uint32_t x = i < a.parts.size() ? a.parts[i] : 0;
    uint32_t y = i < b.parts.size() ? b.parts[i] : 0;
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

std::optional<int> compare_versions(std::string_view a, std::string_view b) {
  auto va = parse_version(a);
  auto vb = parse_version(b);
  if (!va || !vb) return std::nullopt;
  return compare(*va, *vb);
}

bool version_at_least(std::string_view a, std::string_view b) {
  auto c = compare_versions(a, b);
  return c && *c >= 0;
}

bool same_prefix(const Version& a, const Version& b, size_t n) {
  if (a.parts.size() < n || b.parts.size() < n) return false;
  return std::equal(a.parts.begin(), a.parts.begin() + n, b.parts.begin());
}

}  // namespace ongpu::knowledge
