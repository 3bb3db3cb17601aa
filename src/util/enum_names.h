// Enums with stable snake_case names. A status, an outcome or a kind is an
// enum inside ongpu and its name only at the edges: the JSON writer and reader
// (facts/json.h) and the renderers. So rules compare values the compiler
// checks, and the saved JSON keeps the words it always had.
//
// To name an enum, specialise EnumNames with its last enumerator and one name
// per enumerator, in declaration order:
//
//   enum class ProbeStatus { ok, crashed };
//   template <>
//   struct EnumNames<ProbeStatus> {
//     static constexpr auto last = ProbeStatus::crashed;
//     static constexpr std::array<std::string_view, 2> names{"ok", "crashed"};
//   };
//
// NamedEnum refuses a specialisation whose names do not count the enumerators
// up to `last`; enum_names_test.cc checks that the names are distinct and
// read back to their own values.
#pragma once

#include <fmt/format.h>

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace ongpu {

template <class E>
struct EnumNames;  // specialised next to each named enum

template <class E>
concept NamedEnum = std::is_enum_v<E> && requires {
  { EnumNames<E>::names.size() } -> std::convertible_to<std::size_t>;
  { EnumNames<E>::last } -> std::convertible_to<E>;
} &&(EnumNames<E>::names.size() == static_cast<std::size_t>(EnumNames<E>::last) + 1);

template <NamedEnum E>
constexpr std::string_view enum_name(E value) {
  const auto i = static_cast<std::size_t>(value);
  return i < EnumNames<E>::names.size() ? EnumNames<E>::names[i] : std::string_view("?");
}

// The name as a std::string (for evidence values and messages).
template <NamedEnum E>
std::string enum_string(E value) {
  return std::string(enum_name(value));
}

template <NamedEnum E>
constexpr std::optional<E> enum_from_name(std::string_view name) {
  for (std::size_t i = 0; i < EnumNames<E>::names.size(); ++i) {
    if (EnumNames<E>::names[i] == name) return static_cast<E>(i);
  }
  return std::nullopt;
}

// Every value of E, in declaration order.
template <NamedEnum E>
constexpr auto enum_values() {
  std::array<E, EnumNames<E>::names.size()> out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<E>(i);
  return out;
}

}  // namespace ongpu

// fmt writes a named enum as its name.
template <ongpu::NamedEnum E>
struct fmt::formatter<E, char> : fmt::formatter<std::string_view, char> {
  template <class Context>
  auto format(E value, Context& ctx) const {
    return fmt::formatter<std::string_view, char>::format(ongpu::enum_name(value), ctx);
  }
};
