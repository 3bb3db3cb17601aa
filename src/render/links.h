// What each link of the chain found, in words: a one-line headline and the
// details that -v shows, written from the facts.
#pragma once

#include <string>
#include <vector>

#include "facts/factset.h"
#include "rules/finding.h"

namespace ongpu {

struct LinkWords {
  std::string headline;              // what was found, one line
  std::vector<std::string> details;  // shown with -v
};

LinkWords link_words(Link link, const FactSet& facts);
const char* link_title(Link l);  // "Kernel module"

}  // namespace ongpu
