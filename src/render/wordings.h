// Internal to render/: the tables that word each finding id. One table per
// part of the chain; finding_words() looks an id up in all of them, and a
// unit test checks that every catalog id has exactly one wording.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "render/finding_words.h"
#include "rules/catalog.h"
#include "util/strings.h"

namespace ongpu::wording {

// A finding's args as a wording reads them: a missing one is noted (and
// reads as "?").
class Args {
 public:
  Args(const FindingArgs& args, std::vector<std::string>& missing)
      : args_(args), missing_(missing) {}
  std::string operator[](std::string_view name) const;
  bool has(std::string_view name) const { return args_.has(name); }
  std::vector<std::string> list(std::string_view name) const;
  double number(std::string_view name) const;
  // The value, or `otherwise` when it is not set (an optional specific).
  std::string get_or(std::string_view name, std::string_view otherwise) const;

 private:
  const FindingArgs& args_;
  std::vector<std::string>& missing_;
};

struct Words {
  std::string summary;
  std::vector<std::string> fix;
};

struct Wording {
  FindingId id;
  Words (*words)(const Args&);
};

std::span<const Wording> machine_wordings();            // words_machine.cc
std::span<const Wording> probe_wordings();              // words_probe.cc
std::span<const Wording> framework_wordings();          // words_framework.cc
std::span<const Wording> framework_library_wordings();  // words_framework_libraries.cc
std::span<const Wording> verify_wordings();             // words_verify.cc

// The wordings of an id in all the tables: exactly one for each catalog id.
std::vector<const Wording*> wordings_of(std::string_view id);

// "s" when n is not 1: "GPU" + plural(n).
inline const char* plural(double n) { return n == 1 ? "" : "s"; }

}  // namespace ongpu::wording
