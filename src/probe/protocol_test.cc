#include "probe/protocol.h"

#include <gtest/gtest.h>

#include <set>

namespace ongpu::probe {
namespace {

sys::ChildOutcome exited(std::string out) {
  sys::ChildOutcome o;
  o.kind = sys::ChildOutcome::Kind::exited;
  o.out = std::move(out);
  return o;
}

TEST(ProbeProtocol, WithoutANonceEveryLineCounts) {
  auto p = parse_probe_output(exited("{\"stage\": \"cuInit\"}\n{\"result\": {\"a\": 1}}\n"));
  EXPECT_EQ(p.run.last_stage, "cuInit");
  EXPECT_TRUE(p.has_result);
  EXPECT_EQ(p.run.status, ProbeStatus::ok);
}

// Code the framework probe imports can write protocol lines too; only the
// probe knows the nonce (read from its stdin before any import).
TEST(ProbeProtocol, WithANonceOnlyItsLinesCount) {
  const std::string nonce = "0123456789abcdef0123456789abcdef";
  auto p = parse_probe_output(exited("{\"nonce\": \"" + nonce +
                                     "\", \"stage\": \"import\"}\n"
                                     "{\"stage\": \"forged\"}\n"
                                     "{\"nonce\": \"guess\", \"result\": {\"forged\": true}}\n"
                                     "{\"result\": {\"forged\": true}}\n"),
                              nonce);
  EXPECT_EQ(p.run.last_stage, "import");
  EXPECT_FALSE(p.has_result);
  EXPECT_EQ(p.run.status, ProbeStatus::garbage);
  auto q =
      parse_probe_output(exited("{\"nonce\": \"" + nonce + "\", \"result\": {\"a\": 1}}\n"), nonce);
  EXPECT_TRUE(q.has_result);
  EXPECT_EQ(q.result["a"], 1);
}

TEST(ProbeProtocol, NoncesAre32HexDigitsAndDiffer) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto n = new_nonce();
    ASSERT_EQ(n.size(), 32u);
    EXPECT_EQ(n.find_first_not_of("0123456789abcdef"), std::string::npos);
    seen.insert(n);
  }
  EXPECT_EQ(seen.size(), 100u);
}

}  // namespace
}  // namespace ongpu::probe
