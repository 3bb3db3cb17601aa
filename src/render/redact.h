// `ongpu report --redact`: the names that identify a person or a machine,
// replaced by stable placeholders (the same value, the same placeholder,
// within one report). What it replaces and what it cannot: docs/report.md.
//
//   a home directory ($HOME, the passwd entry's)   -> ~
//   a user name (this user, $SUDO_USER, /home/NAME) -> <user>, <user-2>, ...
//   a host name (uname, facts.host.hostname)        -> <host>, <host-2>, ...
//   a GPU or MIG UUID, or a bare UUID               -> GPU-<uuid-1>, MIG-<uuid-2>, <uuid-3>
//   the first digits of one GPU's UUID              -> that GPU's placeholder
//
// A name is replaced where it stands alone (not inside a longer word or
// path component); a home directory where its path does; every /home/NAME.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "facts/factset.h"
#include "facts/identity.h"
#include "rules/report.h"

namespace ongpu::verify {
struct VerifyReport;
}

namespace ongpu {

// How a placeholder is written: as is (in code, where it is read
// literally), or for markdown text, where "<user>" would be an HTML tag and
// "~" strikethrough.
enum class PlaceholderForm { raw, markdown_text };

class Redactor {
 public:
  // This machine's names; the facts add their host name and every GPU's and
  // MIG device's UUID, numbered in the facts' order (NVML index first).
  Redactor(const RedactionNames& names, const FactSet& facts);

  // Notes the user names of /home/NAME paths and the UUIDs in `text`, so
  // that a name is replaced everywhere, also before its first /home/ path.
  void learn(std::string_view text);
  std::string apply(std::string_view text, PlaceholderForm form = PlaceholderForm::raw);

 private:
  struct Name {
    std::string value;
    std::string placeholder;
    bool standalone;  // also replaced where it stands alone, not only as /home/NAME
  };
  std::string user(std::string_view name);
  std::string uuid(std::string_view prefix, std::string_view body);
  void add_host(std::string_view host);
  bool match_home(std::string_view t, size_t i, size_t* used) const;
  bool match_home_path(std::string_view t, size_t i, size_t* used, std::string* out);
  bool match_uuid(std::string_view t, size_t i, size_t* used, std::string* out);
  bool match_name(std::string_view t, size_t i, size_t* used, std::string* out) const;

  std::vector<std::string> homes_;  // longest first
  std::vector<Name> users_;
  std::vector<Name> hosts_;
  std::vector<std::string> uuids_;  // lower-case hex bodies: <uuid-N> is uuids_[N-1]
};

// The report with every string that came from the machine redacted: the
// facts (with the reasons of missing facts), the findings' args, evidence
// and scopes, the verdicts' interpreters and versions. Rules and verdicts
// are unchanged: only what they are worded from.
void redact_report(Report& report, Redactor& r);
void redact_verify_report(verify::VerifyReport& report, Redactor& r);

// The last pass over a rendered markdown document, for anything a renderer
// wrote that the structured pass did not reach: code keeps the placeholders
// as they are, text gets them escaped.
std::string redact_markdown(std::string_view markdown, Redactor& r);

}  // namespace ongpu
