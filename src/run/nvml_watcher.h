// The parent side of the NVML watcher child (probe/nvml_watch_probe.h):
// starts it, reads its lines without blocking, and notices when it crashes or
// stops answering — then restarts it, at most twice. NVML never runs in
// ongpu's own process, so a broken driver cannot disturb the watched command.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "run/run_report.h"

namespace ongpu::run {

struct WatchedGpu {
  int index = -1;
  std::string uuid;
  std::string name;
  std::string pci_bus_id;
  unsigned long long memory_total = 0;
};

struct GpuReading {
  int index = -1;
  std::optional<unsigned> utilization;
  bool processes_read = false;  // false: NVML refused the process list this time
  std::vector<std::pair<int, std::optional<unsigned long long>>> processes;  // pid, bytes
  std::optional<std::vector<std::pair<int, unsigned>>> process_sm;           // pid, SM %
};

// One line of the watcher's output.
struct WatchLine {
  enum class Kind { stage, gpus, sample, error, garbage };
  Kind kind = Kind::garbage;
  std::string stage;
  std::vector<WatchedGpu> gpus;
  std::vector<GpuReading> readings;
  std::string call;  // error: the NVML call, code and message
  int code = 0;
  std::string message;
};
WatchLine parse_watch_line(std::string_view line);

class NvmlWatcher {
 public:
  using Clock = std::chrono::steady_clock;
  NvmlWatcher(std::string executable, int interval_ms);
  ~NvmlWatcher();
  NvmlWatcher(const NvmlWatcher&) = delete;
  NvmlWatcher& operator=(const NvmlWatcher&) = delete;

  void start(double t_s);
  int fd() const { return fd_; }
  pid_t pid() const { return pid_; }
  // Reads what the child has written; returns its complete lines.
  std::vector<WatchLine> read_available();
  // The child `pid` ended with `status` (waitpid): a crash is a gap, and the
  // watcher restarts while it may.
  void on_exit(int status, double t_s);
  // No line within the deadline: the child hangs in NVML; it is killed.
  void check_deadline(double t_s);
  // When check_deadline next needs to run, in seconds from now (for poll).
  double seconds_to_deadline() const;
  void stop();
  // A watcher killed for hanging, reaped later: true once for each such pid.
  bool forget(pid_t pid);

  std::vector<ObservationGap> gaps;
  bool running() const { return pid_ > 0; }
  // NVML said why it cannot be used.
  bool refused() const { return refused_; }

 private:
  void kill_child();
  std::string executable_;
  int interval_ms_;
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string buffer_;
  std::string stage_;
  bool answered_ = false;  // the GPU list arrived
  bool refused_ = false;   // NVML said no: do not restart
  int starts_ = 0;
  std::vector<pid_t> killed_;
  std::vector<WatchLine> pending_;  // read when the child ended, not yet returned
  Clock::time_point last_line_{};
};

}  // namespace ongpu::run
