#include "facts/json.h"

namespace ongpu {

json facts_to_json(const FactSet& facts) {
  json unavailable = json::object();
  json doc = json::object();
  doc["schema_version"] = kFactSchemaVersion;
  doc["facts"] = to_json_value(facts, unavailable);
  doc["unavailable"] = std::move(unavailable);
  return doc;
}

Result<FactSet> facts_from_json(const json& doc) {
  if (!doc.is_object()) return make_error("the saved facts are not a JSON object");
  auto version = doc.find("schema_version");
  if (version == doc.end() || !version->is_number_integer())
    return make_error("the saved facts have no schema_version");
  if (version->get<int64_t>() != kFactSchemaVersion)
    return make_error("the saved facts have schema_version " + version->dump() +
                      "; this ongpu reads version " + std::to_string(kFactSchemaVersion));
  auto facts = doc.find("facts");
  if (facts == doc.end()) return make_error("the saved facts have no \"facts\" object");
  static const json kEmpty = json::object();
  auto unavailable = doc.find("unavailable");
  return from_json_value<FactSet>(*facts, unavailable != doc.end() ? *unavailable : kEmpty);
}

}  // namespace ongpu
