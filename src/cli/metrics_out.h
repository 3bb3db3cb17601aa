// --prometheus FILE (doctor, verify): the answer as a node_exporter textfile.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <string>

#include "render/prometheus.h"

namespace ongpu::cli {

class MetricsOut {
 public:
  // Adds --prometheus to the command; the clock starts here.
  MetricsOut(CLI::App& app, std::string check);
  bool wanted() const { return !path_.empty(); }
  // The run's name, time and duration so far, for the renderer.
  MetricsRun run() const;
  // Replaces the file atomically. A failure is said on stderr and makes the
  // command exit 70 after its report (note_output_failure).
  void write(const std::string& text) const;

 private:
  std::string check_;
  std::string path_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace ongpu::cli
