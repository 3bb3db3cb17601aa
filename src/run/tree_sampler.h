// The watched command's process tree, sampled from /proc: every process below
// ongpu (the command, its children, and daemons that left with setsid and
// were reparented to ongpu, its subreaper), each with its command line, its
// Python interpreter and the CUDA libraries and frameworks it mapped.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "run/proc_scan.h"
#include "run/run_report.h"
#include "sys/fs.h"

namespace ongpu::run {

class TreeSampler {
 public:
  // `self`: ongpu's pid; `command`: the command's pid.
  TreeSampler(pid_t self, pid_t command, std::string proc = "/proc");

  // One sample at t_s: who is in the tree now. `excluded`: ongpu's own
  // children that are not the command's (the NVML watcher).
  void sample(double t_s, const std::set<int>& excluded);
  // Whether pid is in the tree as of the last sample.
  bool in_tree(int pid) const { return current_.count(pid) > 0; }
  // Whether pid exists in this /proc at all (NVML's pids from another PID
  // namespace do not).
  bool exists(int pid) const;
  const std::set<int>& current() const { return current_; }
  // The record of a process in the tree (nullptr when unknown).
  ProcessRecord* record(int pid);
  std::vector<ProcessRecord> records() const { return records_; }
  size_t size() const { return records_.size(); }
  // Whether processes came after the record limit: in the tree, not described.
  bool full() const { return full_; }
  // How many times the tree was sampled.
  int samples() const { return samples_; }

 private:
  struct Known {
    size_t index = 0;  // into records_
    unsigned long long start_time = 0;
    unsigned long long vsize = 0;
    std::string comm;
    std::string exe;      // /proc/PID/exe when last described
    std::string cmdline;  // /proc/PID/cmdline, raw, when last described
    double maps_read_s = -1;
  };
  void describe(ProcessRecord& r, Known& k, const ProcStat& s);
  bool exec_changed(const Known& k, int pid) const;
  void read_maps(ProcessRecord& r);

  std::unique_ptr<sys::FileSystem> fs_;
  std::string proc_;
  pid_t self_;
  pid_t command_;
  int command_sid_ = -1;
  std::map<int, Known> known_;  // by pid, for the process now holding it
  std::vector<ProcessRecord> records_;
  std::set<int> current_;
  bool full_ = false;
  int samples_ = 0;
};

}  // namespace ongpu::run
