#include "sys/process.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <thread>

#include "sys/child_guard.h"

extern char** environ;

namespace ongpu::sys {
namespace {

using Clock = std::chrono::steady_clock;

struct Running {
  pid_t pid = -1;
  int out_fd = -1;
  int err_fd = -1;
  // Readable when the child has ended (pidfd_open, Linux 5.3+): the wait
  // below wakes at the exit instead of polling for it. -1 where unavailable.
  int pid_fd = -1;
  bool reaped = false;
  bool killed_for_deadline = false;
  Clock::time_point start;
};

std::vector<std::string> build_env(const ChildSpec& spec) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string entry = *e;
    auto eq = entry.find('=');
    std::string key = entry.substr(0, eq);
    if (spec.env_changes.count(key)) continue;
    env.push_back(std::move(entry));
  }
  for (const auto& [key, value] : spec.env_changes) {
    if (value) env.push_back(key + "=" + *value);
  }
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// pidfd_open(2) has the same number on every architecture (Linux 5.3);
// headers older than that lack the name.
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

int open_pid_fd(pid_t pid) {
  return static_cast<int>(
      ::syscall(SYS_pidfd_open, pid, 0));  // close-on-exec by definition; -1 before 5.3
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

void drain(int& fd, std::string& sink, size_t cap) {
  char buf[8192];
  while (fd >= 0) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      size_t room = sink.size() < cap ? cap - sink.size() : 0;
      sink.append(buf, std::min(room, static_cast<size_t>(n)));
      continue;
    }
    if (n < 0 && (errno == EINTR)) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    ::close(fd);  // EOF or a hard error
    fd = -1;
  }
}

// Waits until every child has ended and its pipes are drained, or the
// deadline has passed (then SIGTERM to each group, SIGKILL after a grace
// period). `cancel_fd`, when it becomes readable, ends the wait like the
// deadline. Each child is reaped as it ends: its pidfd wakes the wait.
void wait_all(std::vector<Running>& running, std::vector<ChildOutcome>& outcomes,
              Clock::time_point t0, std::chrono::milliseconds deadline, size_t max_output,
              const Progress& progress, int cancel_fd) {
  bool cancelled = false;
  auto all_done = [&] {
    for (auto& r : running) {
      if (!r.reaped || r.out_fd >= 0 || r.err_fd >= 0) return false;
    }
    return true;
  };

  bool term_sent = false;
  Clock::time_point term_time;
  Clock::time_point last_progress = t0;
  const auto grace = std::chrono::milliseconds(300);

  while (!all_done()) {
    // Reap whoever has ended.
    for (size_t i = 0; i < running.size(); ++i) {
      auto& r = running[i];
      if (r.reaped) continue;
      int status = 0;
      pid_t w = ::waitpid(r.pid, &status, WNOHANG);
      if (w < 0 && errno == ECHILD) {  // reaped by someone else: the status is unknown
        r.reaped = true;
        close_fd(r.pid_fd);
        outcomes[i].kind =
            r.killed_for_deadline ? ChildOutcome::Kind::timed_out : ChildOutcome::Kind::exited;
        outcomes[i].duration_ms =
            std::chrono::duration<double, std::milli>(Clock::now() - r.start).count();
        continue;
      }
      if (w == r.pid) {
        r.reaped = true;
        close_fd(r.pid_fd);
        auto& o = outcomes[i];
        o.duration_ms = std::chrono::duration<double, std::milli>(Clock::now() - r.start).count();
        if (r.killed_for_deadline) {
          o.kind = ChildOutcome::Kind::timed_out;
          o.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
        } else if (WIFEXITED(status)) {
          o.kind = ChildOutcome::Kind::exited;
          o.exit_code = WEXITSTATUS(status);
        } else if (WIFSIGNALED(status)) {
          o.kind = ChildOutcome::Kind::signaled;
          o.signal = WTERMSIG(status);
        }
        // Whatever the child left behind in its group goes with it; then the
        // group id is no longer ours to signal (it may be reused).
        ::kill(-r.pid, SIGKILL);
        unregister_group(r.pid);
      }
    }

    const auto now = Clock::now();
    if (progress && now - last_progress >= std::chrono::milliseconds(200)) {
      last_progress = now;
      progress(outcomes);
    }
    if (!term_sent && (now - t0 >= deadline || cancelled)) {
      for (auto& r : running) {
        if (!r.reaped) {
          r.killed_for_deadline = true;
          ::kill(-r.pid, SIGTERM);
        }
      }
      term_sent = true;
      term_time = now;
    }
    // A child in uninterruptible sleep inside a driver ignores SIGKILL: after a
    // last second, stop waiting for it (it stays unreaped) rather than hang.
    if (term_sent && now - term_time >= grace + std::chrono::seconds(1)) {
      for (size_t i = 0; i < running.size(); ++i) {
        auto& r = running[i];
        if (r.out_fd >= 0) ::close(r.out_fd), r.out_fd = -1;
        if (r.err_fd >= 0) ::close(r.err_fd), r.err_fd = -1;
        if (!r.reaped) {
          r.reaped = true;
          close_fd(r.pid_fd);
          outcomes[i].kind = ChildOutcome::Kind::timed_out;
          outcomes[i].duration_ms =
              std::chrono::duration<double, std::milli>(now - r.start).count();
        }
      }
      break;
    }
    if (term_sent && now - term_time >= grace) {
      for (auto& r : running) {
        if (!r.reaped) ::kill(-r.pid, SIGKILL);
        // A grandchild may hold the pipe open after the child is gone.
        if (r.reaped) {
          if (r.out_fd >= 0) ::close(r.out_fd), r.out_fd = -1;
          if (r.err_fd >= 0) ::close(r.err_fd), r.err_fd = -1;
        }
      }
    }

    if (all_done()) break;  // the reaping above may have been the last step
    enum class Source { out, err, exit, cancel };
    std::vector<pollfd> fds;
    std::vector<std::pair<size_t, Source>> owners;
    if (cancel_fd >= 0 && !cancelled) {
      fds.push_back({cancel_fd, POLLIN, 0});
      owners.emplace_back(0, Source::cancel);
    }
    bool exit_unwatched = false;  // a running child without a pidfd
    for (size_t i = 0; i < running.size(); ++i) {
      if (running[i].out_fd >= 0) {
        fds.push_back({running[i].out_fd, POLLIN, 0});
        owners.emplace_back(i, Source::out);
      }
      if (running[i].err_fd >= 0) {
        fds.push_back({running[i].err_fd, POLLIN, 0});
        owners.emplace_back(i, Source::err);
      }
      if (!running[i].reaped) {
        if (running[i].pid_fd >= 0) {
          fds.push_back({running[i].pid_fd, POLLIN, 0});
          owners.emplace_back(i, Source::exit);
        } else {
          exit_unwatched = true;
        }
      }
    }
    // Sleep until something happens or the next step of the deadline is due;
    // without a pidfd, briefly, so a child is reaped soon after it ends.
    auto next = term_sent
                    ? term_time + grace +
                          (now - term_time >= grace ? std::chrono::seconds(1) : Clock::duration{})
                    : t0 + deadline;
    if (progress) next = std::min(next, last_progress + std::chrono::milliseconds(200));
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(next - Clock::now()).count();
    int timeout_ms = static_cast<int>(std::clamp<long long>(wait, 0, exit_unwatched ? 5 : 60000));
    if (fds.empty()) {
      ::usleep(1000);
      continue;
    }
    int n = ::poll(fds.data(), fds.size(), timeout_ms);
    if (n <= 0) continue;
    for (size_t k = 0; k < fds.size(); ++k) {
      if (!fds[k].revents) continue;
      auto [i, source] = owners[k];
      if (source == Source::out)
        drain(running[i].out_fd, outcomes[i].out, max_output);
      else if (source == Source::err)
        drain(running[i].err_fd, outcomes[i].err, max_output);
      else if (source == Source::cancel)
        cancelled = true;  // ended like a deadline, at the top of the loop
      // Source::exit: reaped at the top of the loop.
    }
  }
}

}  // namespace

std::string find_in_path(const std::string& name, const std::string& path_value) {
  size_t start = 0;
  while (start <= path_value.size()) {
    size_t end = path_value.find(':', start);
    if (end == std::string::npos) end = path_value.size();
    std::string dir = path_value.substr(start, end - start);
    start = end + 1;
    // An empty entry means the current directory to a shell; ongpu runs on
    // shared machines in directories it does not own, so it never runs a
    // program found there.
    if (dir.empty()) continue;
    std::string candidate = dir + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

std::string invoked_path() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string argv0;
  if (!in || !std::getline(in, argv0, '\0') || argv0.empty()) return "";
  std::string path;
  if (argv0.find('/') == std::string::npos) {
    const char* value = std::getenv("PATH");
    path = find_in_path(argv0, value ? value : "");
  } else if (argv0[0] == '/') {
    path = argv0;
  } else {
    char cwd[4096];
    if (!::getcwd(cwd, sizeof cwd)) return "";
    path = std::string(cwd) + "/" + argv0;
  }
  // argv[0] is the caller's word (exec -a, execv with another name): only a
  // path that leads to this very executable counts.
  char real[PATH_MAX];
  if (path.empty() || !::realpath(path.c_str(), real) || self_executable() != real) return "";
  return std::filesystem::path(path).lexically_normal().string();
}

std::string self_executable() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "ongpu";
  return std::string(buf, static_cast<size_t>(n));
}

std::vector<ChildOutcome> run_children(const std::vector<ChildSpec>& specs,
                                       std::chrono::milliseconds deadline, size_t max_output,
                                       const Progress& progress,
                                       const std::function<void()>& meanwhile) {
  std::vector<ChildOutcome> outcomes(specs.size());
  std::vector<Running> running(specs.size());
  const auto t0 = Clock::now();
  // While the batch runs, a signal ends its groups (child_guard.h); after it,
  // whatever escaped its group (setsid) and was reparented to ongpu is ended.
  struct Batch {
    std::vector<Running>& running;
    explicit Batch(std::vector<Running>& r) : running(r) { batch_started(); }
    ~Batch() {
      for (auto& r : running) {
        if (r.pid > 0) unregister_group(r.pid);
      }
      batch_ended();
      end_orphans();
    }
  } batch(running);
  // An ignored SIGCHLD (inherited from a parent that set it) makes the kernel
  // reap children itself, and waitpid would never report them.
  ::signal(SIGCHLD, SIG_DFL);

  for (size_t i = 0; i < specs.size(); ++i) {
    int out_pipe[2], err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
      outcomes[i].spawn_errno = errno;
      outcomes[i].spawn_error = std::strerror(errno);
      running[i].reaped = true;
      continue;
    }
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
      outcomes[i].spawn_errno = errno;
      outcomes[i].spawn_error = std::strerror(errno);
      ::close(out_pipe[0]);
      ::close(out_pipe[1]);
      running[i].reaped = true;
      continue;
    }
    int in_pipe[2] = {-1, -1};
    if (!specs[i].stdin_data.empty()) {
      // At most PIPE_BUF: written before the child starts, so it must fit a
      // pipe that a user over pipe-user-pages-soft gets (one page).
      if (specs[i].stdin_data.size() > PIPE_BUF || ::pipe2(in_pipe, O_CLOEXEC) != 0) {
        const bool too_big = specs[i].stdin_data.size() > PIPE_BUF;
        outcomes[i].spawn_errno = too_big ? E2BIG : errno;
        outcomes[i].spawn_error = too_big ? "stdin data over PIPE_BUF" : std::strerror(errno);
        for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) ::close(fd);
        running[i].reaped = true;
        continue;
      }
      // Written whole before the child starts: a pipe holds 64 KiB.
      const ssize_t w = ::write(in_pipe[1], specs[i].stdin_data.data(), specs[i].stdin_data.size());
      (void)w;  // short only on a broken pipe, which the child then sees as end of file
      ::close(in_pipe[1]);
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
    if (in_pipe[0] >= 0) {
      posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
    } else {
      posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    }
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    // Own process group, so the deadline can kill anything the vendor library started.
    posix_spawnattr_setflags(
        &attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&attr, 0);
    sigset_t empty, all;
    sigemptyset(&empty);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &empty);
    posix_spawnattr_setsigdefault(&attr, &all);

    std::vector<std::string> argv = specs[i].argv;
    std::vector<std::string> env = build_env(specs[i]);
    auto c_argv = c_strings(argv);
    auto c_env = c_strings(env);
    pid_t pid = -1;
    running[i].start = Clock::now();
    int rc = posix_spawn(&pid, c_argv[0], &actions, &attr, c_argv.data(), c_env.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    if (in_pipe[0] >= 0) ::close(in_pipe[0]);
    if (rc != 0) {
      outcomes[i].spawn_errno = rc;
      outcomes[i].spawn_error = std::strerror(rc);
      ::close(out_pipe[0]);
      ::close(err_pipe[0]);
      running[i].reaped = true;
      continue;
    }
    register_group(pid);
    running[i].pid = pid;
    running[i].pid_fd = open_pid_fd(pid);
    outcomes[i].pid = pid;
    running[i].out_fd = out_pipe[0];
    running[i].err_fd = err_pipe[0];
    ::fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
    ::fcntl(err_pipe[0], F_SETFL, O_NONBLOCK);
  }

  // Waits; a throw from inside (out of memory, a throwing `progress`) first
  // ends every child that is left, so none outlives the call.
  auto wait = [&](int cancel) {
    try {
      wait_all(running, outcomes, t0, deadline, max_output, progress, cancel);
    } catch (...) {
      for (auto& r : running) {
        if (r.reaped) continue;
        ::kill(-r.pid, SIGKILL);
        ::waitpid(r.pid, nullptr, WNOHANG);
        close_fd(r.pid_fd);
      }
      for (auto& r : running) {
        close_fd(r.out_fd);
        close_fd(r.err_fd);
      }
      throw;
    }
  };
  if (!meanwhile) {
    wait(-1);
    return outcomes;
  }
  // The wait runs on a thread that sleeps in poll(), so it takes no CPU from
  // the work done meanwhile and still reaps each child when it ends (its
  // duration is the child's own). Errors are values in ongpu, but a throw
  // (out of memory) must not leave the children running: it cancels the wait.
  const int cancel_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  std::exception_ptr wait_failed;
  std::thread waiter;
  try {
    waiter = std::thread([&] {
      try {
        wait(cancel_fd);
      } catch (...) {
        wait_failed = std::current_exception();  // rethrown after the join
      }
    });
  } catch (...) {
    // No thread to be had: the work first, then the wait (a child that ends
    // meanwhile is then reaped, and timed, after the work).
  }
  std::exception_ptr failed;
  try {
    meanwhile();
  } catch (...) {
    failed = std::current_exception();
    const uint64_t one = 1;
    const ssize_t written = cancel_fd >= 0 ? ::write(cancel_fd, &one, sizeof one) : -1;
    (void)written;  // not written: the wait ends at the deadline instead
  }
  if (waiter.joinable()) {
    waiter.join();
  } else {
    try {
      wait(cancel_fd);
    } catch (...) {
      wait_failed = std::current_exception();
    }
  }
  if (cancel_fd >= 0) ::close(cancel_fd);
  if (failed) std::rethrow_exception(failed);
  if (wait_failed) std::rethrow_exception(wait_failed);
  return outcomes;
}

}  // namespace ongpu::sys
