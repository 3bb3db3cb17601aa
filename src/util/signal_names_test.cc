#include "util/signal_names.h"

#include <gtest/gtest.h>

#include <csignal>
#include <cstring>
#include <string>

namespace ongpu {
namespace {

TEST(SignalNames, CommonSignals) {
  EXPECT_EQ(signal_abbrev(SIGSEGV), "SEGV");
  EXPECT_EQ(signal_abbrev(SIGKILL), "KILL");
  EXPECT_EQ(signal_abbrev(SIGABRT), "ABRT");
  EXPECT_FALSE(signal_abbrev(0));
  EXPECT_FALSE(signal_abbrev(-1));
  EXPECT_FALSE(signal_abbrev(SIGRTMIN));
  EXPECT_FALSE(signal_abbrev(10000));
}

#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
// Where glibc has sigabbrev_np (this machine's, not the portable build's
// floor), the table agrees with it for every standard signal.
TEST(SignalNames, AgreesWithGlibc) {
  for (int sig = 1; sig < SIGRTMIN; ++sig) {
    const char* theirs = ::sigabbrev_np(sig);
    auto ours = signal_abbrev(sig);
    if (!theirs) {
      EXPECT_FALSE(ours) << sig;
      continue;
    }
    ASSERT_TRUE(ours) << sig << " " << theirs;
    EXPECT_EQ(std::string(*ours), theirs);
  }
}
#endif

}  // namespace
}  // namespace ongpu
