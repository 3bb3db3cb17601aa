// Reading the watched command's processes from /proc: who is in its tree,
// what each runs, which CUDA libraries and frameworks it has mapped. Pure
// parsers are separate from the reads so that tests can feed them text.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "facts/framework.h"
#include "sys/fs.h"

namespace ongpu::run {

// The fields of /proc/PID/stat that `ongpu run` uses.
struct ProcStat {
  int pid = 0;
  int ppid = 0;
  int pgid = 0;
  int sid = 0;
  char state = '?';                   // R, S, D, Z, ...
  unsigned long long start_time = 0;  // clock ticks after boot: tells a reused pid apart
  unsigned long long vsize = 0;       // bytes; changes when a library is mapped
  std::string comm;
};

// "1234 (python3) S 1 1234 1234 ..." (comm may hold spaces and ')').
std::optional<ProcStat> parse_stat(std::string_view text);

// Every process in `proc` (/proc, or a fixture's) whose stat could be read.
std::vector<ProcStat> scan_processes(const sys::FileSystem& fs, std::string_view proc = "/proc");

// The pids below `roots` (the roots included when present in `all`), by
// parent links, minus the subtrees of `excluded`.
std::set<int> descendants(const std::vector<ProcStat>& all, const std::set<int>& roots,
                          const std::set<int>& excluded);

// /proc/PID/cmdline: NUL-separated arguments (the last may lack its NUL).
std::vector<std::string> parse_cmdline(std::string_view raw);

// Unique paths of CUDA libraries in a /proc/PID/maps text, in order of
// appearance: libcuda, libcudart, cuBLAS, cuDNN, NCCL, ... (by file name).
std::vector<std::string> cuda_libraries_in_maps(std::string_view maps);

// The kind of a CUDA library from its file name: "libcublasLt.so.12" ->
// "cublasLt", "libcudnn_ops.so.9" -> "cudnn_ops"; its version suffix
// ("12.4.5.8"), or "" when the name carries only the soname's major.
std::string library_kind(std::string_view path);
std::string library_version(std::string_view path);

// The frameworks whose own native modules a maps text shows
// (…/site-packages/torch/lib/libtorch_cuda.so, …/tensorflow/…, jaxlib, …).
std::vector<Framework> frameworks_in_maps(std::string_view maps);

// The Python interpreter a process runs, as the user named it: argv[0] when
// it is a path (relative ones against the process's working directory), else
// argv[0] looked up in the process's PATH (`path_value`). "" when the
// process's executable is not a Python (`exe`: /proc/PID/exe's target).
std::string python_interpreter(const std::vector<std::string>& argv, std::string_view exe,
                               std::string_view cwd, std::string_view path_value);

// Whether an executable's file name is a Python interpreter's (python3.11,
// not python3-config).
bool is_python_executable(std::string_view exe);

// The value of one variable in a /proc/PID/environ text, or nullopt.
std::optional<std::string> environ_value(std::string_view raw, std::string_view name);

}  // namespace ongpu::run
