#include "run/proc_scan.h"

#include <gtest/gtest.h>

#include "run/test_proc.h"

namespace ongpu::run {
namespace {

using testing::stat_line;

TEST(ProcScan, ParsesStatWithAwkwardComm) {
  auto s = parse_stat(stat_line(42, "a) b (c", 7, 9, 12345, 999));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->pid, 42);
  EXPECT_EQ(s->comm, "a) b (c");
  EXPECT_EQ(s->state, 'S');
  EXPECT_EQ(s->ppid, 7);
  EXPECT_EQ(s->pgid, 42);
  EXPECT_EQ(s->sid, 9);
  EXPECT_EQ(s->start_time, 12345u);
  EXPECT_EQ(s->vsize, 999u);
}

TEST(ProcScan, RejectsTruncatedOrGarbageStat) {
  EXPECT_FALSE(parse_stat(""));
  EXPECT_FALSE(parse_stat("42 (x) S 1 2 3"));
  EXPECT_FALSE(parse_stat("x (y) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21"));
  EXPECT_FALSE(parse_stat("42 no parentheses"));
}

TEST(ProcScan, DescendantsFollowParentsAndSkipExcludedSubtrees) {
  // 10 (ongpu) -> 11 (command) -> 12 -> 13; 10 -> 20 (watcher) -> 21; 10 -> 30
  // (a daemon reparented to ongpu); 1 -> 40 (not ours).
  std::vector<ProcStat> all;
  for (auto [pid, ppid] : std::vector<std::pair<int, int>>{
           {10, 1}, {11, 10}, {12, 11}, {13, 12}, {20, 10}, {21, 20}, {30, 10}, {40, 1}}) {
    ProcStat s;
    s.pid = pid;
    s.ppid = ppid;
    all.push_back(s);
  }
  auto tree = descendants(all, {10}, {20});
  EXPECT_EQ(tree, (std::set<int>{10, 11, 12, 13, 30}));
  EXPECT_EQ(descendants(all, {11}, {}), (std::set<int>{11, 12, 13}));
  EXPECT_TRUE(descendants(all, {99}, {}).empty());
}

TEST(ProcScan, Cmdline) {
  using V = std::vector<std::string>;
  EXPECT_EQ(parse_cmdline(std::string("python3\0train.py\0--lr\0\0", 23)),
            (V{"python3", "train.py", "--lr", ""}));
  EXPECT_EQ(parse_cmdline(std::string("sleep\0"
                                      "30",
                                      8)),
            (V{"sleep", "30"}));
  EXPECT_TRUE(parse_cmdline("").empty());
}

TEST(ProcScan, CudaLibrariesInMaps) {
  const std::string maps =
      "7f00-7f10 r-xp 00000000 08:01 1 /usr/lib/x86_64-linux-gnu/libcuda.so.580.65.06\n"
      "7f10-7f20 r--p 00000000 08:01 1 /usr/lib/x86_64-linux-gnu/libcuda.so.580.65.06\n"
      "7f20-7f30 r-xp 00000000 08:01 2 /venv/lib/python3.11/site-packages/nvidia/cublas/lib/"
      "libcublasLt.so.12\n"
      "7f30-7f40 r-xp 00000000 08:01 3 /opt/libcudnn_ops.so.9.1.0 (deleted)\n"
      "7f40-7f50 r-xp 00000000 08:01 4 /usr/lib/libc.so.6\n"
      "7f50-7f60 rw-p 00000000 00:00 0 [heap]\n"
      "7f60-7f70 r-xp 00000000 08:01 5 /usr/share/libcuda.notes.txt\n";
  EXPECT_EQ(cuda_libraries_in_maps(maps),
            (std::vector<std::string>{
                "/usr/lib/x86_64-linux-gnu/libcuda.so.580.65.06",
                "/venv/lib/python3.11/site-packages/nvidia/cublas/lib/libcublasLt.so.12",
                "/opt/libcudnn_ops.so.9.1.0"}));
}

TEST(ProcScan, LibraryKindAndVersion) {
  EXPECT_EQ(library_kind("/x/libcublasLt.so.12"), "cublasLt");
  EXPECT_EQ(library_kind("libcudnn_ops.so.9.1.0"), "cudnn_ops");
  EXPECT_EQ(library_version("/x/libcublasLt.so.12"), "");
  EXPECT_EQ(library_version("/x/libcublas.so.12.4.5.8"), "12.4.5.8");
  EXPECT_EQ(library_version("/x/libcuda.so.580.65.06"), "580.65.06");
  EXPECT_EQ(library_version("/x/libcudart.so"), "");
}

TEST(ProcScan, FrameworksInMaps) {
  const std::string maps =
      "1-2 r-xp 0 0:0 1 /v/site-packages/torch/lib/libtorch_cuda.so\n"
      "1-2 r-xp 0 0:0 1 /v/site-packages/jaxlib/xla_extension.so\n"
      "1-2 r-xp 0 0:0 1 /v/site-packages/tensorflow/python/foo.py\n"  // not a shared object
      "1-2 r-xp 0 0:0 1 /v/site-packages/torch/lib/libc10.so\n";
  EXPECT_EQ(frameworks_in_maps(maps), (std::vector<Framework>{Framework::torch, Framework::jax}));
}

TEST(ProcScan, PythonInterpreterAsTheUserNamedIt) {
  // A venv's python is a symlink to the base interpreter: argv[0] keeps the venv.
  EXPECT_EQ(python_interpreter({"/venv/bin/python", "t.py"}, "/usr/bin/python3.11", "/w", ""),
            "/venv/bin/python");
  EXPECT_EQ(python_interpreter({"./bin/python", "t.py"}, "/usr/bin/python3.11", "/venv", ""),
            "/venv/./bin/python");
  // A bare name: the process's own PATH (/bin/sh stands for an executable).
  EXPECT_EQ(python_interpreter({"sh"}, "/usr/bin/python3", "/", "/nonexistent:/bin"), "/bin/sh");
  // Not found on that PATH: the executable itself.
  EXPECT_EQ(python_interpreter({"python"}, "/usr/bin/python3.11", "/", "/nonexistent"),
            "/usr/bin/python3.11");
  // Not a Python at all.
  EXPECT_EQ(python_interpreter({"python3"}, "/usr/bin/bash", "/", "/usr/bin"), "");
  EXPECT_EQ(python_interpreter({"x"}, "/usr/bin/python3-config", "/", ""), "");
  EXPECT_EQ(python_interpreter({}, "/usr/bin/python3", "/", ""), "");
}

TEST(ProcScan, EnvironValue) {
  const std::string env("A=1\0PATH=/a:/b\0PATHX=no\0", 24);
  EXPECT_EQ(environ_value(env, "PATH"), "/a:/b");
  EXPECT_EQ(environ_value(env, "A"), "1");
  EXPECT_FALSE(environ_value(env, "PAT"));
  EXPECT_FALSE(environ_value(env, "B"));
}

}  // namespace
}  // namespace ongpu::run
