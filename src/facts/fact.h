// A fact is either known, or missing with the reason it is missing. In JSON a
// missing fact is `null`, and its reason is listed under the snapshot's
// "unavailable" object by fact path (docs/json-schema.md).
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace ongpu {

template <class T>
struct Fact {
  std::optional<T> value;
  std::string reason;  // why value is missing; empty when it is present

  Fact() : reason("not collected") {}
  Fact(T v) : value(std::move(v)) {}  // NOLINT(google-explicit-constructor)
  static Fact missing(std::string why) {
    Fact f;
    f.reason = std::move(why);
    return f;
  }

  bool has() const { return value.has_value(); }
  explicit operator bool() const { return has(); }
  const T& operator*() const { return *value; }
  const T* operator->() const { return &*value; }
  T value_or(T other) const { return value ? *value : std::move(other); }
  bool operator==(const Fact& o) const = default;
};

}  // namespace ongpu
