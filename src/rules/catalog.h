// The catalog of every finding ongpu can report: id, link, severity, what it
// means and how to fix it. docs/findings.md documents each id, and a test
// checks that every entry has a meaning and a fix and is documented.
#pragma once

#include <span>
#include <string_view>

#include "rules/finding.h"

namespace ongpu {

struct CatalogEntry {
  std::string_view id;
  Link link;
  Severity severity;
  std::string_view meaning;  // what is wrong, in general terms
  std::string_view fix;      // the general fix
};

std::span<const CatalogEntry> catalog();
const CatalogEntry* find_catalog_entry(std::string_view id);

// A finding with the catalog's link and severity; rules add the specifics.
Finding make_finding(std::string_view id, std::string summary);

}  // namespace ongpu
