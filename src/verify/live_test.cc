#include "verify/live.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace ongpu::verify {
namespace {

bool has(const std::vector<std::string>& argv, const std::string& a) {
  return std::find(argv.begin(), argv.end(), a) != argv.end();
}

TEST(ProbeSpec, DashPFromPython311AndTheNonceOnStdinOnly) {
  LiveRequest r{Framework::torch, "/venv/bin/python", 16, "3.11.7"};
  auto spec = probe_spec(r);
  EXPECT_EQ(spec.argv[0], "/venv/bin/python");
  EXPECT_EQ(spec.argv[1], "-P");
  EXPECT_EQ(spec.argv[2], "-c");
  EXPECT_EQ(spec.stdin_data, r.nonce + "\n");
  EXPECT_EQ(r.nonce.size(), 32u);
  for (const auto& a : spec.argv) EXPECT_EQ(a.find(r.nonce), std::string::npos);
  for (const auto& [k, v] : spec.env_changes)
    EXPECT_EQ(v.value_or("").find(r.nonce), std::string::npos) << k;

  // Before 3.11 there is no -P (the probe drops "" from sys.path itself); an
  // unknown version gets none either.
  for (const char* old : {"3.10.12", "2.7.18", ""}) {
    LiveRequest o{Framework::torch, "/venv/bin/python", 16, old};
    EXPECT_FALSE(has(probe_spec(o).argv, "-P")) << old;
  }
  LiveRequest next{Framework::torch, "/venv/bin/python", 16, "3.13.0"};
  EXPECT_TRUE(has(probe_spec(next).argv, "-P"));
  // Each request has its own nonce.
  EXPECT_NE(LiveRequest{}.nonce, LiveRequest{}.nonce);
}

}  // namespace
}  // namespace ongpu::verify
