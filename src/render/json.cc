#include "render/finding_words.h"
#include "render/links.h"
#include "render/render.h"
#include "render/verdict_words.h"
#include "render/visible_words.h"

namespace ongpu {

json finding_to_json(const Finding& f) {
  const auto words = finding_words(f);
  json evidence = json::array();
  for (const auto& e : f.evidence) evidence.push_back({{"path", e.path}, {"value", e.value}});
  return {{"id", f.id},
          {"severity", severity_name(f.severity)},
          {"link", link_id(f.link)},
          {"summary", words.summary},
          {"evidence", evidence},
          {"fix", words.fix},
          {"scope", f.scope.empty() ? json(nullptr) : json(f.scope)}};
}

json render_doctor_json(const Report& report) {
  json doc = json::object();
  doc["schema_version"] = kReportSchemaVersion;
  doc["ongpu_version"] = report.facts.ongpu_version;
  const auto& v = report.verdict;
  doc["verdict"] = {{"gpu_usable", v.gpu_usable},
                    {"status", v.status},
                    {"exit_code", v.exit_code},
                    {"root_cause", v.root_cause.empty() ? json(nullptr) : json(v.root_cause)},
                    {"summary", verdict_summary(report)}};
  json links = json::array();
  for (const auto& l : report.links) {
    auto words = link_words(l.link, report.facts);
    links.push_back({{"id", link_id(l.link)},
                     {"title", link_title(l.link)},
                     {"status", l.status},
                     {"headline", words.headline},
                     {"details", words.details}});
  }
  doc["links"] = links;
  json findings = json::array();
  for (const auto& f : report.findings) findings.push_back(finding_to_json(f));
  doc["findings"] = findings;
  json frameworks = json::array();
  for (const auto& v : report.frameworks) {
    frameworks.push_back({{"framework", v.framework},
                          {"distribution", v.distribution},
                          {"version", v.version},
                          {"interpreter", v.interpreter},
                          {"python_version", v.python_version},
                          {"device", v.gpu       ? "gpu"
                                     : v.unknown ? "unknown"
                                                 : "cpu"},
                          {"root_cause", v.root_cause.empty() ? json(nullptr) : json(v.root_cause)},
                          {"summary", framework_summary(v, report)},
                          {"scope", v.scope}});
  }
  doc["frameworks"] = frameworks;
  json facts = facts_to_json(report.facts);
  doc["facts"] = facts["facts"];
  doc["unavailable"] = facts["unavailable"];
  return doc;
}

json render_visible_json(const VisibleResolution& r, const FactSet& facts) {
  json doc = json::object();
  doc["schema_version"] = kReportSchemaVersion;
  doc["cuda_visible_devices"] = r.variable_set ? json(r.value) : json(nullptr);
  doc["cuda_device_order"] =
      facts.env.cuda_device_order ? json(*facts.env.cuda_device_order) : json(nullptr);
  doc["order_source"] = r.order_source;
  json visible = json::array();
  for (const auto& g : r.visible) {
    visible.push_back({{"cuda_ordinal", g.cuda_ordinal},
                       {"nvidia_smi_index", g.nvml_index >= 0 ? json(g.nvml_index) : json(nullptr)},
                       {"uuid", g.uuid},
                       {"name", g.name},
                       {"entry", g.entry},
                       {"mig", g.mig}});
  }
  doc["visible"] = visible;
  if (r.stop_position) {
    doc["stopped_at"] = {{"position", *r.stop_position},
                         {"entry", r.stop_entry},
                         {"reason", visible_stop_words(r)},
                         {"ignored", r.ignored_entries}};
  } else {
    doc["stopped_at"] = nullptr;
  }
  // What the CUDA driver itself enumerated under the current environment, to compare.
  json cuda = json::array();
  for (const auto& d : facts.cuda.devices) {
    cuda.push_back({{"ordinal", d.ordinal},
                    {"uuid", d.uuid ? json(*d.uuid) : json(nullptr)},
                    {"pci_bus_id", d.pci_bus_id ? json(*d.pci_bus_id) : json(nullptr)}});
  }
  doc["cuda_driver_devices"] = facts.cuda.probe.status == ProbeStatus::ok ? cuda : json(nullptr);
  return doc;
}

}  // namespace ongpu
