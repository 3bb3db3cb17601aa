// `ongpu compat`'s answer as text (each line citing its source, the sources
// listed at the end) and as JSON (docs/knowledge.md).
#include "knowledge/compat.h"

#include <algorithm>

#include "knowledge/knowledge.h"
#include "render/render.h"

namespace ongpu {
namespace {

using knowledge::CompatAnswer;
using knowledge::CompatKind;
using knowledge::CompatMatch;

std::string heading(const CompatAnswer& a) {
  if (a.kind == CompatKind::driver) return "NVIDIA driver " + a.version;
  std::string h = a.framework + " " + a.version;
  if (a.framework == "tensorflow" || a.framework == "tensorflow-gpu") {
    if (a.match == CompatMatch::exact) h += " — tested Linux GPU build configuration";
    if (a.match == CompatMatch::series) {
      h += " — the table lists " + a.matched + " for this series; its tested configuration:";
    }
  } else if (a.framework == "torch" && !a.matched.empty()) {
    h += " — PyTorch " + a.matched + " release matrix";
  }
  return h;
}

}  // namespace

std::string render_compat_text(const CompatAnswer& a) {
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

json render_compat_json(const CompatAnswer& a, const knowledge::Knowledge& k) {
  json doc;
  doc["schema_version"] = 1;
  doc["kind"] = a.kind;
  doc["query"] = a.query;
  if (a.kind == CompatKind::framework) {
    doc["framework"] = a.framework;
    doc["version"] = a.version;
    doc["matched"] = a.matched.empty() ? json(nullptr) : json(a.matched);
    doc["match"] = a.match == CompatMatch::exact    ? json("exact")
                   : a.match == CompatMatch::series ? json("series")
                                                    : json(nullptr);
  } else {
    doc["driver"] = a.version;
  }
  json sections = json::array();
  for (const auto& s : a.sections) {
    json items = json::array();
    for (const auto& item : s.items) {
      json j;
      j["key"] = item.key;
      j["text"] = item.text;
      for (const auto& [name, value] : item.fields) {
        j[name] = value.empty() ? json(nullptr) : json(value);
      }
      j["source"] = item.source.empty() ? json(nullptr) : json(item.source);
      items.push_back(std::move(j));
    }
    sections.push_back({{"key", s.key}, {"title", s.title}, {"items", std::move(items)}});
  }
  doc["sections"] = std::move(sections);
  json tables = json::object();
  for (const auto& [name, origin] : k.table_origins()) tables[name] = origin;
  doc["tables"] = std::move(tables);
  return doc;
}

}  // namespace ongpu
