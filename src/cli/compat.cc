// `ongpu compat`: what a framework version needs (CUDA, cuDNN, driver,
// Python, GPU architectures), or what a driver allows, from the knowledge
// tables (docs/knowledge.md), each line with its source.
#include "knowledge/compat.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/options.h"
#include "knowledge/knowledge.h"

namespace ongpu::cli {
namespace {

using knowledge::CompatAnswer;
using nlohmann::ordered_json;

std::string heading(const CompatAnswer& a) {
  if (a.kind == "driver") return "NVIDIA driver " + a.version;
  std::string h = a.framework + " " + a.version;
  if (a.framework == "tensorflow" || a.framework == "tensorflow-gpu") {
    if (a.match == "exact") h += " — tested Linux GPU build configuration";
    if (a.match == "series") {
      h += " — the table lists " + a.matched + " for this series; its tested configuration:";
    }
  } else if (a.framework == "torch" && !a.matched.empty()) {
    h += " — PyTorch " + a.matched + " release matrix";
  }
  return h;
}

std::string render_text(const CompatAnswer& a) {
  std::vector<std::string> sources;
  auto cite = [&](const std::string& source) -> std::string {
    if (source.empty()) return "";
    auto it = std::find(sources.begin(), sources.end(), source);
    if (it == sources.end()) {
      sources.push_back(source);
      return " [" + std::to_string(sources.size()) + "]";
    }
    return " [" + std::to_string(it - sources.begin() + 1) + "]";
  };
  std::string out = heading(a) + "\n";
  for (const auto& s : a.sections) {
    out += "\n" + s.title + "\n";
    for (const auto& item : s.items) {
      if (s.key == "notes") {
        out += "  • " + item.text + cite(item.source) + "\n";
      } else {
        std::string label = item.label;
        label.resize(std::max<size_t>(label.size(), 13), ' ');
        out += "  " + label + " " + item.text + cite(item.source) + "\n";
      }
    }
  }
  if (!sources.empty()) {
    out += "\nSources\n";
    for (size_t i = 0; i < sources.size(); ++i) {
      out += "  [" + std::to_string(i + 1) + "] " + sources[i] + "\n";
    }
  }
  return out;
}

ordered_json render_json(const CompatAnswer& a, const knowledge::Knowledge& k) {
  ordered_json doc;
  doc["schema_version"] = 1;
  doc["kind"] = a.kind;
  doc["query"] = a.query;
  if (a.kind == "framework") {
    doc["framework"] = a.framework;
    doc["version"] = a.version;
    doc["matched"] = a.matched.empty() ? ordered_json(nullptr) : ordered_json(a.matched);
    doc["match"] = a.match.empty() ? ordered_json(nullptr) : ordered_json(a.match);
  } else {
    doc["driver"] = a.version;
  }
  ordered_json sections = ordered_json::array();
  for (const auto& s : a.sections) {
    ordered_json items = ordered_json::array();
    for (const auto& item : s.items) {
      ordered_json j;
      j["key"] = item.key;
      j["text"] = item.text;
      for (const auto& [name, value] : item.fields) {
        j[name] = value.empty() ? ordered_json(nullptr) : ordered_json(value);
      }
      j["source"] = item.source.empty() ? ordered_json(nullptr) : ordered_json(item.source);
      items.push_back(std::move(j));
    }
    sections.push_back({{"key", s.key}, {"title", s.title}, {"items", std::move(items)}});
  }
  doc["sections"] = std::move(sections);
  ordered_json tables = ordered_json::object();
  for (const auto& [name, origin] : k.table_origins()) tables[name] = origin;
  doc["tables"] = std::move(tables);
  return doc;
}

}  // namespace

int run_compat(std::vector<std::string> args) {
  CLI::App app{
      "What a framework version needs (CUDA, cuDNN, driver, Python, GPU architectures),\n"
      "or the newest CUDA and framework builds a driver allows; every line cites its source.",
      "ongpu compat"};
  std::string spec;
  std::string driver;
  std::string knowledge_dir;
  bool json = false;
  app.add_option("spec", spec, "FRAMEWORK==VERSION: tensorflow==2.15.0, torch==2.3.0, jax==0.4.30")
      ->type_name("SPEC");
  app.add_option("--driver", driver, "an NVIDIA driver version, e.g. 470.82.01")
      ->type_name("VERSION");
  app.add_option("--knowledge", knowledge_dir,
                 "read the tables from DIR/*.csv where present (docs/knowledge.md)")
      ->type_name("DIR");
  app.add_flag("--json", json, "print one JSON document (docs/knowledge.md)");
  app.footer("Exit codes: 0 answered, 64 usage error or not in the tables, 70 internal error.");
  if (auto rc = parse_arguments(app, std::move(args))) return *rc;
  if (spec.empty() == driver.empty()) {
    std::cerr << "ongpu compat: give either FRAMEWORK==VERSION or --driver VERSION\n"
              << "Run 'ongpu compat --help' for the options.\n";
    return kExitUsage;
  }
  auto k = knowledge::Knowledge::load(knowledge_dir);
  if (!k) {
    std::cerr << "ongpu compat: " << k.error() << "\n";
    return knowledge_dir.empty() ? kExitInternal : kExitUsage;
  }
  Result<CompatAnswer> answer = make_error("");
  if (!driver.empty()) {
    answer = knowledge::driver_compat(*k, driver);
  } else {
    auto parsed = knowledge::parse_framework_spec(spec);
    answer = parsed ? knowledge::framework_compat(*k, *parsed)
                    : Result<CompatAnswer>(Error{parsed.error()});
  }
  if (!answer) {
    std::cerr << "ongpu compat: " << answer.error() << "\n";
    return kExitUsage;
  }
  if (json) {
    std::cout
        << render_json(*answer, *k).dump(2, ' ', false, ordered_json::error_handler_t::replace)
        << "\n";
  } else {
    std::cout << render_text(*answer);
  }
  return kExitOk;
}

}  // namespace ongpu::cli
