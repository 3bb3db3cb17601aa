// Every string held by a fact structure, in place: the walk of the JSON
// writer (facts/json.h) over each struct's fields(), for a pass that rewrites
// what was read from the machine (ongpu report --redact). Enums, numbers and
// flags are left alone; a missing fact's reason is a string too.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "facts/fact.h"
#include "facts/factset.h"
#include "facts/json.h"

namespace ongpu {

template <class T, class F>
void for_each_string(T& value, F& f);

namespace detail {

template <class F>
struct StringFieldWalker {
  F& f;
  template <class T>
  void operator()(const char*, T& field) {
    for_each_string(field, f);
  }
};

}  // namespace detail

// f(std::string&) for every string in `value`; a string map's values (its
// keys are names: environment variables, components).
template <class T, class F>
void for_each_string(T& value, F& f) {
  if constexpr (std::is_same_v<T, std::string>) {
    f(value);
  } else if constexpr (detail::is_fact<T>::value) {
    if (value.value) for_each_string(*value.value, f);
    f(value.reason);
  } else if constexpr (detail::is_optional<T>::value) {
    if (value) for_each_string(*value, f);
  } else if constexpr (detail::is_vector<T>::value) {
    for (auto& item : value) for_each_string(item, f);
  } else if constexpr (detail::is_string_map<T>::value) {
    for (auto& entry : value) f(entry.second);
  } else if constexpr (std::is_same_v<T, OtherCopy>) {
    f(value.path);
    f(value.reason);
  } else if constexpr (detail::HasFields<T>) {
    detail::StringFieldWalker<F> walker{f};
    value.fields(walker);
  } else {
    static_assert(std::is_arithmetic_v<T> || std::is_enum_v<T>,
                  "for_each_string: a type with strings it does not know how to reach");
  }
}

}  // namespace ongpu
