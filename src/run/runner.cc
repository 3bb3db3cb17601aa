#include "run/runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>

#include "rules/visible.h"
#include "run/nvml_watcher.h"
#include "run/stderr_relay.h"
#include "run/tree_sampler.h"
#include "util/strings.h"
#include "verify/messages.h"

namespace ongpu::run {
namespace {

using Clock = std::chrono::steady_clock;

// The signals ongpu takes over while the command runs. Each is forwarded to
// the command unless the kernel sent it (a terminal's Ctrl-C, Ctrl-\ or
// hangup goes to the whole foreground process group, the command included).
constexpr std::array kForwarded = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
constexpr size_t kMaxMessages = 200;

int g_signal_pipe[2] = {-1, -1};

void on_signal(int sig, siginfo_t* info, void*) {
  const int saved = errno;
  int record[2] = {sig, info ? info->si_code : 0};
  [[maybe_unused]] ssize_t n = ::write(g_signal_pipe[1], record, sizeof record);
  errno = saved;
}

// The handlers in place while the command runs, and the dispositions to give
// back (and to give the command: an ignored signal stays ignored, as it
// would without ongpu).
class SignalScope {
 public:
  SignalScope() {
    if (::pipe2(g_signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0) g_signal_pipe[0] = -1;
    for (int sig : kForwarded) take(sig);
    take(SIGCHLD);
    take(SIGWINCH);
    struct sigaction ign {};
    ign.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ign, &old_[SIGPIPE]);  // a closed stderr must not kill ongpu
  }
  ~SignalScope() {
    for (auto& [sig, old] : old_) ::sigaction(sig, &old, nullptr);
    for (int& fd : g_signal_pipe) {
      if (fd >= 0) ::close(fd);
      fd = -1;
    }
  }
  SignalScope(const SignalScope&) = delete;
  SignalScope& operator=(const SignalScope&) = delete;

  // In the command's child, before exec: what the command would have had.
  void restore_for_command() const {
    for (const auto& [sig, old] : old_) {
      struct sigaction sa {};
      sa.sa_handler =
          (old.sa_flags & SA_SIGINFO) == 0 && old.sa_handler == SIG_IGN ? SIG_IGN : SIG_DFL;
      ::sigaction(sig, &sa, nullptr);
    }
  }

 private:
  void take(int sig) {
    struct sigaction sa {};
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigfillset(&sa.sa_mask);
    ::sigaction(sig, &sa, &old_[sig]);
  }
  std::map<int, struct sigaction> old_;
};

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

class Watch {
 public:
  Watch(const RunOptions& o, RunReport& r, Clock::time_point t0)
      : o_(o),
        r_(r),
        t0_(t0),
        watcher_(o.executable, std::max(10, static_cast<int>(o.interval_s * 1000))) {}

  void run(pid_t command, StderrRelay& relay) {
    command_ = command;
    TreeSampler tree(::getpid(), command);
    tree_ = &tree;
    relay_ = &relay;
    if (o_.watch_nvml && !o_.executable.empty()) watcher_.start(now());
    double next_tick = 0;
    while (!command_done_) {
      const double t = now();
      if (t >= next_tick) {
        tick(t);
        next_tick = t + o_.interval_s;
      }
      double wait = std::min(next_tick - now(), watcher_.seconds_to_deadline());
      if (kill_at_ > 0) wait = std::min(wait, kill_at_ - now());
      std::array<pollfd, 3> fds{
          {{g_signal_pipe[0], POLLIN, 0}, {relay.fd(), POLLIN, 0}, {watcher_.fd(), POLLIN, 0}}};
      int timeout_ms = static_cast<int>(std::clamp(wait, 0.0, 3600.0) * 1000) + 1;
      int n = ::poll(fds.data(), fds.size(), timeout_ms);
      if (n < 0 && errno != EINTR) break;
      if (fds[0].revents) handle_signals();
      if (fds[1].revents) take_lines(relay.pump());
      // Also after a signal: a watcher that ended left its last lines.
      if (fds[2].revents || fds[0].revents) take_watch_lines(watcher_.read_available());
      watcher_.check_deadline(now());
      if (kill_at_ > 0 && now() >= kill_at_) {
        for (int pid : tree.current()) ::kill(pid, SIGKILL);
        ::kill(command_, SIGKILL);
        kill_at_ = 0;
      }
    }
    const double ended = now();
    r_.wall_s = ended;
    if (kill_at_ > 0) end_survivors();
    // The command has ended: what it wrote last, for a moment (a daemon that
    // keeps stderr open must not keep ongpu).
    const double drain_until = now() + 0.5;
    while (relay.fd() >= 0 && now() < drain_until) {
      pollfd p{relay.fd(), POLLIN, 0};
      if (::poll(&p, 1, 50) > 0) take_lines(relay.pump());
    }
    take_lines(relay.finish());
    take_watch_lines(watcher_.read_available());
    // A short command may end before NVML has answered: a moment more for
    // its first answer, so that the summary can say why NVML was not asked.
    const double answer_until = now() + 1.0;
    while (watcher_.running() && !watcher_.refused() && !r_.nvml_watched && watcher_.fd() >= 0 &&
           now() < answer_until) {
      pollfd p{watcher_.fd(), POLLIN, 0};
      if (::poll(&p, 1, 50) > 0) take_watch_lines(watcher_.read_available());
    }
    if (o_.watch_nvml && !watcher_.refused() && !r_.nvml_watched && watcher_.running())
      r_.gaps.push_back({ObservationGap::Kind::nvml_not_ready, ended, "", 0, "", ""});
    watcher_.stop();
    for (auto& g : watcher_.gaps) r_.gaps.push_back(g);
    r_.processes = tree.records();
    r_.processes_truncated = tree.full();
    r_.process_samples = tree.samples();
    tree_ = nullptr;
    number_for_cuda();
  }

  int status() const { return status_; }

 private:
  double now() const { return seconds_since(t0_); }

  std::set<int> excluded() const {
    std::set<int> ex;
    if (watcher_.pid() > 0) ex.insert(watcher_.pid());
    return ex;
  }

  void tick(double t) {
    tree_->sample(t, excluded());
    check_grace(t);
  }

  void handle_signals() {
    int record[2];
    while (::read(g_signal_pipe[0], record, sizeof record) == sizeof record) {
      const int sig = record[0];
      if (sig == SIGCHLD) {
        reap();
      } else if (sig == SIGWINCH) {
        relay_->copy_window_size();
      } else if (record[1] != SI_KERNEL) {
        ::kill(command_, sig);  // sent to ongpu alone: the command gets it too
      }
    }
  }

  void reap() {
    for (;;) {
      int st = 0;
      pid_t pid = ::waitpid(-1, &st, WNOHANG);
      if (pid <= 0) return;
      if (pid == command_) {
        status_ = st;
        command_done_ = true;
      } else if (pid == watcher_.pid()) {
        watcher_.on_exit(st, now());
      } else {
        watcher_.forget(pid);  // a hung watcher killed earlier, or a daemon of the tree
      }
    }
  }

  void take_lines(const std::vector<std::string>& lines) {
    for (const auto& line : lines) {
      // Cheap first: most lines hold none of the table's words.
      for (auto& m : verify::classify_messages(line)) {
        // TensorFlow looks for the optional TensorRT on every start.
        if (m.id == "verify.library_not_loaded" && starts_with(m.detail, "libnvinfer")) continue;
        bool seen = std::any_of(r_.messages.begin(), r_.messages.end(), [&](const RunMessage& x) {
          return x.id == m.id && x.detail == m.detail;
        });
        if (seen || r_.messages.size() >= kMaxMessages) continue;
        r_.messages.push_back({now(), m.id, m.text, m.detail});
        if (o_.require == RequireGpu::early && !r_.used_gpu && is_fallback_message(m.id) &&
            r_.end != EndKind::stopped_early) {
          r_.stop_message = r_.messages.size() - 1;
          stop_early();
        }
      }
    }
  }

  void take_watch_lines(const std::vector<WatchLine>& lines) {
    for (const auto& w : lines) {
      switch (w.kind) {
        case WatchLine::Kind::gpus:
          gpus_ = w.gpus;
          break;
        case WatchLine::Kind::error:
          r_.gaps.push_back(
              {ObservationGap::Kind::nvml_unavailable, now(), w.call, w.code, w.message, ""});
          break;
        case WatchLine::Kind::sample:
          take_sample(w.readings);
          break;
        default:
          break;
      }
    }
  }

  // Each GPU's number under the command's CUDA_VISIBLE_DEVICES. CUDA counts
  // fastest first unless CUDA_DEVICE_ORDER=PCI_BUS_ID; NVML's order is PCI's,
  // which is CUDA's only then, or when every GPU is the same model.
  void number_for_cuda() {
    const char* order = std::getenv("CUDA_DEVICE_ORDER");
    bool same_model = std::all_of(gpus_.begin(), gpus_.end(), [&](const WatchedGpu& g) {
      return g.name == gpus_.front().name;
    });
    if (gpus_.empty() || !(same_model || (order && std::string_view(order) == "PCI_BUS_ID")))
      return;
    std::vector<GpuIdentity> ids;
    for (const auto& g : gpus_) ids.push_back({g.index, g.uuid, g.pci_bus_id, g.name, {}});
    auto visible = resolve_visible(r_.cuda_visible_devices, ids, OrderSource::pci);
    for (auto& use : r_.gpus) {
      for (const auto& v : visible.visible) {
        if (v.uuid == use.uuid && !v.mig) use.cuda_ordinal = v.cuda_ordinal;
      }
    }
  }

  const WatchedGpu* gpu_by_index(int index) const {
    for (const auto& g : gpus_) {
      if (g.index == index) return &g;
    }
    return nullptr;
  }

  void take_sample(const std::vector<GpuReading>& readings) {
    const double t = now();
    r_.nvml_watched = true;
    ++r_.samples;
    // A pid the last tree sample did not have may be a new process of the tree.
    bool rescanned = false;
    for (const auto& reading : readings) {
      const WatchedGpu* gpu = gpu_by_index(reading.index);
      if (!gpu) continue;
      unsigned long long tree_memory = 0;
      bool tree_uses = false;
      for (const auto& [pid, bytes] : reading.processes) {
        if (!tree_->in_tree(pid) && !rescanned && pid > 0 && tree_->exists(pid)) {
          tree_->sample(t, excluded());
          rescanned = true;
        }
        if (!tree_->in_tree(pid)) {
          if (pid > 0 && !tree_->exists(pid)) ++foreign_;
          continue;
        }
        ++own_;
        tree_uses = true;
        tree_memory += bytes.value_or(0);
        ProcessRecord* p = tree_->record(pid);
        if (!p) continue;
        auto it = std::find_if(p->gpus.begin(), p->gpus.end(),
                               [&](const ProcessGpu& g) { return g.uuid == gpu->uuid; });
        if (it == p->gpus.end()) {
          p->gpus.push_back({gpu->uuid, 0, t, t, {}});
          it = p->gpus.end() - 1;
        }
        it->peak_memory_bytes = std::max(it->peak_memory_bytes, bytes.value_or(0));
        it->last_seen_s = t;
        if (reading.process_sm) {
          for (const auto& [spid, sm] : *reading.process_sm) {
            if (spid == pid) it->utilization.push_back({t, sm});
          }
        }
      }
      auto use = std::find_if(r_.gpus.begin(), r_.gpus.end(),
                              [&](const GpuUse& g) { return g.uuid == gpu->uuid; });
      if (tree_uses && use == r_.gpus.end()) {
        GpuUse g;
        g.uuid = gpu->uuid;
        g.nvml_index = gpu->index;
        g.name = gpu->name;
        g.memory_total_bytes = gpu->memory_total;
        g.first_seen_s = t;
        r_.gpus.push_back(std::move(g));
        use = r_.gpus.end() - 1;
        r_.used_gpu = true;
      }
      if (use == r_.gpus.end()) continue;
      if (tree_uses) use->last_seen_s = t;
      use->peak_tree_memory_bytes = std::max(use->peak_tree_memory_bytes, tree_memory);
      use->samples.push_back({t, tree_memory, reading.utilization});
    }
    if (foreign_ > 0 && own_ == 0 && !foreign_noted_) {
      foreign_noted_ = true;
      r_.gaps.push_back({ObservationGap::Kind::foreign_pids, t, "", foreign_, "", ""});
    }
  }

  void check_grace(double t) {
    if (o_.require != RequireGpu::early || r_.used_gpu || r_.end == EndKind::stopped_early) return;
    // Without NVML's answers no context can be seen: waiting says nothing.
    if (!r_.nvml_watched || t < o_.grace_s) return;
    stop_early();
  }

  // Stopped early, the command ended, but processes of its tree that ignore
  // SIGTERM are still there: they get SIGKILL when the grace is over.
  void end_survivors() {
    for (;;) {
      reap();
      tree_->sample(now(), excluded());
      if (tree_->current().empty()) return;
      if (now() >= kill_at_) break;
      ::usleep(50000);
    }
    for (int pid : tree_->current()) ::kill(pid, SIGKILL);
    kill_at_ = 0;
  }

  void stop_early() {
    r_.end = EndKind::stopped_early;
    r_.grace_s = o_.grace_s;
    tree_->sample(now(), excluded());
    ::kill(command_, SIGTERM);
    for (int pid : tree_->current()) ::kill(pid, SIGTERM);
    kill_at_ = now() + o_.kill_after_s;
  }

  const RunOptions& o_;
  RunReport& r_;
  Clock::time_point t0_;
  NvmlWatcher watcher_;
  TreeSampler* tree_ = nullptr;
  StderrRelay* relay_ = nullptr;
  pid_t command_ = -1;
  bool command_done_ = false;
  int status_ = 0;
  double kill_at_ = 0;
  std::vector<WatchedGpu> gpus_;
  int foreign_ = 0;
  int own_ = 0;
  bool foreign_noted_ = false;
};

}  // namespace

bool is_fallback_message(std::string_view id) {
  // Not: a library one framework may do without (library_not_loaded: the
  // summary line follows), an ignored GPU among others (gpu_ignored), a slow
  // first start (ptx_jit), kernels or cuDNN failing on a GPU it did take.
  static constexpr std::array<std::string_view, 11> kFallback{
      "verify.gpu_libraries_missing",  "verify.cuda_driver_not_found",
      "verify.driver_dso_mismatch",    "verify.driver_too_old",
      "verify.not_compiled_with_cuda", "verify.jax_cuda_jaxlib_missing",
      "verify.jax_plugin_failed",      "verify.ort_cuda_provider_failed",
      "verify.no_cuda_device",         "verify.cuda_init_failed",
      "verify.device_unavailable"};
  return std::find(kFallback.begin(), kFallback.end(), id) != kFallback.end();
}

RunReport run_and_watch(const RunOptions& o) {
  RunReport r;
  r.command = o.command;
  r.sample_interval_s = o.interval_s;
  if (const char* v = std::getenv("CUDA_VISIBLE_DEVICES")) r.cuda_visible_devices = v;
  SignalScope signals;
  StderrRelay relay;
  const bool relayed = relay.open();
  int exec_pipe[2];
  if (::pipe2(exec_pipe, O_CLOEXEC) != 0) {
    r.end = EndKind::not_started;
    r.start_errno = errno;
    r.command_exit_code = 126;
    return r;
  }
  std::vector<char*> argv;
  for (const auto& a : o.command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  sigset_t none;
  sigemptyset(&none);
  sigset_t all;
  sigfillset(&all);
  sigset_t before;
  ::sigprocmask(SIG_SETMASK, &all, &before);  // no handler of ours runs in the child
  const auto t0 = Clock::now();
  pid_t pid = ::fork();
  if (pid == 0) {
    signals.restore_for_command();
    ::sigprocmask(SIG_SETMASK, &before, nullptr);
    if (relayed) ::dup2(relay.command_end(), 2);  // dup2 clears close-on-exec
    ::execvp(argv[0], argv.data());
    int err = errno;
    [[maybe_unused]] ssize_t n = ::write(exec_pipe[1], &err, sizeof err);
    ::_exit(127);
  }
  ::sigprocmask(SIG_SETMASK, &before, nullptr);
  ::close(exec_pipe[1]);
  relay.close_command_end();
  if (pid < 0) {
    r.start_errno = errno;
    ::close(exec_pipe[0]);
    r.end = EndKind::not_started;
    r.command_exit_code = 126;
    return r;
  }
  int err = 0;
  ssize_t got;
  do {
    got = ::read(exec_pipe[0], &err, sizeof err);
  } while (got < 0 && errno == EINTR);
  ::close(exec_pipe[0]);
  if (got == sizeof err) {
    int st = 0;
    while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    r.end = EndKind::not_started;
    r.start_errno = err;
    r.command_exit_code = err == ENOENT ? 127 : 126;  // the shell's answers
    r.wall_s = seconds_since(t0);
    return r;
  }
  rusage before_usage{};
  ::getrusage(RUSAGE_SELF, &before_usage);
  Watch watch(o, r, t0);
  watch.run(pid, relay);
  rusage after{};
  ::getrusage(RUSAGE_SELF, &after);
  auto secs = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; };
  r.sampling_cpu_s = secs(after.ru_utime) + secs(after.ru_stime) - secs(before_usage.ru_utime) -
                     secs(before_usage.ru_stime);
  const int st = watch.status();
  if (WIFSIGNALED(st)) {
    if (r.end != EndKind::stopped_early) r.end = EndKind::signaled;
    r.signal = WTERMSIG(st);
    r.command_exit_code = 128 + r.signal;
  } else {
    r.command_exit_code = WEXITSTATUS(st);
  }
  return r;
}

}  // namespace ongpu::run
