#include "summarize/node_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

namespace ongpu::summarize {
namespace {

// What one document may put in the summary: its words are shown once per
// group, but a forged document must not fill the screen or the memory.
constexpr size_t kMaxText = 4096;
constexpr size_t kMaxFixLines = 32;
constexpr size_t kMaxCauses = 64;
constexpr size_t kMaxHostname = 255;

// The first `n` bytes of `s`, or fewer: never half of a UTF-8 character.
std::string utf8_prefix(const std::string& s, size_t n) {
  if (s.size() <= n) return s;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

std::string capped(const std::string& s) {
  if (s.size() <= kMaxText) return s;
  return utf8_prefix(s, kMaxText) + "…";
}

const char* type_name(const json& j) {
  if (j.is_object()) return "an object";
  if (j.is_array()) return "an array";
  if (j.is_string()) return "a string";
  if (j.is_boolean()) return "a boolean";
  if (j.is_number()) return "a number";
  return "null";
}

// Names what another ongpu command's document is, for the message.
std::string other_document(const json& doc) {
  if (doc.contains("machine_findings")) return "an `ongpu verify --json` document";
  if (doc.contains("cuda_visible_devices")) return "an `ongpu visible --json` document";
  if (doc.contains("used_gpu")) return "an `ongpu run` report";
  return "";
}

int expected_exit_code(VerdictStatus s) {
  switch (s) {
    case VerdictStatus::ok:
      return 0;
    case VerdictStatus::warnings:
      return 1;
    case VerdictStatus::not_usable:
      return 2;
    case VerdictStatus::unchecked:
      return 70;
  }
  return -1;
}

// The node's words for `id`: its first finding of that id.
Result<Wording> wording_of(const json& findings, const std::string& id) {
  for (const auto& f : findings) {
    if (f.at("id").get_ref<const std::string&>() != id) continue;
    Wording w{id, capped(f.at("summary").get<std::string>()), {}};
    for (const auto& line : f.at("fix")) {
      if (w.fix.size() == kMaxFixLines) {
        w.fix.emplace_back("…");
        break;
      }
      w.fix.push_back(capped(line.get<std::string>()));
    }
    return w;
  }
  return make_error(fmt::format("verdict.root_cause {} is not among its findings", id));
}

// The findings' shape, checked once so that reading them cannot throw.
Result<bool> check_findings(const json& findings) {
  if (!findings.is_array()) return make_error("findings is not an array");
  for (size_t i = 0; i < findings.size(); ++i) {
    const auto& f = findings[i];
    if (!f.is_object()) return make_error(fmt::format("findings[{}] is not an object", i));
    for (const char* key : {"id", "severity", "summary"}) {
      if (!f.contains(key) || !f[key].is_string()) {
        return make_error(fmt::format("findings[{}].{} is not a string", i, key));
      }
    }
    if (!f.contains("fix") || !f["fix"].is_array() ||
        !std::all_of(f["fix"].begin(), f["fix"].end(),
                     [](const json& line) { return line.is_string(); })) {
      return make_error(fmt::format("findings[{}].fix is not a list of strings", i));
    }
    const auto& severity = f["severity"].get_ref<const std::string&>();
    if (severity != "info" && severity != "warning" && severity != "error") {
      return make_error(fmt::format("findings[{}].severity {} is not info, warning or error", i,
                                    json(severity).dump()));
    }
  }
  return true;
}

}  // namespace

bool Wording::operator<(const Wording& o) const {
  return std::tie(id, summary, fix) < std::tie(o.id, o.summary, o.fix);
}

int status_rank(VerdictStatus s) {
  switch (s) {
    case VerdictStatus::ok:
      return 0;
    case VerdictStatus::warnings:
      return 1;
    case VerdictStatus::unchecked:
      return 2;
    case VerdictStatus::not_usable:
      return 3;
  }
  return 3;
}

Result<NodeReport> node_report_from_json(const json& doc) {
  if (!doc.is_object()) return make_error(fmt::format("{}, not a document", type_name(doc)));
  if (!doc.contains("schema_version")) {
    return make_error("no schema_version: not an ongpu document");
  }
  const auto& version = doc["schema_version"];
  if (!version.is_number_integer()) return make_error("schema_version is not a whole number");
  if (version.get<long long>() != 1) {
    return make_error(fmt::format("schema_version {}; this ongpu reads 1", version.dump()));
  }
  if (!doc.contains("verdict") || !doc.contains("findings") || !doc.contains("facts")) {
    const auto other = other_document(doc);
    return make_error(other.empty() ? "no verdict, findings or facts: not `ongpu doctor --json`"
                                    : other + ", not `ongpu doctor --json`");
  }
  NodeReport r;
  const auto& verdict = doc["verdict"];
  if (!verdict.is_object()) return make_error("verdict is not an object");
  if (!verdict.contains("status") || !verdict["status"].is_string()) {
    return make_error("verdict.status is not a string");
  }
  const auto status =
      enum_from_name<VerdictStatus>(verdict["status"].get_ref<const std::string&>());
  if (!status) {
    return make_error(
        fmt::format("verdict.status {} is not one of ok, warnings, not_usable, unchecked",
                    verdict["status"].dump()));
  }
  r.status = *status;
  if (!verdict.contains("exit_code") || !verdict["exit_code"].is_number_integer() ||
      verdict["exit_code"].get<long long>() != expected_exit_code(r.status)) {
    return make_error(
        fmt::format("verdict.exit_code {} does not go with status {}",
                    verdict.contains("exit_code") ? verdict["exit_code"].dump() : "(none)",
                    enum_name(r.status)));
  }
  std::string root_cause;
  if (verdict.contains("root_cause") && !verdict["root_cause"].is_null()) {
    if (!verdict["root_cause"].is_string()) return make_error("verdict.root_cause is not a string");
    root_cause = verdict["root_cause"].get<std::string>();
  }
  const auto& findings = doc["findings"];
  if (auto ok = check_findings(findings); !ok) return make_error(ok.error());
  if (doc.contains("ongpu_version") && doc["ongpu_version"].is_string()) {
    r.ongpu_version = capped(doc["ongpu_version"].get<std::string>());
  }
  const auto& facts = doc["facts"];
  if (facts.is_object() && facts.contains("host") && facts["host"].is_object() &&
      facts["host"].contains("hostname") && facts["host"]["hostname"].is_string()) {
    r.hostname = utf8_prefix(facts["host"]["hostname"].get<std::string>(), kMaxHostname);
  }

  const auto add_cause = [&](const std::string& id) {
    if (r.causes.size() < kMaxCauses &&
        std::find(r.causes.begin(), r.causes.end(), id) == r.causes.end()) {
      r.causes.push_back(id);
    }
  };
  if (r.status == VerdictStatus::not_usable || r.status == VerdictStatus::unchecked) {
    if (!root_cause.empty()) {
      add_cause(root_cause);
    } else {
      for (const auto& f : findings) {
        if (f["severity"] == "error") add_cause(f["id"].get<std::string>());
      }
    }
  } else if (r.status == VerdictStatus::warnings) {
    // Usable, with warnings, or with some frameworks on the CPU: whatever
    // is not for information.
    for (const auto& f : findings) {
      if (f["severity"] != "info") add_cause(f["id"].get<std::string>());
    }
  }
  for (const auto& id : r.causes) {
    auto w = wording_of(findings, id);
    if (!w) return make_error(w.error());
    r.words.push_back(std::move(w).value());
  }
  if (r.causes.empty()) {
    // A usable node, or one whose verdict names no finding: its verdict's words.
    if (verdict.contains("summary") && verdict["summary"].is_string()) {
      r.words.push_back(Wording{"", capped(verdict["summary"].get<std::string>()), {}});
    }
  }
  return r;
}

namespace {

// Follows the keys down to facts.host.hostname and stops there, or at the
// cut: what came before it is all there is.
class HostnameSax : public nlohmann::json_sax<json> {
 public:
  std::optional<std::string> found;

  bool null() override { return value(); }
  bool boolean(bool) override { return value(); }
  bool number_integer(number_integer_t) override { return value(); }
  bool number_unsigned(number_unsigned_t) override { return value(); }
  bool number_float(number_float_t, const string_t&) override { return value(); }
  bool binary(binary_t&) override { return value(); }
  bool string(string_t& s) override {
    if (at_hostname()) {
      found = utf8_prefix(s, kMaxHostname);
      return false;  // nothing more is needed
    }
    return value();
  }
  bool start_object(std::size_t) override {
    path_.emplace_back(true, "");
    return true;
  }
  bool key(string_t& k) override {
    if (!path_.empty()) path_.back().second = k;
    return true;
  }
  bool end_object() override { return end(); }
  bool start_array(std::size_t) override {
    path_.emplace_back(false, "");
    return true;
  }
  bool end_array() override { return end(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  bool value() { return true; }
  bool end() {
    if (!path_.empty()) path_.pop_back();
    return true;
  }
  bool at_hostname() const {
    return path_.size() == 3 && path_[0].second == "facts" && path_[1].second == "host" &&
           path_[2].second == "hostname" && path_[0].first && path_[1].first && path_[2].first;
  }
  std::vector<std::pair<bool, std::string>> path_;  // (object?, its current key)
};

}  // namespace

std::optional<std::string> hostname_in_partial(std::string_view text) {
  HostnameSax sax;
  json::sax_parse(text, &sax, nlohmann::detail::input_format_t::json, /*strict=*/false);
  return sax.found;
}

}  // namespace ongpu::summarize
