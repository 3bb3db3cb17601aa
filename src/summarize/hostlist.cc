#include "summarize/hostlist.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "util/strings.h"

namespace ongpu::summarize {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A name split at its last run of digits: prefix, the number, suffix.
struct NumberedName {
  std::string prefix;
  std::string suffix;
  uint64_t value = 0;
  int digits = 0;  // as written, leading zeros included
};

// 18 digits always fit in 64 bits; a longer run is part of the name.
constexpr size_t kMaxDigits = 18;

std::optional<NumberedName> split_number(std::string_view name) {
  size_t end = name.size();
  while (end > 0 && !is_digit(name[end - 1])) --end;
  if (end == 0) return std::nullopt;
  size_t begin = end;
  while (begin > 0 && is_digit(name[begin - 1])) --begin;
  const std::string_view digits = name.substr(begin, end - begin);
  if (digits.size() > kMaxDigits) return std::nullopt;
  auto value = parse_number<uint64_t>(digits);
  if (!value) return std::nullopt;
  return NumberedName{std::string(name.substr(0, begin)), std::string(name.substr(end)), *value,
                      static_cast<int>(digits.size())};
}

int natural_digits(uint64_t v) {
  int n = 1;
  while (v >= 10) {
    v /= 10;
    ++n;
  }
  return n;
}

std::string number_text(uint64_t v, int width) { return fmt::format("{:0{}}", v, width); }

std::string range_text(const HostRange& r) {
  if (r.first == r.last) return number_text(r.first, r.width);
  return number_text(r.first, r.width) + "-" + number_text(r.last, r.width);
}

size_t range_size(const HostRange& r) { return static_cast<size_t>(r.last - r.first) + 1; }

std::string first_name(const HostPattern& p) {
  if (p.ranges.empty()) return p.prefix;
  return p.prefix + number_text(p.ranges.front().first, p.ranges.front().width) + p.suffix;
}

std::string pattern_text(const HostPattern& p) {
  if (p.ranges.empty()) return p.prefix;
  if (p.ranges.size() == 1 && p.ranges[0].first == p.ranges[0].last) {
    return p.prefix + range_text(p.ranges[0]) + p.suffix;
  }
  std::string out = p.prefix + "[";
  for (size_t i = 0; i < p.ranges.size(); ++i) {
    if (i > 0) out += ",";
    out += range_text(p.ranges[i]);
  }
  return out + "]" + p.suffix;
}

}  // namespace

bool natural_less(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (is_digit(a[i]) && is_digit(b[j])) {
      size_t ie = i, je = j;
      while (ie < a.size() && is_digit(a[ie])) ++ie;
      while (je < b.size() && is_digit(b[je])) ++je;
      std::string_view x = a.substr(i, ie - i), y = b.substr(j, je - j);
      const size_t xl = x.size(), yl = y.size();
      while (x.size() > 1 && x[0] == '0') x.remove_prefix(1);
      while (y.size() > 1 && y[0] == '0') y.remove_prefix(1);
      if (x.size() != y.size()) return x.size() < y.size();
      if (x != y) return x < y;
      if (xl != yl) return xl < yl;  // "1" before "01"
      i = ie;
      j = je;
    } else {
      if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

std::vector<HostPattern> hostlist_patterns(std::span<const std::string> names) {
  const std::set<std::string> unique(names.begin(), names.end());
  std::map<std::pair<std::string, std::string>, std::vector<std::pair<uint64_t, int>>> numbered;
  std::vector<HostPattern> out;
  for (const auto& name : unique) {
    if (auto n = split_number(name)) {
      numbered[{n->prefix, n->suffix}].emplace_back(n->value, n->digits);
    } else {
      out.push_back(HostPattern{name, "", {}});
    }
  }
  for (auto& [key, entries] : numbered) {
    std::sort(entries.begin(), entries.end());
    HostPattern p{key.first, key.second, {}};
    // The widths a range may be printed with so that every name in it comes
    // back as written: a zero-padded name only its own, any other one up to
    // its length. Two names share a range when those widths overlap.
    int lo = 0, hi = 0;
    for (const auto& [value, digits] : entries) {
      const bool padded = digits > natural_digits(value);
      const int own_lo = padded ? digits : 0;
      const int own_hi = digits;
      if (!p.ranges.empty() && p.ranges.back().last + 1 == value &&
          std::max(lo, own_lo) <= std::min(hi, own_hi)) {
        lo = std::max(lo, own_lo);
        hi = std::min(hi, own_hi);
        p.ranges.back().last = value;
        p.ranges.back().width = lo;
        continue;
      }
      lo = own_lo;
      hi = own_hi;
      p.ranges.push_back(HostRange{value, value, lo});
    }
    out.push_back(std::move(p));
  }
  std::sort(out.begin(), out.end(), [](const HostPattern& a, const HostPattern& b) {
    return natural_less(first_name(a), first_name(b));
  });
  return out;
}

std::string hostlist_text(std::span<const HostPattern> patterns) {
  std::string out;
  for (const auto& p : patterns) {
    if (!out.empty()) out += ",";
    out += pattern_text(p);
  }
  return out;
}

std::string compress_hostlist(std::span<const std::string> names) {
  return hostlist_text(hostlist_patterns(names));
}

std::string hostlist_text_within(std::span<const HostPattern> patterns, size_t max_chars,
                                 size_t& omitted) {
  omitted = 0;
  std::string full = hostlist_text(patterns);
  if (full.size() <= max_chars) return full;
  // "…" is one column: keep room for ",…" and a closing "]" plus suffix.
  std::string out;
  size_t p = 0;
  for (; p < patterns.size(); ++p) {
    const auto& pat = patterns[p];
    const std::string whole = pattern_text(pat);
    const std::string sep = out.empty() ? "" : ",";
    if (out.size() + sep.size() + whole.size() + 2 <= max_chars) {
      out += sep + whole;
      continue;
    }
    // Part of this pattern's ranges, when at least one fits.
    if (pat.ranges.size() > 1 ||
        (pat.ranges.size() == 1 && pat.ranges[0].first != pat.ranges[0].last)) {
      std::string part = sep + pat.prefix + "[";
      size_t r = 0;
      for (; r < pat.ranges.size(); ++r) {
        const std::string piece = (r > 0 ? "," : "") + range_text(pat.ranges[r]);
        // what follows: ",…]" + suffix
        if (out.size() + part.size() + piece.size() + 3 + pat.suffix.size() > max_chars) break;
        part += piece;
      }
      if (r > 0) {
        out += part + ",…]" + pat.suffix;
        for (size_t k = r; k < pat.ranges.size(); ++k) omitted += range_size(pat.ranges[k]);
        ++p;
        for (; p < patterns.size(); ++p) {
          for (const auto& range : patterns[p].ranges) omitted += range_size(range);
          if (patterns[p].ranges.empty()) ++omitted;
        }
        return out;
      }
    }
    break;
  }
  for (; p < patterns.size(); ++p) {
    for (const auto& range : patterns[p].ranges) omitted += range_size(range);
    if (patterns[p].ranges.empty()) ++omitted;
  }
  out += out.empty() ? "…" : ",…";
  return out;
}

}  // namespace ongpu::summarize
