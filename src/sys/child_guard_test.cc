#include "sys/child_guard.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <string>

#include "sys/process.h"

namespace ongpu::sys {
namespace {

using Kind = ChildOutcome::Kind;
using namespace std::chrono_literals;

bool gone(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string pid_field, comm, state;
  return !(stat >> pid_field >> comm >> state) || state == "X";
}

}  // namespace

// A grandchild that leaves its process group with setsid() is out of reach of
// the group kill; as the subreaper, ongpu inherits it and ends it when the
// batch is done (child_guard.h).
TEST(ChildGuard, AnEscapeeFromTheGroupIsEndedWhenTheBatchEnds) {
  install_child_guard();
  auto r = run_children(
      {{{"/bin/sh", "-c", "setsid sleep 30 </dev/null >/dev/null 2>&1 & echo $!"}, {}}}, 5s);
  ASSERT_EQ(r[0].kind, Kind::exited);
  const int escapee = std::stoi(r[0].out);
  ASSERT_GT(escapee, 0);
  EXPECT_TRUE(gone(escapee)) << "the setsid grandchild " << escapee << " outlived the batch";
}

TEST(ChildGuard, AnEscapeeOfAHungChildIsEndedAtTheDeadline) {
  install_child_guard();
  auto r = run_children(
      {{{"/bin/sh", "-c", "setsid sleep 30 </dev/null >/dev/null 2>&1 & echo $!; sleep 30"}, {}}},
      300ms);
  ASSERT_EQ(r[0].kind, Kind::timed_out);
  const int escapee = std::stoi(r[0].out);
  EXPECT_TRUE(gone(escapee)) << "the setsid grandchild " << escapee << " outlived the deadline";
}

TEST(ChildGuard, NothingIsEndedWhileABatchRuns) {
  install_child_guard();
  batch_started();
  EXPECT_EQ(end_orphans(), 0);
  batch_ended();
}

}  // namespace ongpu::sys
