// JSON form of facts: one generic writer and reader that walk each struct's
// fields() list (facts/factset.h). Missing facts become `null`, and their
// reasons go into an "unavailable" object keyed by fact path
// ("nvml.gpus[0].uuid").
#pragma once

#include <concepts>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "facts/fact.h"
#include "facts/factset.h"
#include "util/enum_names.h"
#include "util/result.h"
#include "util/strings.h"

// nlohmann::json writes a named enum as its name, never as its number
// (its default for enums), wherever a renderer puts one into a document.
template <class E>
requires ongpu::NamedEnum<E>
struct nlohmann::adl_serializer<E, void> {
  template <class Json>
  static void to_json(Json& j, E value) {
    j = std::string(ongpu::enum_name(value));
  }
  template <class Json>
  static void from_json(const Json& j, E& value) {
    auto v = ongpu::enum_from_name<E>(j.template get<std::string>());
    if (!v) throw std::invalid_argument("unknown value: " + j.template get<std::string>());
    value = *v;
  }
};

namespace ongpu {

// Ordered: keys stay in the order the fields are listed, so the JSON reads
// like the chain (and diffs between two snapshots stay small).
using json = nlohmann::ordered_json;

namespace detail {

template <class T>
struct is_fact : std::false_type {};
template <class T>
struct is_fact<Fact<T>> : std::true_type {};
template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};
template <class T>
struct is_vector : std::false_type {};
template <class T>
struct is_vector<std::vector<T>> : std::true_type {};
template <class T>
struct is_string_map : std::false_type {};
template <>
struct is_string_map<std::map<std::string, std::string>> : std::true_type {};

struct NullVisitor {
  template <class F>
  void operator()(const char*, F&) {}
};
template <class T>
concept HasFields = requires(T t, NullVisitor v) {
  t.fields(v);
};
// A value whose JSON form is one string (OtherCopy).
template <class T>
concept HasTextForm = requires(const T& t, std::string_view text) {
  { t.to_text() } -> std::convertible_to<std::string>;
  { T::from_text(text) } -> std::same_as<T>;
};

inline std::string join_path(const std::string& base, const char* name) {
  return base.empty() ? std::string(name) : base + "." + name;
}

template <class T>
json write_value(const T& value, const std::string& path, json& unavailable);

struct FieldWriter {
  json& out;
  const std::string& path;
  json& unavailable;
  template <class F>
  void operator()(const char* name, F& field) {
    out[name] = write_value(field, join_path(path, name), unavailable);
  }
};

template <class T>
json write_value(const T& value, const std::string& path, json& unavailable) {
  if constexpr (is_fact<T>::value) {
    if (value.has()) return write_value(*value.value, path, unavailable);
    unavailable[path] = value.reason;
    return nullptr;
  } else if constexpr (is_optional<T>::value) {
    if (value) return write_value(*value, path, unavailable);
    return nullptr;
  } else if constexpr (is_vector<T>::value) {
    json arr = json::array();
    for (size_t i = 0; i < value.size(); ++i) {
      arr.push_back(write_value(value[i], path + "[" + std::to_string(i) + "]", unavailable));
    }
    return arr;
  } else if constexpr (std::is_enum_v<T>) {
    static_assert(NamedEnum<T>, "an enum in the facts needs EnumNames (util/enum_names.h)");
    return json(enum_string(value));
  } else if constexpr (HasTextForm<T>) {
    return json(value.to_text());
  } else if constexpr (HasFields<T>) {
    json obj = json::object();
    FieldWriter w{obj, path, unavailable};
    const_cast<T&>(value).fields(w);  // fields() only reads through the writer
    return obj;
  } else {
    return json(value);
  }
}

template <class T>
void read_value(const json& j, T& value, const std::string& path, const json& unavailable,
                std::string& error);

struct FieldReader {
  const json& in;
  const std::string& path;
  const json& unavailable;
  std::string& error;
  template <class F>
  void operator()(const char* name, F& field) {
    if (!error.empty()) return;
    auto it = in.find(name);
    if (it == in.end()) {
      // A field added in a later minor revision may be absent: keep the default,
      // and mark a fact as not present in the snapshot.
      if constexpr (is_fact<F>::value) field = F::missing("not in the saved facts");
      return;
    }
    read_value(*it, field, join_path(path, name), unavailable, error);
  }
};

template <class T>
void read_value(const json& j, T& value, const std::string& path, const json& unavailable,
                std::string& error) {
  if constexpr (is_fact<T>::value) {
    if (j.is_null()) {
      auto it = unavailable.find(path);
      value =
          T::missing(it != unavailable.end() && it->is_string() ? it->template get<std::string>()
                                                                : "unavailable");
      return;
    }
    typename std::remove_cvref_t<decltype(*value.value)> inner{};
    read_value(j, inner, path, unavailable, error);
    value = T(std::move(inner));
  } else if constexpr (is_optional<T>::value) {
    if (j.is_null()) {
      value.reset();
      return;
    }
    typename T::value_type inner{};
    read_value(j, inner, path, unavailable, error);
    value = std::move(inner);
  } else if constexpr (is_vector<T>::value) {
    if (!j.is_array()) {
      error = path + ": expected an array";
      return;
    }
    value.clear();
    for (size_t i = 0; i < j.size() && error.empty(); ++i) {
      typename T::value_type item{};
      read_value(j[i], item, path + "[" + std::to_string(i) + "]", unavailable, error);
      value.push_back(std::move(item));
    }
  } else if constexpr (is_string_map<T>::value) {
    if (!j.is_object()) {
      error = path + ": expected an object";
      return;
    }
    value.clear();
    for (auto& [k, v] : j.items()) {
      if (!v.is_string()) {
        error = path + "." + k + ": expected a string";
        return;
      }
      value[k] = v.template get<std::string>();
    }
  } else if constexpr (std::is_enum_v<T>) {
    static_assert(NamedEnum<T>, "an enum in the facts needs EnumNames (util/enum_names.h)");
    if (!j.is_string()) {
      error = path + ": expected a string";
      return;
    }
    auto v = enum_from_name<T>(j.template get<std::string>());
    if (!v) {
      std::string allowed;
      for (auto name : EnumNames<T>::names)
        allowed += (allowed.empty() ? "" : ", ") + std::string(name);
      error = path + ": unknown value '" + sanitize_text(j.template get<std::string>()) +
              "' (one of: " + allowed + ")";
      return;
    }
    value = *v;
  } else if constexpr (HasTextForm<T>) {
    if (!j.is_string()) {
      error = path + ": expected a string";
      return;
    }
    value = T::from_text(sanitize_text(j.template get<std::string>()));
  } else if constexpr (HasFields<T>) {
    if (!j.is_object()) {
      error = path + ": expected an object";
      return;
    }
    FieldReader r{j, path, unavailable, error};
    value.fields(r);
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!j.is_boolean())
      error = path + ": expected true or false";
    else
      value = j.template get<bool>();
  } else if constexpr (std::is_same_v<T, std::string>) {
    // Saved facts come from other people: no control byte or escape
    // sequence in them reaches a terminal.
    if (!j.is_string())
      error = path + ": expected a string";
    else
      value = sanitize_text(j.template get<std::string>());
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!j.is_number())
      error = path + ": expected a number";
    else
      value = j.template get<T>();
  } else if constexpr (std::is_integral_v<T>) {
    if (!j.is_number_integer()) {
      error = path + ": expected an integer";
    } else if (j.is_number_unsigned()) {
      auto u = j.template get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<T>::max()))
        error = path + ": out of range";
      else
        value = static_cast<T>(u);
    } else {
      auto s = j.template get<int64_t>();
      if (s < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
          (s > 0 &&
           static_cast<uint64_t>(s) > static_cast<uint64_t>(std::numeric_limits<T>::max())))
        error = path + ": out of range";
      else
        value = static_cast<T>(s);
    }
  } else {
    static_assert(sizeof(T) == 0, "no JSON reader for this type");
  }
}

}  // namespace detail

// Writes any fields()-struct; reasons for missing facts are added to
// `unavailable` under `path`.
template <class T>
json to_json_value(const T& value, json& unavailable, const std::string& path = "") {
  return detail::write_value(value, path, unavailable);
}

template <class T>
Result<T> from_json_value(const json& j, const json& unavailable, const std::string& path = "") {
  T value{};
  std::string error;
  detail::read_value(j, value, path, unavailable, error);
  if (!error.empty()) return make_error(error);
  return value;
}

// The saved-facts document: {"schema_version", "facts", "unavailable"}.
json facts_to_json(const FactSet& facts);
Result<FactSet> facts_from_json(const json& doc);

}  // namespace ongpu
