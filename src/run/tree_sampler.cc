#include "run/tree_sampler.h"

#include <algorithm>

#include "util/strings.h"

namespace ongpu::run {
namespace {

// A process's maps are read when it is first seen, and again at each sample
// where its address space changed (a library was mapped): a framework's
// process, about 1,000 lines, costs about 0.4 ms to read.
constexpr size_t kMaxMaps = 16 << 20;
// A command that starts processes without end (a shell loop) must not grow
// ongpu without end: past this many, new processes are counted, not recorded.
constexpr size_t kMaxRecords = 5000;
constexpr size_t kMaxCmdline = 64 << 10;

std::string joined(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    out += a;
  }
  return sanitize_text(out);
}

}  // namespace

TreeSampler::TreeSampler(pid_t self, pid_t command, std::string proc)
    : fs_(sys::make_file_system("/")), proc_(std::move(proc)), self_(self), command_(command) {}

bool TreeSampler::exists(int pid) const {
  return fs_->exists(proc_ + "/" + std::to_string(pid) + "/stat");
}

ProcessRecord* TreeSampler::record(int pid) {
  auto it = known_.find(pid);
  return it == known_.end() ? nullptr : &records_[it->second.index];
}

void TreeSampler::describe(ProcessRecord& r, Known& k, const ProcStat& s) {
  const std::string dir = proc_ + "/" + std::to_string(s.pid);
  k.comm = s.comm;
  auto cmdline = fs_->read_file(dir + "/cmdline", kMaxCmdline);
  auto exe_link = fs_->read_link(dir + "/exe");
  // An exiting process has let go of its memory (vsize 0), its exe and its
  // command line while not yet a zombie: what was read before stays.
  if ((!cmdline || cmdline->empty()) && !exe_link && !r.command.empty()) return;
  k.cmdline = cmdline.value_or("");
  k.exe = exe_link.value_or("");
  auto argv = parse_cmdline(k.cmdline);
  r.command = argv.empty() ? "[" + s.comm + "]" : joined(argv);
  r.interpreter.clear();
  const std::string& exe = k.exe;
  std::string cwd, path;
  if (!is_python_executable(exe)) return;  // only an interpreter needs the rest
  if (auto l = fs_->read_link(dir + "/cwd")) cwd = *l;
  if (auto env = fs_->read_file(dir + "/environ", 1 << 20)) {
    if (auto v = environ_value(*env, "PATH")) path = *v;
  }
  r.interpreter = python_interpreter(argv, exe, cwd, path);
}

// An exec replaces the address space, so it is looked for only where vsize
// changed: a shim that execs the real interpreter under the same name (pyenv's
// `python`) keeps its comm but not its exe, and a Python that re-execs itself
// keeps both but not its command line.
bool TreeSampler::exec_changed(const Known& k, int pid) const {
  const std::string dir = proc_ + "/" + std::to_string(pid);
  // Only what could be read counts: an exiting process reads as nothing.
  if (auto exe = fs_->read_link(dir + "/exe"); exe && *exe != k.exe) return true;
  auto cmdline = fs_->read_file(dir + "/cmdline", kMaxCmdline);
  return cmdline && !cmdline->empty() && *cmdline != k.cmdline;
}

void TreeSampler::read_maps(ProcessRecord& r) {
  auto maps = fs_->read_file(proc_ + "/" + std::to_string(r.pid) + "/maps", kMaxMaps);
  if (!maps) return;
  for (auto& path : cuda_libraries_in_maps(*maps)) {
    bool seen = std::any_of(r.libraries.begin(), r.libraries.end(),
                            [&](const MappedLibrary& m) { return m.path == path; });
    if (seen) continue;
    MappedLibrary m;
    m.kind = library_kind(path);
    m.version = library_version(path);
    m.path = std::move(path);
    r.libraries.push_back(std::move(m));
  }
  for (auto fw : frameworks_in_maps(*maps)) {
    if (std::find(r.frameworks.begin(), r.frameworks.end(), fw) == r.frameworks.end())
      r.frameworks.push_back(fw);
  }
}

void TreeSampler::sample(double t_s, const std::set<int>& excluded) {
  ++samples_;
  auto all = scan_processes(*fs_, proc_);
  auto tree = descendants(all, {self_}, excluded);
  tree.erase(self_);
  std::map<int, const ProcStat*> by_pid;
  for (const auto& s : all) by_pid[s.pid] = &s;
  if (command_sid_ < 0) {
    if (auto it = by_pid.find(command_); it != by_pid.end()) command_sid_ = it->second->sid;
  }
  current_.clear();
  for (int pid : tree) {
    const ProcStat& s = *by_pid.at(pid);
    if (s.state == 'Z') continue;  // ended, not yet reaped
    current_.insert(pid);
    auto it = known_.find(pid);
    if (it != known_.end() && it->second.start_time != s.start_time) {
      known_.erase(it);  // the pid was reused by a new process
      it = known_.end();
    }
    if (it == known_.end() && records_.size() >= kMaxRecords) {
      full_ = true;  // in the tree (current_), without a record of its own
      continue;
    }
    if (it == known_.end()) {
      ProcessRecord r;
      r.pid = pid;
      r.first_seen_s = t_s;
      known_[pid] = {records_.size(), s.start_time, s.vsize, s.comm, "", "", -1};
      records_.push_back(std::move(r));
      it = known_.find(pid);
      describe(records_.back(), it->second, s);
    }
    Known& k = it->second;
    ProcessRecord& r = records_[k.index];
    r.ppid = s.ppid;
    r.last_seen_s = t_s;
    r.daemonized =
        r.daemonized ||
        (pid != command_ && (s.ppid == self_ || (command_sid_ >= 0 && s.sid != command_sid_)));
    // It exec'd something else, or was caught in the middle of its exec.
    const bool vsize_changed = s.vsize != k.vsize;
    if (s.comm != k.comm || starts_with(r.command, "[") ||
        (vsize_changed && s.vsize != 0 && exec_changed(k, pid)))
      describe(r, k, s);
    if (k.maps_read_s < 0 || vsize_changed) {
      k.vsize = s.vsize;
      k.maps_read_s = t_s;
      read_maps(r);
    }
  }
}

}  // namespace ongpu::run
