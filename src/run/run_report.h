// What `ongpu run` observed while a command ran: its process tree, the GPUs
// each process used (NVML), the CUDA libraries each mapped (/proc/PID/maps),
// the framework lines on its stderr, and how it ended. Plain data, collected
// by run/watch.h and run/observe.h, judged by run/run_rules.h, written by
// render/run_*.cc.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "facts/framework.h"
#include "rules/finding.h"
#include "util/enum_names.h"

namespace ongpu::run {

// One sample of one GPU, seconds after the command started.
struct GpuSample {
  double t_s = 0;
  // Memory the command's processes held on this GPU (sum over the tree).
  unsigned long long tree_memory_bytes = 0;
  // The whole GPU's busy percentage (nvmlDeviceGetUtilizationRates), when
  // the driver answered.
  std::optional<unsigned> utilization_percent;
};

// A GPU the command's processes used, with its samples over time.
struct GpuUse {
  std::string uuid;
  int nvml_index = -1;              // nvidia-smi's number
  std::optional<int> cuda_ordinal;  // its number under the command's CUDA_VISIBLE_DEVICES
  std::string name;                 // NVIDIA H100 80GB HBM3
  unsigned long long memory_total_bytes = 0;
  unsigned long long peak_tree_memory_bytes = 0;
  double first_seen_s = 0;
  double last_seen_s = 0;
  std::vector<GpuSample> samples;  // every sample from first to last seen
};

// A process's use of one GPU (NVML's compute processes).
struct ProcessGpu {
  std::string uuid;
  unsigned long long peak_memory_bytes = 0;
  double first_seen_s = 0;
  double last_seen_s = 0;
  // nvmlDeviceGetProcessUtilization: (seconds, SM busy %) where the driver
  // supports it.
  struct Utilization {
    double t_s = 0;
    unsigned sm_percent = 0;
  };
  std::vector<Utilization> utilization;
};

// A CUDA library a process mapped, and what the doctor predicted for it.
struct MappedLibrary {
  std::string path;     // the file in /proc/PID/maps
  std::string kind;     // the library kind (facts/library_kinds.h): cudart, cublas, ...
  std::string version;  // from the file name (libcublas.so.12.4.5.8) or ""
  // The file the doctor resolved for this kind in this interpreter, when it
  // predicted one; a different file means the prediction was wrong.
  std::string predicted_path;
  bool same_as_predicted = false;
};

struct ProcessRecord {
  int pid = 0;
  int ppid = 0;
  std::string command;  // argv joined by spaces (/proc/PID/cmdline), or the comm
  double first_seen_s = 0;
  double last_seen_s = 0;
  bool daemonized = false;            // left the command's session (setsid) or was reparented
  std::string interpreter;            // a Python interpreter's path, when the process is one
  std::vector<Framework> frameworks;  // whose native modules it mapped
  std::vector<ProcessGpu> gpus;
  std::vector<MappedLibrary> libraries;
};

// A framework line recognised on the command's stderr (verify's table).
struct RunMessage {
  double t_s = 0;
  std::string id;  // the finding it raises: verify.tf_library_not_loaded
  std::string text;
  std::string detail;
};

// How the command ended.
enum class EndKind { exited, signaled, not_started, stopped_early };

// What ongpu could not observe, and why (render/run_words.cc words it).
struct ObservationGap {
  enum class Kind {
    nvml_unavailable,  // libnvidia-ml.so.1 did not load, or NVML refused (call, code, detail)
    nvml_crashed,      // the NVML watcher died of a signal (signal, stage)
    nvml_hung,         // the NVML watcher gave no line within its deadline (stage, seconds)
    nvml_not_started,  // the watcher could not be started (detail)
    nvml_gave_up,      // restarted too often: NVML was not watched from then on
    nvml_not_ready,    // the command ended before NVML had answered
    foreign_pids,      // NVML lists processes this /proc does not have (another PID namespace)
  };
  Kind kind = Kind::nvml_unavailable;
  double t_s = 0;
  std::string call;    // the NVML call
  int code = 0;        // its nvmlReturn_t, or the signal
  std::string detail;  // NVML's message, the loader's error
  std::string stage;   // the call the watcher was in
};

struct RunReport {
  std::vector<std::string> command;
  EndKind end = EndKind::exited;
  int exit_code = 0;          // ongpu's own exit code
  int command_exit_code = 0;  // the command's (128 + signal when signalled)
  int signal = 0;
  int start_errno = 0;  // not_started: why exec failed
  double wall_s = 0;
  bool used_gpu = false;
  std::vector<GpuUse> gpus;
  std::vector<ProcessRecord> processes;  // every process of the tree seen
  bool processes_truncated = false;      // more than the record limit (5,000) were seen
  std::vector<RunMessage> messages;
  std::vector<ObservationGap> gaps;
  bool nvml_watched = false;  // NVML answered at least one sample
  // stopped_early: why. A recognised fallback line (its index in messages),
  // or no CUDA context within the grace period.
  std::optional<size_t> stop_message;
  double grace_s = 0;
  // When no GPU was used: the doctor's root cause for the command's
  // interpreter (or the machine's), with its fix.
  std::optional<Finding> root_cause;
  std::string root_cause_scope;  // "the machine" or the interpreter
  // The interpreter the doctor checked for the explanation ("" for the
  // machine alone); nullopt when it did not run.
  std::optional<std::string> doctor_checked;
  double sample_interval_s = 1;
  int samples = 0;            // NVML's answers
  int process_samples = 0;    // samples of the process tree from /proc
  double sampling_cpu_s = 0;  // CPU ongpu itself used while watching
  // The command's CUDA_VISIBLE_DEVICES (nullopt: unset), for CUDA ordinals.
  std::optional<std::string> cuda_visible_devices;
};

}  // namespace ongpu::run

template <>
struct ongpu::EnumNames<ongpu::run::ObservationGap::Kind> {
  static constexpr auto last = run::ObservationGap::Kind::foreign_pids;
  static constexpr std::array<std::string_view, 7> names{
      "nvml_unavailable", "nvml_crashed",   "nvml_hung",   "nvml_not_started",
      "nvml_gave_up",     "nvml_not_ready", "foreign_pids"};
};
template <>
struct ongpu::EnumNames<ongpu::run::EndKind> {
  static constexpr auto last = run::EndKind::stopped_early;
  static constexpr std::array<std::string_view, 4> names{"exited", "signaled", "not_started",
                                                         "stopped_early"};
};
