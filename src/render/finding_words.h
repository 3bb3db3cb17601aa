// The words of each finding: its one-line summary and its fix, written from
// the finding's id and args. The rules decide what is wrong and with which
// values; the sentences that say so are written here and in the wording
// tables (render/wordings.h: words_machine.cc, words_probe.cc,
// words_framework.cc, words_framework_libraries.cc, words_verify.cc).
#pragma once

#include <string>
#include <vector>

#include "rules/finding.h"

namespace ongpu {

struct FindingWords {
  std::string summary;           // one line, specific to this machine
  std::vector<std::string> fix;  // commands or steps, in order
  // Args the wording asked for and the finding lacks: a rule's bug, shown
  // as "?" in the words; the unit tests check that it stays empty.
  std::vector<std::string> missing;
};

FindingWords finding_words(const Finding& f);

}  // namespace ongpu
