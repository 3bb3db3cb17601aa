// Parsers for Python packaging files, read without importing anything:
// core metadata (dist-info METADATA, egg-info PKG-INFO; RFC 822-style
// headers, packaging.python.org "Core metadata specifications"), and the
// simple `name = 'value'` modules frameworks generate (torch/version.py,
// tensorflow/python/platform/build_info.py).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ongpu::python {

struct CoreMetadata {
  std::string name;
  std::string version;
  std::string requires_python;
  std::vector<std::string> requires_dist;  // as written, markers included
};
CoreMetadata parse_core_metadata(std::string_view text);

// PEP 503 normalized name: lower case, runs of -_. become one '-'.
std::string normalize_name(std::string_view name);

// A Requires-Dist entry split up: "nvidia-cufft-cu12<12.0,>=11.2.3.61; extra == \"and-cuda\""
struct Requirement {
  std::string name;       // normalized
  std::string specifier;  // "<12.0,>=11.2.3.61"
  std::string extra;      // "and-cuda", or "" when not tied to an extra
};
std::optional<Requirement> parse_requirement(std::string_view line);

// The lowest version a specifier allows when it names one (">=11.2.3.61",
// "==2.1.0"); "" otherwise.
std::string lowest_allowed_version(std::string_view specifier);

// Top-level `name = <literal>` assignments of a generated Python module:
// strings, True/False/None, numbers, and lists of strings; also the pairs of
// `build_info = collections.OrderedDict([('key', value), ...])` and
// `build_info = {'key': value, ...}`. Values are returned as Python-literal
// text with strings unquoted; lists as comma-joined items.
std::map<std::string, std::string> parse_python_assignments(std::string_view text);

}  // namespace ongpu::python
