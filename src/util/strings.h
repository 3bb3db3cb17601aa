// Small string helpers that never throw: every split is bounds-checked and
// numbers are parsed with std::from_chars.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ongpu {

std::string_view trim(std::string_view s);
std::vector<std::string_view> split(std::string_view s, char sep);
bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);
std::string to_lower(std::string_view s);
// The text as one word for a POSIX shell: unchanged when it is plain,
// otherwise in single quotes (a fix command must be safe to paste).
std::string shell_quote(std::string_view s);
// Replaces bytes that are not printable ASCII or valid UTF-8 so the text can
// be shown and put into JSON; vendor strings are not trusted to be clean.
std::string sanitize_text(std::string_view s);

template <class T>
std::optional<T> parse_number(std::string_view s, int base = 10) {
  s = trim(s);
  if (base == 16 && (starts_with(s, "0x") || starts_with(s, "0X"))) s.remove_prefix(2);
  T value{};
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, value, base);
  if (ec != std::errc() || ptr != end || s.empty()) return std::nullopt;
  return value;
}

}  // namespace ongpu
