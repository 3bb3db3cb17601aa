#include "cli/metrics_out.h"

#include <iostream>

#include "cli/commands.h"
#include "util/atomic_file.h"
#include "util/strings.h"

namespace ongpu::cli {

MetricsOut::MetricsOut(CLI::App& app, std::string check) : check_(std::move(check)) {
  app.add_option("--prometheus", path_,
                 "also write the answer as Prometheus metrics to FILE, replaced atomically (for "
                 "node_exporter's textfile collector: FILE ends in .prom; docs/fleet.md)")
      ->type_name("FILE")
      // An empty name (an unset variable in a cron line) would silently
      // write nothing: a usage error instead.
      ->check([](const std::string& v) { return v.empty() ? "FILE is empty" : ""; });
}

MetricsRun MetricsOut::run() const {
  MetricsRun r;
  r.check = check_;
  r.version = ONGPU_VERSION;
  r.duration_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  r.timestamp_s =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  return r;
}

void MetricsOut::write(const std::string& text) const {
  if (auto r = replace_file_atomically(path_, text); !r) {
    std::cerr << "ongpu " << check_ << ": cannot write --prometheus " << one_line(path_) << ": "
              << one_line(r.error()) << "\n";
    note_output_failure();
  }
}

}  // namespace ongpu::cli
