#include "render/finding_words.h"

#include <fmt/format.h>

#include "render/wordings.h"

namespace ongpu {
namespace wording {

std::string Args::operator[](std::string_view name) const {
  if (!args_.has(name)) {
    missing_.emplace_back(name);
    return "?";
  }
  return args_.get(name);
}

std::vector<std::string> Args::list(std::string_view name) const {
  if (!args_.has(name)) missing_.emplace_back(name);
  return args_.list(name);
}

double Args::number(std::string_view name) const {
  if (!args_.has(name)) missing_.emplace_back(name);
  return args_.number(name);
}

std::string Args::get_or(std::string_view name, std::string_view otherwise) const {
  return args_.has(name) ? args_.get(name) : std::string(otherwise);
}

namespace {

const Wording* find_wording(std::string_view id) {
  for (auto table : {machine_wordings(), probe_wordings(), framework_wordings(),
                     framework_library_wordings(), verify_wordings()}) {
    for (const auto& w : table) {
      if (w.id.view() == id) return &w;
    }
  }
  return nullptr;
}

}  // namespace
}  // namespace wording

FindingWords finding_words(const Finding& f) {
  FindingWords out;
  const auto* w = wording::find_wording(f.id);
  if (!w) {  // TRANSITION: a finding the rules still word themselves
    out.summary = f.summary;
    out.fix = f.fix;
    return out;
  }
  wording::Args args(f.args, out.missing);
  auto words = w->words(args);
  out.summary = std::move(words.summary);
  out.fix = std::move(words.fix);
  return out;
}

}  // namespace ongpu
