// Must not compile: a finding id that is not in the catalog
// (rules/catalog_entries.h). tests/CMakeLists.txt builds it and expects the
// compiler to refuse it with FindingId's message.
#include "rules/catalog.h"

ongpu::Finding misspelt() { return ongpu::make_finding("driver.libcuda_missnig"); }
