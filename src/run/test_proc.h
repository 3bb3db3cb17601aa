// Test helpers: /proc files as Linux writes them (proc(5)), for the tests of
// proc_scan and tree_sampler. Used only by *_test.cc.
#pragma once

#include <string>

namespace ongpu::run::testing {

// A stat line: 52 fields, comm in parentheses; pgid is the pid.
inline std::string stat_line(int pid, const std::string& comm, int ppid, int sid,
                             unsigned long long start = 100, unsigned long long vsize = 4096) {
  std::string s = std::to_string(pid) + " (" + comm + ") S " + std::to_string(ppid) + " " +
                  std::to_string(pid) + " " + std::to_string(sid);
  for (int field = 7; field <= 21; ++field) s += " 0";
  s += " " + std::to_string(start) + " " + std::to_string(vsize);
  for (int field = 24; field <= 52; ++field) s += " 0";
  return s + "\n";
}

}  // namespace ongpu::run::testing
