#include "run/nvml_watcher.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "facts/json.h"
#include "util/strings.h"

namespace ongpu::run {
namespace {

// The first answer waits for nvmlInit, which takes seconds on a large machine
// without persistence mode; later samples must come within a few intervals.
constexpr double kFirstAnswerS = 30;
constexpr double kSampleSlackS = 5;  // or five intervals, if longer
constexpr int kMaxStarts = 3;

std::optional<unsigned> small_uint(const json& v) {
  if (!v.is_number_unsigned() && !v.is_number_integer()) return std::nullopt;
  auto n = v.get<long long>();
  if (n < 0 || n > 1000000) return std::nullopt;
  return static_cast<unsigned>(n);
}

}  // namespace

WatchLine parse_watch_line(std::string_view line) {
  WatchLine w;
  json doc = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return w;
  try {
    if (auto it = doc.find("stage"); it != doc.end() && it->is_string()) {
      w.kind = WatchLine::Kind::stage;
      w.stage = sanitize_text(it->get<std::string>());
    } else if (auto e = doc.find("error"); e != doc.end() && e->is_object()) {
      w.kind = WatchLine::Kind::error;
      w.call = sanitize_text(e->value("call", ""));
      w.code = e->value("code", 0);
      w.message = sanitize_text(e->value("message", ""));
    } else if (auto g = doc.find("gpus"); g != doc.end() && g->is_array()) {
      w.kind = WatchLine::Kind::gpus;
      for (const auto& d : *g) {
        WatchedGpu gpu;
        gpu.index = d.value("index", -1);
        gpu.uuid = sanitize_text(d.value("uuid", ""));
        gpu.name = sanitize_text(d.value("name", ""));
        gpu.pci_bus_id = sanitize_text(d.value("pci_bus_id", ""));
        gpu.memory_total = d.value("memory_total", 0ULL);
        w.gpus.push_back(std::move(gpu));
      }
    } else if (auto s = doc.find("sample"); s != doc.end() && s->is_object()) {
      w.kind = WatchLine::Kind::sample;
      for (const auto& d : s->value("gpus", json::array())) {
        GpuReading r;
        r.index = d.value("index", -1);
        if (d.contains("util")) r.utilization = small_uint(d["util"]);
        if (auto p = d.find("procs"); p != d.end() && p->is_array()) {
          r.processes_read = true;
          for (const auto& e : *p) {
            if (!e.is_array() || e.size() != 2 || !e[0].is_number_integer()) continue;
            std::optional<unsigned long long> bytes;
            if (e[1].is_number_unsigned()) bytes = e[1].get<unsigned long long>();
            r.processes.emplace_back(e[0].get<int>(), bytes);
          }
        }
        if (auto p = d.find("putil"); p != d.end() && p->is_array()) {
          r.process_sm.emplace();
          for (const auto& e : *p) {
            if (!e.is_array() || e.size() != 2 || !e[0].is_number_integer()) continue;
            if (auto sm = small_uint(e[1])) r.process_sm->emplace_back(e[0].get<int>(), *sm);
          }
        }
        w.readings.push_back(std::move(r));
      }
    }
  } catch (const json::exception&) {
    return WatchLine{};  // a line of the wrong shape is garbage, not a crash
  }
  return w;
}

NvmlWatcher::NvmlWatcher(std::string executable, int interval_ms)
    : executable_(std::move(executable)), interval_ms_(interval_ms) {}

NvmlWatcher::~NvmlWatcher() { stop(); }

void NvmlWatcher::start(double t_s) {
  if (starts_ >= kMaxStarts || refused_) return;
  ++starts_;
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) {
    gaps.push_back({ObservationGap::Kind::nvml_not_started, t_s, "", 0, std::strerror(errno), ""});
    return;
  }
  const std::string ms = std::to_string(interval_ms_);
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    // Its own process group: a Ctrl-C meant for the command does not reach
    // it; it dies with ongpu.
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(p[1], 1);
    if (null >= 0) {
      ::dup2(null, 0);
      ::dup2(null, 2);
    }
    const char* argv[] = {executable_.c_str(), "__probe", "nvml-watch", ms.c_str(), nullptr};
    ::execv(executable_.c_str(), const_cast<char* const*>(argv));
    ::_exit(127);
  }
  ::close(p[1]);
  if (pid < 0) {
    ::close(p[0]);
    gaps.push_back({ObservationGap::Kind::nvml_not_started, t_s, "", 0, std::strerror(errno), ""});
    return;
  }
  ::setpgid(pid, pid);  // also here: no race with a signal to the group
  ::fcntl(p[0], F_SETFL, ::fcntl(p[0], F_GETFL) | O_NONBLOCK);
  pid_ = pid;
  fd_ = p[0];
  buffer_.clear();
  stage_ = "start";
  answered_ = false;
  last_line_ = Clock::now();
}

std::vector<WatchLine> NvmlWatcher::read_available() {
  std::vector<WatchLine> out = std::move(pending_);
  pending_.clear();
  if (fd_ < 0) return out;
  char chunk[65536];
  for (;;) {
    ssize_t n = ::read(fd_, chunk, sizeof chunk);
    if (n > 0) {
      buffer_.append(chunk, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) {  // closed: the child is ending; its exit status follows
      ::close(fd_);
      fd_ = -1;
    }
    break;
  }
  size_t start = 0;
  for (size_t nl; (nl = buffer_.find('\n', start)) != std::string::npos; start = nl + 1) {
    std::string_view line(buffer_.data() + start, nl - start);
    last_line_ = Clock::now();
    // Stage lines are many (several per GPU and sample): read them cheaply.
    constexpr std::string_view kStage = R"({"stage":")";
    if (starts_with(line, kStage) && ends_with(line, "\"}")) {
      stage_ = sanitize_text(line.substr(kStage.size(), line.size() - kStage.size() - 2));
      continue;
    }
    auto w = parse_watch_line(line);
    if (w.kind == WatchLine::Kind::gpus) answered_ = true;
    if (w.kind == WatchLine::Kind::error) refused_ = true;
    out.push_back(std::move(w));
  }
  buffer_.erase(0, start);
  if (buffer_.size() > (1 << 20)) buffer_.clear();  // a runaway line is dropped
  return out;
}

void NvmlWatcher::on_exit(int status, double t_s) {
  if (fd_ >= 0) {
    pending_ = read_available();  // its last words, for the caller's next read
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  pid_ = -1;
  if (refused_) return;  // NVML said why; the error line is the gap
  if (WIFSIGNALED(status)) {
    gaps.push_back({ObservationGap::Kind::nvml_crashed, t_s, "", WTERMSIG(status), "", stage_});
  } else {
    gaps.push_back(
        {ObservationGap::Kind::nvml_not_started, t_s, "", WEXITSTATUS(status), "", stage_});
  }
  if (starts_ < kMaxStarts) {
    start(t_s);
  } else {
    gaps.push_back({ObservationGap::Kind::nvml_gave_up, t_s, "", 0, "", ""});
  }
}

double NvmlWatcher::seconds_to_deadline() const {
  if (pid_ <= 0) return 3600;
  const double allowed =
      answered_ ? std::max(kSampleSlackS, interval_ms_ / 1000.0 * 5) : kFirstAnswerS;
  const double since = std::chrono::duration<double>(Clock::now() - last_line_).count();
  return std::max(0.0, allowed - since);
}

void NvmlWatcher::check_deadline(double t_s) {
  if (pid_ <= 0 || seconds_to_deadline() > 0) return;
  const double allowed =
      answered_ ? std::max(kSampleSlackS, interval_ms_ / 1000.0 * 5) : kFirstAnswerS;
  gaps.push_back({ObservationGap::Kind::nvml_hung, t_s, "", static_cast<int>(allowed), "", stage_});
  // A child hung in the driver may not die at once; its exit is reaped by
  // the caller's SIGCHLD handling (on_exit), which restarts it. Counted as
  // refused for on_exit's gap, since the hang is the gap already.
  kill_child();
  killed_.push_back(pid_);
  const bool may_restart = starts_ < kMaxStarts;
  pid_ = -1;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (may_restart)
    start(t_s);
  else
    gaps.push_back({ObservationGap::Kind::nvml_gave_up, t_s, "", 0, "", ""});
}

void NvmlWatcher::kill_child() {
  if (pid_ > 0) {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
  }
}

bool NvmlWatcher::forget(pid_t pid) {
  auto it = std::find(killed_.begin(), killed_.end(), pid);
  if (it == killed_.end()) return false;
  killed_.erase(it);
  return true;
}

void NvmlWatcher::stop() {
  if (pid_ > 0) {
    kill_child();
    // Reaped here: ongpu is about to leave nothing behind.
    for (int i = 0; i < 100; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) != 0) break;
      ::usleep(10000);
    }
  }
  pid_ = -1;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace ongpu::run
