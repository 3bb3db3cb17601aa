// `ongpu run [options] -- CMD [ARGS...]`: runs CMD as the shell would, watches
// whether its processes use a GPU, and says so when it ends (docs/run.md).
#include <fmt/format.h>
#include <signal.h>
#include <sys/resource.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "cli/options.h"
#include "knowledge/knowledge.h"
#include "render/render.h"
#include "render/run_timeline.h"
#include "render/run_words.h"
#include "rules/report.h"
#include "run/run_rules.h"
#include "run/runner.h"
#include "sys/child_guard.h"
#include "sys/process.h"
#include "util/strings.h"

namespace ongpu::cli {
namespace {

// Writes `text` to a file the user named; false (and a message) when it cannot.
bool write_file(const std::string& path, const std::string& text, const char* option) {
  errno = 0;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (out) out << text;
  if (out) out.close();
  if (out) return true;
  const int err = errno;
  std::cerr << "ongpu run: cannot write " << option << " " << one_line(path)
            << (err ? std::string(": ") + std::strerror(err) : std::string()) << "\n";
  return false;
}

// The doctor's report for the command's interpreter (or the machine alone),
// for the root cause and the library comparison.
std::optional<Report> doctor_for(const run::RunReport& r, double timeout_s,
                                 const std::string& root) {
  if (r.end == run::EndKind::not_started) return std::nullopt;
  const std::string interp = run::command_interpreter(r);
  bool mapped = false;
  for (const auto& p : r.processes)
    mapped = mapped || (!p.interpreter.empty() && !p.libraries.empty());
  if (r.used_gpu && !mapped) return std::nullopt;  // nothing to explain or compare
  FactOptions o;
  o.timeout_s = timeout_s;
  o.root = root;
  o.discover_python = false;
  if (interp.empty()) {
    o.no_python = true;
  } else {
    o.python = {interp};
  }
  const knowledge::LoadOnce tables("");
  auto facts = obtain_facts(o, &tables);
  const auto& k = tables.get();
  if (!facts || !k) return std::nullopt;
  return build_report(std::move(facts).value(), *k);
}

// The command ended by a signal: ongpu ends the same way, so that its parent
// (a shell, Slurm) sees what it would have seen. No core file of ongpu's.
void end_like(int sig) {
  std::cout.flush();
  std::cerr.flush();
  rlimit none{0, 0};
  ::setrlimit(RLIMIT_CORE, &none);
  ::signal(sig, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
  ::raise(sig);
}

}  // namespace

int run_run(std::vector<std::string> args) {
  CLI::App app{
      "Run a command as the shell would, watch whether its processes use a GPU, and say so when "
      "it ends.",
      "ongpu run [options] -- CMD [ARGS...]"};
  run::RunOptions o;
  std::string require;
  bool fail_fast = false;
  bool json_out = false;
  bool verbose = false;
  std::string report_file, timeline_file;
  double doctor_timeout = 10;
  std::string root = "/";
  app.add_option("--require-gpu", require,
                 "exit 99 if no process used a GPU; =early: stop the command as soon as it is "
                 "clear it runs without one")
      ->expected(0, 1)
      ->default_str("end")
      ->check(CLI::IsMember({"end", "early"}))
      ->type_name("[early]");
  app.add_flag("--fail-fast", fail_fast, "the same as --require-gpu=early");
  app.add_option("--grace", o.grace_s,
                 "with --require-gpu=early: seconds the command may run without a CUDA context")
      ->check(CLI::Range(0.0, 30.0 * 86400))
      ->capture_default_str();
  app.add_option("--interval", o.interval_s, "seconds between samples")
      ->check(CLI::Range(0.05, 3600.0))
      ->capture_default_str();
  app.add_option("--report", report_file, "also write the summary as JSON to FILE")
      ->type_name("FILE");
  app.add_option("--timeline", timeline_file,
                 "write GPU memory and utilisation over time as an SVG picture to FILE")
      ->type_name("FILE.svg");
  app.add_flag("--json", json_out, "print the summary as JSON (docs/run.md) on stderr");
  app.add_flag("-v,--verbose", verbose, "also list each process, its GPUs and CUDA libraries");
  app.add_option("--timeout", doctor_timeout,
                 "deadline in seconds for the doctor's probes when it explains a CPU run")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  app.add_option("--root", root,
                 "the doctor reads /proc, /sys and /dev under DIR when it explains a CPU run (a "
                 "captured machine)")
      ->type_name("DIR")
      ->check(CLI::ExistingDirectory);
  app.footer(
      "Exit code: the command's (128+N when a signal ended it, ongpu then ends by the same\n"
      "signal); 99 with --require-gpu when no process used a GPU; 126/127 when the command\n"
      "cannot be started; 64 usage error; 70 internal error.");
  // Everything after the first "--" is the command, taken verbatim.
  auto dashes = std::find(args.begin(), args.end(), "--");
  std::vector<std::string> options(args.begin(), dashes);
  if (dashes != args.end()) o.command.assign(dashes + 1, args.end());
  const bool help = std::find(options.begin(), options.end(), "--help") != options.end() ||
                    std::find(options.begin(), options.end(), "-h") != options.end();
  if (dashes == args.end() && !help) {
    std::cerr << "ongpu run: put the command after --, as in: ongpu run -- python train.py\n";
    return kExitUsage;
  }
  if (auto rc = parse_arguments(app, options)) return *rc;
  if (o.command.empty() || o.command[0].empty()) {
    std::cerr << "ongpu run: no command after --\n";
    return kExitUsage;
  }
  if (fail_fast || require == "early")
    o.require = run::RequireGpu::early;
  else if (app.count("--require-gpu") > 0)
    o.require = run::RequireGpu::at_end;
  if (!std::isfinite(o.interval_s)) o.interval_s = 1;
  if (!std::isfinite(o.grace_s)) o.grace_s = 120;
  o.executable = sys::self_executable();
  // The command's daemons are the user's: left running, as without ongpu.
  sys::leave_orphans();

  run::RunReport r = run::run_and_watch(o);
  auto doctor = doctor_for(r, std::isfinite(doctor_timeout) ? doctor_timeout : 10, root);
  run::judge_run(r, doctor ? &*doctor : nullptr, o.require);

  if (r.end == run::EndKind::not_started) {
    std::cerr << "ongpu run: " << one_line(r.command[0]) << ": "
              << (r.start_errno == ENOENT ? "command not found" : std::strerror(r.start_errno))
              << "\n";
  }
  if (json_out) {
    std::cerr << render_run_json(r).dump(2, ' ', false, json::error_handler_t::replace) << "\n";
  } else if (r.end != run::EndKind::not_started) {
    std::cerr << render_run_text(r, {want_color(2), verbose});
  }
  if (!report_file.empty()) {
    write_file(report_file,
               render_run_json(r).dump(2, ' ', false, json::error_handler_t::replace) + "\n",
               "--report");
  }
  if (!timeline_file.empty()) write_file(timeline_file, render_run_timeline_svg(r), "--timeline");
  if (r.end == run::EndKind::signaled && r.exit_code == r.command_exit_code) end_like(r.signal);
  return r.exit_code;
}

}  // namespace ongpu::cli
