// Test helper: the compiled-in knowledge tables, loaded once. Used only by
// *_test.cc.
#pragma once

#include "knowledge/knowledge.h"

namespace ongpu::testing {

inline const knowledge::Knowledge& tables() {
  static const knowledge::Knowledge k = knowledge::Knowledge::load().value();
  return k;
}

}  // namespace ongpu::testing
