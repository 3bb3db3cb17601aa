#include "sys/process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <thread>

namespace ongpu::sys {

using Kind = ChildOutcome::Kind;
using namespace std::chrono_literals;

TEST(Process, CapturesOutputAndExitCode) {
  auto r = run_children({{{"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, {}}}, 5s);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].kind, Kind::exited);
  EXPECT_EQ(r[0].exit_code, 3);
  EXPECT_EQ(r[0].out, "out\n");
  EXPECT_EQ(r[0].err, "err\n");
}

TEST(Process, KillsAHangAtTheDeadlineWithItsChildren) {
  // The grandchild holds the pipe open and would outlive a plain kill of the child.
  auto r = run_children({{{"/bin/sh", "-c", "sleep 30 & echo $!; sleep 30"}, {}}}, 300ms);
  EXPECT_EQ(r[0].kind, Kind::timed_out);
  auto grandchild = std::stoi(r[0].out);
  ASSERT_GT(grandchild, 0);
  // Killed with its process group: gone, or a zombie waiting for init to reap it.
  auto dead = [](int pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string pid_field, comm, state;
    if (!(stat >> pid_field >> comm >> state)) return true;
    return state == "Z" || state == "X";
  };
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    gone = dead(grandchild);
    if (!gone) ::usleep(10000);
  }
  EXPECT_TRUE(gone);
}

TEST(Process, ReportsASignal) {
  auto r = run_children({{{"/bin/sh", "-c", "kill -SEGV $$"}, {}}}, 5s);
  EXPECT_EQ(r[0].kind, Kind::signaled);
  EXPECT_EQ(r[0].signal, SIGSEGV);
}

TEST(Process, SpawnFailureIsAnOutcome) {
  auto r = run_children({{{"/nonexistent/ongpu-probe"}, {}}}, 1s);
  EXPECT_EQ(r[0].kind, Kind::spawn_failed);
  EXPECT_FALSE(r[0].spawn_error.empty());
}

TEST(Process, EnvironmentChangesApplyToTheChildOnly) {
  ::setenv("ONGPU_TEST_VAR", "parent", 1);
  auto r = run_children({{{"/bin/sh", "-c", "echo \"${ONGPU_TEST_VAR-unset}:${ONGPU_NEW-none}\""},
                          {{"ONGPU_TEST_VAR", std::nullopt}, {"ONGPU_NEW", "x"}}}},
                        5s);
  EXPECT_EQ(r[0].out, "unset:x\n");
  EXPECT_STREQ(::getenv("ONGPU_TEST_VAR"), "parent");
}

TEST(Process, RunsSeveralAtOnce) {
  // The first child waits for a file only the second creates: run one after
  // the other, the first would hit the deadline.
  std::string flag = "/tmp/ongpu-process-test-" + std::to_string(::getpid());
  ::unlink(flag.c_str());
  auto r = run_children(
      {{{"/bin/sh", "-c", "while [ ! -e " + flag + " ]; do sleep 0.01; done; echo a"}, {}},
       {{"/bin/sh", "-c", "touch " + flag + "; echo b"}, {}}},
      10s);
  ::unlink(flag.c_str());
  EXPECT_EQ(r[0].kind, Kind::exited);
  EXPECT_EQ(r[0].out, "a\n");
  EXPECT_EQ(r[1].out, "b\n");
}

TEST(Process, DoesTheWorkGivenMeanwhileWhileTheChildrenRun) {
  // The child waits for a file that only the work done meanwhile creates.
  std::string flag = "/tmp/ongpu-process-meanwhile-" + std::to_string(::getpid());
  ::unlink(flag.c_str());
  bool done = false;
  const auto t0 = std::chrono::steady_clock::now();
  auto r = run_children(
      {{{"/bin/sh", "-c", "while [ ! -e " + flag + " ]; do sleep 0.01; done; echo seen"}, {}}}, 20s,
      1 << 20, {}, [&] {
        std::ofstream(flag) << "x";
        done = true;
      });
  ::unlink(flag.c_str());
  EXPECT_TRUE(done);
  EXPECT_EQ(r[0].kind, Kind::exited);
  EXPECT_EQ(r[0].out, "seen\n");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);  // not at the deadline
}

TEST(Process, AChildThatEndsMeanwhileIsTimedByItself) {
  // The wait reaps it while the work goes on, so its duration is its own.
  auto r = run_children({{{"/bin/true"}, {}}}, 20s, 1 << 20, {},
                        [] { std::this_thread::sleep_for(std::chrono::milliseconds(1500)); });
  EXPECT_EQ(r[0].kind, Kind::exited);
  EXPECT_LT(r[0].duration_ms, 1000);  // reaped after the work, it would be 1500 or more
}

TEST(Process, AHangIsStillEndedAtTheDeadlineWhileWorkGoesOn) {
  const auto t0 = std::chrono::steady_clock::now();
  auto r = run_children({{{"/bin/sh", "-c", "sleep 30"}, {}}, {{"/bin/true"}, {}}}, 300ms, 1 << 20,
                        {}, [] {});
  EXPECT_EQ(r[0].kind, Kind::timed_out);
  EXPECT_EQ(r[1].kind, Kind::exited);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
}

// True once process `pid` has ended (gone, or a zombie).
bool ended(const std::string& pid) {
  for (int i = 0; i < 200; ++i) {
    std::ifstream stat("/proc/" + pid + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    auto close = text.rfind(") ");
    if (!stat || close == std::string::npos || text[close + 2] == 'Z') return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST(Process, AThrowingProgressEndsTheChildrenAndReachesTheCaller) {
  const std::string pid_file = "/tmp/ongpu-process-progress-" + std::to_string(::getpid());
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_THROW(
      run_children(
          {{{"/bin/sh", "-c", "echo $$ > " + pid_file + "; exec sleep 30"}, {}}}, 20s, 1 << 20,
          [](const std::vector<ChildOutcome>&) { throw std::runtime_error("display gone"); },
          [] { std::this_thread::sleep_for(std::chrono::milliseconds(300)); }),
      std::runtime_error);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  std::string pid;
  std::ifstream(pid_file) >> pid;
  ::unlink(pid_file.c_str());
  ASSERT_FALSE(pid.empty());
  EXPECT_TRUE(ended(pid));
}

TEST(Process, AThrowMeanwhileKillsTheChildrenBeforeItGoesOn) {
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_THROW(run_children({{{"/bin/sh", "-c", "sleep 30"}, {}}}, 20s, 1 << 20, {},
                            [] { throw std::runtime_error("out of memory"); }),
               std::runtime_error);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
}

TEST(Process, ReportsProgressWithTheOutputSoFar) {
  std::vector<std::string> seen;
  auto r =
      run_children({{{"/bin/sh", "-c", "echo first; sleep 0.6; echo second"}, {}}}, 5s, 1 << 20,
                   [&](const std::vector<ChildOutcome>& now) { seen.push_back(now[0].out); });
  EXPECT_EQ(r[0].out, "first\nsecond\n");
  ASSERT_GE(seen.size(), 2u);  // about every 200 ms
  EXPECT_EQ(seen.front().substr(0, 6), "first\n");
}

}  // namespace ongpu::sys

TEST(Process, FindInPathNeverLooksInTheCurrentDirectory) {
  // An empty PATH entry ("", ":/x", "/x:") means the current directory to a
  // shell; ongpu must not run ./python3 from wherever it was started.
  char tmpl[] = "/tmp/ongpu-path-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const std::string exe = dir + "/fake-python3";
  { std::ofstream(exe) << "#!/bin/sh\n"; }
  ASSERT_EQ(::chmod(exe.c_str(), 0755), 0);
  char old[4096];
  ASSERT_NE(::getcwd(old, sizeof old), nullptr);
  ASSERT_EQ(::chdir(dir.c_str()), 0);
  EXPECT_EQ(ongpu::sys::find_in_path("fake-python3", ""), "");
  EXPECT_EQ(ongpu::sys::find_in_path("fake-python3", ":/nonexistent"), "");
  EXPECT_EQ(ongpu::sys::find_in_path("fake-python3", "/nonexistent:"), "");
  EXPECT_EQ(ongpu::sys::find_in_path("fake-python3", dir), exe);
  ASSERT_EQ(::chdir(old), 0);
  std::remove(exe.c_str());
  ::rmdir(dir.c_str());
}

namespace ongpu::sys {

TEST(Process, StdinDataIsReadThenEndOfFile) {
  ChildSpec spec{{"/bin/sh", "-c", "read -r line; echo \"[$line]\"; cat; echo end"}, {}};
  spec.stdin_data = "secret\n";
  auto r = run_children({spec}, 5s);
  EXPECT_EQ(r[0].kind, ChildOutcome::Kind::exited);
  EXPECT_EQ(r[0].out, "[secret]\nend\n");
}

}  // namespace ongpu::sys
