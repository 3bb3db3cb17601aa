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

std::vector<const Wording*> wordings_of(std::string_view id) {
  std::vector<const Wording*> out;
  for (auto table : {machine_wordings(), probe_wordings(), framework_wordings(),
                     framework_library_wordings(), verify_wordings()}) {
    for (const auto& w : table) {
      if (w.id.view() == id) out.push_back(&w);
    }
  }
  return out;
}

}  // namespace wording

FindingWords finding_words(const Finding& f) {
  FindingWords out;
  const auto found = wording::wordings_of(f.id);
  if (found.empty()) {  // every catalog id has one (finding_words_test)
    out.summary = f.id;
    return out;
  }
  wording::Args args(f.args, out.missing);
  auto words = found.front()->words(args);
  out.summary = std::move(words.summary);
  out.fix = std::move(words.fix);
  return out;
}

}  // namespace ongpu
