// Must compile: the same as unknown_finding_id.cc with an id the catalog has,
// so that the other file fails for its id and for nothing else.
#include "rules/catalog.h"

ongpu::Finding spelt() { return ongpu::make_finding("driver.libcuda_missing"); }
