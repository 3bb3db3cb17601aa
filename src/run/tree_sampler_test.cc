#include "run/tree_sampler.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "libs/test_elf.h"
#include "run/test_proc.h"

namespace ongpu::run {
namespace {

using libs::testing::TempDir;
using libs::testing::write_file;
using testing::stat_line;

// A /proc of its own: ongpu is 10, the command 11 under it, the NVML watcher
// 20 (excluded), and 40 a process of someone else.
class TreeSamplerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    put(10, "ongpu", 1, 10);
    put(11, "python", 10, 10, 200, 1000, std::string("python\0train.py\0", 16), "/usr/bin/bash");
    put(20, "ongpu", 10, 10);
    put(40, "sshd", 1, 40);
  }
  std::string proc() const { return tmp_.path() + "/proc"; }
  void put(int pid, const std::string& comm, int ppid, int sid, unsigned long long start = 100,
           unsigned long long vsize = 1000, const std::string& cmdline = "",
           const std::string& exe = "/usr/bin/true", const std::string& maps = "") {
    const std::string dir = "proc/" + std::to_string(pid);
    write_file(tmp_.path(), dir + "/stat", stat_line(pid, comm, ppid, sid, start, vsize));
    write_file(tmp_.path(), dir + "/cmdline", cmdline);
    write_file(tmp_.path(), dir + "/maps", maps);
    write_file(tmp_.path(), dir + "/environ", std::string("PATH=/usr/bin\0", 14));
    const std::string link = tmp_.path() + "/" + dir + "/exe";
    std::filesystem::remove(link);
    std::filesystem::create_symlink(exe, link);
  }
  TempDir tmp_{"ongpu-tree"};
};

TEST_F(TreeSamplerTest, RecordsTheTreeWithoutTheWatcherOrStrangers) {
  TreeSampler t(10, 11, proc());
  t.sample(0.5, {20});
  EXPECT_EQ(t.current(), (std::set<int>{11}));
  ASSERT_NE(t.record(11), nullptr);
  EXPECT_EQ(t.record(11)->command, "python train.py");
  EXPECT_EQ(t.record(11)->interpreter, "");  // bash, a shim
  EXPECT_EQ(t.record(40), nullptr);
  EXPECT_EQ(t.samples(), 1);
}

// pyenv's `python` is a bash script that execs the real interpreter: the comm
// stays "python", the exe and the address space change.
TEST_F(TreeSamplerTest, AShimThatExecsUnderTheSameNameIsDescribedAgain) {
  TreeSampler t(10, 11, proc());
  t.sample(0.5, {20});
  const std::string python = tmp_.path() + "/py/bin/python3.11";
  const std::string cudart = "/v/site-packages/nvidia/cuda_runtime/lib/libcudart.so.12";
  put(11, "python", 10, 10, 200, 5000, python + std::string("\0train.py\0", 10), python,
      "7f00-7f10 r-xp 00000000 08:01 1 " + cudart + "\n");
  t.sample(1.5, {20});
  const ProcessRecord* r = t.record(11);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->command, python + " train.py");
  EXPECT_EQ(r->interpreter, python);
  ASSERT_EQ(r->libraries.size(), 1u);
  EXPECT_EQ(r->libraries[0].path, cudart);
  EXPECT_EQ(t.samples(), 2);
}

// A Python that re-execs itself keeps its comm and exe, not its command line.
TEST_F(TreeSamplerTest, AReExecWithTheSameExeIsDescribedAgain) {
  const std::string python = tmp_.path() + "/py/bin/python3.11";
  put(11, "python3.11", 10, 10, 200, 1000, python + std::string("\0a.py\0", 6), python);
  TreeSampler t(10, 11, proc());
  t.sample(0.5, {20});
  EXPECT_EQ(t.record(11)->command, python + " a.py");
  put(11, "python3.11", 10, 10, 200, 2000, python + std::string("\0b.py\0", 6), python);
  t.sample(1.5, {20});
  EXPECT_EQ(t.record(11)->command, python + " b.py");
  EXPECT_EQ(t.size(), 1u);
}

// Exiting, a process has let go of its memory before it is a zombie: vsize
// 0, no exe, an empty command line. What was known of it stays.
TEST_F(TreeSamplerTest, AnExitingProcessKeepsItsDescription) {
  const std::string python = tmp_.path() + "/py/bin/python3.11";
  put(11, "python3.11", 10, 10, 200, 1000, python + std::string("\0a.py\0", 6), python);
  TreeSampler t(10, 11, proc());
  t.sample(0.5, {20});
  put(11, "python3.11", 10, 10, 200, 0, "", tmp_.path() + "/gone");
  std::filesystem::remove(tmp_.path() + "/proc/11/exe");
  t.sample(1.5, {20});
  EXPECT_EQ(t.record(11)->command, python + " a.py");
  EXPECT_EQ(t.record(11)->interpreter, python);
}

TEST_F(TreeSamplerTest, AReusedPidIsANewRecordAndASetsidChildIsADaemon) {
  put(12, "worker", 11, 10, 300, 1000, std::string("worker\0", 7));
  TreeSampler t(10, 11, proc());
  t.sample(0.5, {20});
  EXPECT_FALSE(t.record(12)->daemonized);
  // 12 ended and its pid came back as a daemon that left the session.
  put(12, "daemon", 11, 12, 400, 1000, std::string("daemon\0", 7));
  t.sample(1.5, {20});
  EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(t.record(12)->command, "daemon");
  EXPECT_TRUE(t.record(12)->daemonized);
  EXPECT_EQ(t.records()[1].command, "worker");
}

}  // namespace
}  // namespace ongpu::run
