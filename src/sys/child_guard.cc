#include "sys/child_guard.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <mutex>

namespace ongpu::sys {
namespace {

// Everything here may run inside a signal handler: fixed arrays of atomics,
// raw system calls, no allocation, no locks.
constexpr int kSlots = 512;
std::atomic<pid_t> g_groups[kSlots];
std::atomic<int> g_batches{0};
std::atomic<bool> g_installed{false};
std::atomic<bool> g_leave_orphans{false};
// Held while a batch starts and while orphans are ended, so neither sees the
// other half-done (the signal handler takes no lock).
std::mutex g_batch_lock;

void sleep_ms(long ms) {
  timespec ts{ms / 1000, (ms % 1000) * 1000000L};
  while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

// Calls fn(pid) for every direct child of this process, found in /proc
// (a child reparented to this subreaper is in no list of ours).
template <class Fn>
int for_each_child(Fn fn) {
  const pid_t self = ::getpid();
  int fd = ::open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return 0;
  int count = 0;
  alignas(8) char buf[8192];
  for (;;) {
    long n = ::syscall(SYS_getdents64, fd, buf, sizeof buf);
    if (n <= 0) break;
    for (long off = 0; off < n;) {
      auto* d = reinterpret_cast<struct dirent64*>(buf + off);
      off += d->d_reclen;
      pid_t pid = 0;
      bool numeric = d->d_name[0] != '\0';
      for (const char* c = d->d_name; *c; ++c) {
        if (*c < '0' || *c > '9' || pid > 100000000) {
          numeric = false;
          break;
        }
        pid = pid * 10 + (*c - '0');
      }
      if (!numeric || pid == self) continue;
      // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold ')' and spaces.
      char path[64] = "/proc/";
      size_t len = std::strlen(path);
      std::memcpy(path + len, d->d_name, std::strlen(d->d_name) + 1);
      len = std::strlen(path);
      std::memcpy(path + len, "/stat", 6);
      int sfd = ::open(path, O_RDONLY | O_CLOEXEC);
      if (sfd < 0) continue;
      char stat[512];
      ssize_t got = ::read(sfd, stat, sizeof stat - 1);
      ::close(sfd);
      if (got <= 0) continue;
      stat[got] = '\0';
      const char* close_paren = std::strrchr(stat, ')');
      if (!close_paren || stat + got - close_paren < 5) continue;
      const char* p = close_paren + 4;  // ") S " then the ppid
      pid_t ppid = 0;
      while (*p >= '0' && *p <= '9') ppid = ppid * 10 + (*p++ - '0');
      if (ppid == self) {
        fn(pid);
        ++count;
      }
    }
  }
  ::close(fd);
  return count;
}

bool registered(pid_t pid) {
  for (auto& g : g_groups) {
    if (g.load() == pid) return true;
  }
  return false;
}

// Reaps whatever has ended; true when no child is left at all.
bool reap_all() {
  for (;;) {
    pid_t w = ::waitpid(-1, nullptr, WNOHANG);
    if (w > 0) continue;
    return w < 0 && errno == ECHILD;
  }
}

void write_all(const char* s) {
  size_t n = std::strlen(s);
  while (n > 0) {
    ssize_t w = ::write(2, s, n);
    if (w <= 0) {
      if (w < 0 && errno == EINTR) continue;
      return;
    }
    s += w;
    n -= static_cast<size_t>(w);
  }
}

const char* signal_name(int sig) {
  switch (sig) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGHUP:
      return "SIGHUP";
    default:
      return "a signal";
  }
}

void on_signal(int sig) {
  const int saved = errno;
  write_all("ongpu: stopped by ");
  write_all(signal_name(sig));
  write_all("; ending the processes it started\n");
  end_all_descendants(300);
  errno = saved;
  ::_exit(128 + sig);
}

}  // namespace

void install_child_guard() {
  if (g_installed.exchange(true)) return;
  // Orphaned descendants are reparented to ongpu instead of PID 1 (Linux 3.4+).
  ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction old {};
    if (::sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigfillset(&sa.sa_mask);  // one cleanup at a time
    ::sigaction(sig, &sa, nullptr);
  }
}

void batch_started() {
  std::lock_guard<std::mutex> hold(g_batch_lock);
  g_batches.fetch_add(1);
}
void batch_ended() { g_batches.fetch_sub(1); }

void register_group(pid_t pgid) {
  for (auto& g : g_groups) {
    pid_t empty = 0;
    if (g.compare_exchange_strong(empty, pgid)) return;
  }
  // Full (512 running children): the group is still ended by its batch's own
  // deadline; a signal then ends it as a direct child.
}

void unregister_group(pid_t pgid) {
  for (auto& g : g_groups) {
    pid_t mine = pgid;
    if (g.compare_exchange_strong(mine, 0)) return;
  }
}

int end_orphans(int grace_ms) {
  // While this runs no batch can start, so every direct child it sees is an
  // orphan and every status it reaps is an orphan's.
  std::lock_guard<std::mutex> hold(g_batch_lock);
  if (g_batches.load() != 0 || g_leave_orphans.load()) return 0;
  auto orphan = [](int sig) {
    return for_each_child([sig](pid_t pid) {
      if (!registered(pid)) ::kill(pid, sig);
    });
  };
  int ended = orphan(SIGTERM);
  if (ended == 0) return 0;
  // Each round signals again: ending one escapee may orphan another.
  for (int waited = 0; waited < grace_ms; waited += 10) {
    reap_all();
    if (orphan(SIGTERM) == 0) return ended;
    sleep_ms(10);
  }
  for (int waited = 0; waited < 1000; waited += 10) {
    reap_all();
    if (orphan(SIGKILL) == 0) break;
    sleep_ms(10);
  }
  return ended;
}

void leave_orphans() { g_leave_orphans.store(true); }

int end_all_descendants(int grace_ms) {
  int n = 0;
  for (auto& g : g_groups) {
    if (pid_t pgid = g.load(); pgid > 0) {
      ::kill(-pgid, SIGTERM);
      ++n;
    }
  }
  if (g_leave_orphans.load()) {
    // Only ongpu's own groups: wait for them, then leave.
    for (int waited = 0; waited < grace_ms; waited += 10) {
      bool left = false;
      for (auto& g : g_groups) {
        if (pid_t pgid = g.load(); pgid > 0 && ::kill(-pgid, 0) == 0) left = true;
      }
      if (!left) return n;
      sleep_ms(10);
    }
    for (auto& g : g_groups) {
      if (pid_t pgid = g.load(); pgid > 0) ::kill(-pgid, SIGKILL);
    }
    return n;
  }
  n += for_each_child([](pid_t pid) { ::kill(pid, SIGTERM); });
  // Each round signals the direct children again: a child that ends orphans
  // the escapees below it, which become ours.
  for (int waited = 0; waited < grace_ms; waited += 10) {
    if (reap_all()) return n;
    for_each_child([](pid_t pid) { ::kill(pid, SIGTERM); });
    sleep_ms(10);
  }
  for (auto& g : g_groups) {
    if (pid_t pgid = g.load(); pgid > 0) ::kill(-pgid, SIGKILL);
  }
  // A process in uninterruptible sleep inside a driver ignores SIGKILL: wait a
  // last second for it, then leave rather than hang.
  for (int waited = 0; waited < 1000; waited += 10) {
    for_each_child([](pid_t pid) { ::kill(pid, SIGKILL); });
    if (reap_all()) break;
    sleep_ms(10);
  }
  return n;
}

}  // namespace ongpu::sys
