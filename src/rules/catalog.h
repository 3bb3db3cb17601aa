// The catalog of every finding ongpu can report: id, link and severity
// (rules/catalog_entries.h); what each means and its general fix are words
// (render/catalog_words.h). docs/findings.md documents each id, and a test
// checks that every entry has a meaning and a fix and is documented.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "rules/catalog_entries.h"
#include "rules/finding.h"

namespace ongpu {

std::span<const CatalogEntry> catalog();
const CatalogEntry* find_catalog_entry(std::string_view id);

consteval bool in_catalog(std::string_view id) {
  for (const auto& e : catalog_data::kCatalog) {
    if (e.id == id) return true;
  }
  return false;
}

// A finding id that is in the catalog. Written as a literal it is checked
// when ongpu is compiled: make_finding("driver.libcuda_missnig", …) does not
// build. An id that comes from data (verify's message table, whose ids are
// FindingIds themselves) goes through known().
class FindingId {
 public:
  // NOLINTNEXTLINE(google-explicit-constructor): literals convert, checked
  consteval FindingId(const char* id) : id_(id) {
    if (!in_catalog(id_)) throw "not a finding id of rules/catalog_entries.h";
  }
  static std::optional<FindingId> known(std::string_view id);
  constexpr std::string_view view() const { return id_; }
  friend constexpr bool operator==(FindingId a, FindingId b) { return a.id_ == b.id_; }

 private:
  constexpr FindingId(std::string_view id, int) : id_(id) {}
  std::string_view id_;
};

// Whether `f` (or a finding id held as text) is `id`; a literal id is
// checked when compiled.
inline bool is_id(std::string_view have, FindingId id) { return have == id.view(); }
inline bool is(const Finding& f, FindingId id) { return is_id(f.id, id); }

// A finding with the catalog's link and severity; rules add the specifics
// (args) and the evidence.
Finding make_finding(FindingId id);

}  // namespace ongpu
