// Runs child processes with a deadline. Every vendor call that can hang or
// crash runs in a child of ongpu's own executable, in its own process group;
// at the deadline the group gets SIGTERM, then SIGKILL.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ongpu::sys {

struct ChildSpec {
  std::vector<std::string> argv;  // argv[0] is the executable path
  // Environment changes for this child only: a value sets, nullopt unsets.
  std::map<std::string, std::optional<std::string>> env_changes;
  // What the child reads on stdin (at most PIPE_BUF, 4 KiB), then end of
  // file; empty: stdin is /dev/null.
  std::string stdin_data;
};

struct ChildOutcome {
  enum class Kind { exited, signaled, timed_out, spawn_failed };
  Kind kind = Kind::spawn_failed;
  int exit_code = 0;
  int signal = 0;
  std::string out;  // stdout, capped
  std::string err;  // stderr, capped
  std::string spawn_error;
  int spawn_errno = 0;  // spawn_failed: the errno (E2BIG for stdin data over PIPE_BUF)
  double duration_ms = 0;
  double deadline_ms = 0;
  int pid = 0;
};

// Starts every child at once and waits until each has ended or the deadline
// has passed. Output beyond max_output bytes per stream is dropped.
// `progress`, when given, is called about five times a second with the
// outcomes so far (their output up to now), for a caller that shows progress.
// `meanwhile`, when given, runs in this thread once every child has started:
// work that needs no answer from them overlaps with their run instead of
// adding to it. The wait then sleeps on a second thread (the deadline and
// each child's duration stay exact; `progress` is called from there); an
// exception from `meanwhile` ends the children as the deadline would, and is
// rethrown once they are reaped.
using Progress = std::function<void(const std::vector<ChildOutcome>&)>;
std::vector<ChildOutcome> run_children(const std::vector<ChildSpec>& specs,
                                       std::chrono::milliseconds deadline,
                                       size_t max_output = 1 << 20, const Progress& progress = {},
                                       const std::function<void()>& meanwhile = {});

// The first executable file called `name` in the directories of `path_value`
// (a PATH-style list), or "" when there is none.
std::string find_in_path(const std::string& name, const std::string& path_value);

// The path the running executable was started by, as the caller named it
// (argv[0] from /proc/self/cmdline, against the working directory when
// relative, or found on PATH when a bare name): symlinks not resolved, so
// a venv's bin/ongpu that links elsewhere is still in that venv. "" when unknown.
std::string invoked_path();

// The path of the running executable (/proc/self/exe), for spawning probes.
std::string self_executable();

}  // namespace ongpu::sys
