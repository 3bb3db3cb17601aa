// The answers of `ongpu compat`: what a framework version needs, and what a
// driver allows. Pure functions of the knowledge tables; the command
// (src/cli/compat.cc) only parses options and prints these.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "knowledge/knowledge.h"
#include "util/enum_names.h"
#include "util/result.h"

namespace ongpu::knowledge {

// One line of an answer, with the row it came from.
struct Item {
  std::string key;    // stable snake_case id ("cuda", "driver", "and_cuda")
  std::string label;  // for text output ("CUDA")
  std::string text;   // one human sentence or value
  std::vector<std::pair<std::string, std::string>> fields;  // machine form (JSON)
  std::string source;                                       // "" only for "not in the tables"
};

struct Section {
  std::string key;    // "requirements", "cu121", "extras", "cuda", "frameworks", "notes"
  std::string title;  // for text output
  std::vector<Item> items;
};

enum class CompatKind { framework, driver };
}  // namespace ongpu::knowledge
template <>
struct ongpu::EnumNames<ongpu::knowledge::CompatKind> {
  static constexpr auto last = knowledge::CompatKind::driver;
  static constexpr std::array<std::string_view, 2> names{"framework", "driver"};
};
namespace ongpu::knowledge {
// How the table row answers a framework version: exactly, by its series
// (same major.minor), or not at all (the JSON's null).
enum class CompatMatch { none, exact, series };

struct CompatAnswer {
  CompatKind kind = CompatKind::framework;
  std::string query;  // as typed: "tensorflow==2.15.0", "470.82.01"
  std::string
      framework;  // canonical: "tensorflow", "tensorflow-gpu", "torch", "jax"; "" for a driver
  std::string version;  // as asked, or the driver version
  std::string matched;  // the table row answering ("2.15.0", "2.3"); "" when none applies
  CompatMatch match = CompatMatch::none;
  std::vector<Section> sections;
};

// "tensorflow==2.15.0" -> {"tensorflow", "2.15.0"}; aliases: tf, pytorch,
// jaxlib. An Error says what is wrong (the caller exits 64).
struct FrameworkSpec {
  std::string framework;
  std::string version;
  std::vector<std::string> extras;  // jax[cuda12]==0.10.2 -> {"cuda12"}
};
Result<FrameworkSpec> parse_framework_spec(std::string_view spec);

// Errors (unknown version, unknown wheel variant) name the known values.
Result<CompatAnswer> framework_compat(const Knowledge& k, const FrameworkSpec& spec);
// Errors: a driver version that does not parse.
Result<CompatAnswer> driver_compat(const Knowledge& k, std::string_view driver_version);

}  // namespace ongpu::knowledge
