// Small string helpers that never throw: every split is bounds-checked and
// numbers are parsed with std::from_chars.
#pragma once

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
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

// The one builder for a command ongpu prints: `pattern` (fmt syntax) with
// every value shell_quote()d, so that a path, a version or a name from the
// facts (or from a saved facts file) stays one word and runs nothing.
// Values in a trailing "# comment" are quoted too: then even a newline in one
// cannot end the comment.
template <class... Args>
std::string shell_command(std::string_view pattern, const Args&... args) {
  const std::array<std::string, sizeof...(Args)> quoted{shell_quote(fmt::format("{}", args))...};
  return std::apply([&](const auto&... q) { return fmt::format(fmt::runtime(pattern), q...); },
                    quoted);
}
// Replaces bytes that are not printable ASCII or valid UTF-8 so the text can
// be shown and put into JSON; vendor strings are not trusted to be clean.
std::string sanitize_text(std::string_view s);
// sanitize_text, on one line: newlines and tabs become spaces too. For what
// the text report prints as one line (a finding, a fix), so that no value can
// start a line of its own.
std::string one_line(std::string_view s);
// "2f746d70" -> "/tmp"; nullopt for an odd length or a non-hex digit.
std::optional<std::string> from_hex(std::string_view hex);

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
