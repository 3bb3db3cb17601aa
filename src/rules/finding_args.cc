#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "rules/finding.h"

namespace ongpu {

FindingArgs& FindingArgs::set(std::string_view name, std::vector<std::string> values) {
  auto it =
      std::find_if(values_.begin(), values_.end(), [&](const auto& v) { return v.first == name; });
  if (it == values_.end()) {
    values_.emplace_back(std::string(name), std::move(values));
  } else {
    it->second = std::move(values);
  }
  return *this;
}

FindingArgs& FindingArgs::set(std::string_view name, std::string value) {
  return set(name, std::vector<std::string>{std::move(value)});
}

FindingArgs& FindingArgs::set(std::string_view name, double x) {
  return set(name, fmt::format("{}", x));
}

FindingArgs& FindingArgs::flag(std::string_view name, bool on) {
  if (on) return set(name, std::string("true"));
  std::erase_if(values_, [&](const auto& v) { return v.first == name; });
  return *this;
}

const std::vector<std::string>* FindingArgs::find(std::string_view name) const {
  for (const auto& [n, v] : values_) {
    if (n == name) return &v;
  }
  return nullptr;
}

bool FindingArgs::has(std::string_view name) const { return find(name) != nullptr; }

std::string FindingArgs::get(std::string_view name) const {
  const auto* v = find(name);
  return v ? fmt::format("{}", fmt::join(*v, ", ")) : std::string();
}

std::vector<std::string> FindingArgs::list(std::string_view name) const {
  const auto* v = find(name);
  return v ? *v : std::vector<std::string>{};
}

double FindingArgs::number(std::string_view name) const {
  const auto* v = find(name);
  if (!v || v->size() != 1) return 0;
  double x = 0;
  const auto& s = v->front();
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
  return ec == std::errc() && end == s.data() + s.size() ? x : 0;
}

}  // namespace ongpu
