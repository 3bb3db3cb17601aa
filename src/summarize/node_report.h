// What `ongpu summarize` takes from one node's `ongpu doctor --json`
// document (docs/schema/doctor-1.schema.json): its name, its verdict, and
// the words of what decides its group, its root cause or its warnings.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "facts/json.h"
#include "rules/finding.h"
#include "util/result.h"

namespace ongpu::summarize {

// One cause as the node's document words it.
struct Wording {
  std::string id;  // the finding's id; "" for a usable node's verdict
  std::string summary;
  std::vector<std::string> fix;

  bool operator==(const Wording&) const = default;
  bool operator<(const Wording& o) const;
};

struct NodeReport {
  std::string hostname;  // facts.host.hostname; "" when the document has none
  VerdictStatus status = VerdictStatus::not_usable;
  // What groups it: the root cause (not usable, unchecked), or the ids of
  // its warnings and framework errors in the document's order (usable with
  // warnings); empty for a usable node.
  std::vector<std::string> causes;
  // Each cause's summary and fix; for a usable node, the verdict's summary.
  std::vector<Wording> words;
  std::string ongpu_version;
};

// The document's verdict status as a number to compare: higher is worse.
int status_rank(VerdictStatus s);

// A parsed document, or why it is not a doctor document of schema 1 (the
// error's message, for `ongpu summarize`'s list of unreadable inputs).
Result<NodeReport> node_report_from_json(const json& doc);

// facts.host.hostname, read from the start of a document that was cut off,
// when the start reaches it.
std::optional<std::string> hostname_in_partial(std::string_view text);

}  // namespace ongpu::summarize
