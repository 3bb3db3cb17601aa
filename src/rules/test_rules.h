// Test helper: the rules' findings, each run through its wording, so that a
// rule that does not set an arg its wording reads fails the test. Used only
// by *_test.cc.
#pragma once

#include <gtest/gtest.h>

#include <vector>

#include "render/finding_words.h"
#include "rules/rules.h"

namespace ongpu::testing {

inline std::vector<Finding> evaluate_worded(const FactSet& f) {
  auto found = evaluate(f);
  for (const auto& x : found) {
    EXPECT_TRUE(finding_words(x).missing.empty())
        << x.id << " lacks " << ::testing::PrintToString(finding_words(x).missing);
  }
  return found;
}

}  // namespace ongpu::testing
