// `ongpu summarize --json` (docs/schema/summarize-1.schema.json).
#include "render/summarize.h"
#include "summarize/hostlist.h"
#include "util/strings.h"

namespace ongpu {
namespace {

using summarize::FleetSummary;

json text_list(const std::vector<std::string>& items) {
  json out = json::array();
  for (const auto& s : items) out.push_back(sanitize_text(s));
  return out;
}

json words_json(const std::vector<summarize::Wording>& words) {
  json out = json::array();
  for (const auto& w : words) {
    out.push_back({{"id", w.id.empty() ? json(nullptr) : json(sanitize_text(w.id))},
                   {"summary", sanitize_text(w.summary)},
                   {"fix", text_list(w.fix)}});
  }
  return out;
}

}  // namespace

json render_summary_json(const FleetSummary& s) {
  json doc = json::object();
  doc["schema_version"] = kSummarySchemaVersion;
  doc["ongpu_version"] = ONGPU_VERSION;
  doc["exit_code"] = s.exit_code;
  doc["nodes"] = s.nodes;
  doc["documents"] = s.documents;
  json by_status = json::object();
  for (auto st : enum_values<VerdictStatus>()) {
    by_status[enum_string(st)] = s.by_status[static_cast<size_t>(st)];
  }
  doc["by_status"] = by_status;
  json groups = json::array();
  for (const auto& g : s.groups) {
    json variants = json::array();
    for (const auto& v : g.variants) {
      variants.push_back({{"count", v.nodes.size()},
                          {"hostlist", sanitize_text(summarize::compress_hostlist(v.nodes))},
                          {"nodes", text_list(v.nodes)},
                          {"words", words_json(v.words)}});
    }
    groups.push_back({{"status", g.status},
                      {"causes", text_list(g.causes)},
                      {"count", g.nodes.size()},
                      {"hostlist", sanitize_text(summarize::compress_hostlist(g.nodes))},
                      {"nodes", text_list(g.nodes)},
                      {"variants", variants}});
  }
  doc["groups"] = groups;
  json unreadable = json::array();
  for (const auto& u : s.unreadable) {
    unreadable.push_back({{"kind", u.kind},
                          {"node", u.node.empty() ? json(nullptr) : json(sanitize_text(u.node))},
                          {"source", sanitize_text(u.source)},
                          {"bytes", u.size},
                          {"message", unreadable_words(u)}});
  }
  doc["unreadable"] = unreadable;
  doc["unreadable_count"] = s.unreadable_count;
  json duplicates = json::array();
  for (const auto& d : s.duplicates) {
    duplicates.push_back(
        {{"node", sanitize_text(d.node)}, {"sources", text_list(d.sources)}, {"agree", d.agree}});
  }
  doc["duplicates"] = duplicates;
  doc["looks_interleaved"] = s.looks_interleaved;
  return doc;
}

}  // namespace ongpu
