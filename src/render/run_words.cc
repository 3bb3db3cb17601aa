#include "render/run_words.h"

#include <fmt/format.h>
#include <string.h>

#include <cmath>
#include <numeric>

#include "render/finding_words.h"
#include "render/verdict_words.h"
#include "run/run_rules.h"
#include "util/strings.h"
#include "vendor/nvml_abi.h"

namespace ongpu {
namespace wording {

std::string duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) seconds = 0;
  if (seconds < 60) return fmt::format("{:.1f}s", seconds);
  auto s = static_cast<long long>(std::llround(seconds));
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m{:02}s", s / 3600, s / 60 % 60, s % 60);
}

std::string bytes(unsigned long long n) {
  constexpr double kGiB = 1024.0 * 1024 * 1024;
  if (n >= (1ULL << 30)) return fmt::format("{:.1f} GiB", static_cast<double>(n) / kGiB);
  return fmt::format("{} MiB", n >> 20);
}

std::string command_line(const std::vector<std::string>& argv, size_t max) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    // Plain words stay plain (python train.py); others are quoted.
    bool plain = !a.empty() && a.find_first_not_of(
                                   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                   "0123456789-_./=:,+@%") == std::string::npos;
    out += plain ? a : shell_quote(a);
  }
  out = one_line(out);
  if (out.size() > max) out = out.substr(0, max - 3) + "...";
  return out;
}

}  // namespace wording

namespace {

using run::ObservationGap;
using run::RunReport;

std::string gpu_label(const run::GpuUse& g) {
  std::string label = fmt::format("GPU {}", g.nvml_index);
  if (g.cuda_ordinal && *g.cuda_ordinal != g.nvml_index)
    label += fmt::format(" (cuda:{}, {})", *g.cuda_ordinal, g.name);
  else
    label += fmt::format(" ({})", g.name);
  return label;
}

// How busy the GPU was while the command used it: its processes' own SM
// utilisation where the driver gives it, else the whole GPU's.
std::optional<double> busy_percent(const RunReport& r, const run::GpuUse& g) {
  std::vector<double> values;
  for (const auto& p : r.processes) {
    for (const auto& pg : p.gpus) {
      if (pg.uuid != g.uuid) continue;
      for (const auto& u : pg.utilization) values.push_back(u.sm_percent);
    }
  }
  if (values.empty()) {
    for (const auto& s : g.samples) {
      if (s.tree_memory_bytes > 0 && s.utilization_percent)
        values.push_back(*s.utilization_percent);
    }
  }
  if (values.empty()) return std::nullopt;
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

// '<framework> said "<line>"': the line the cause came from, else the first
// fallback line, else the first line recognised.
std::string said(const RunReport& r) {
  const run::RunMessage* m = nullptr;
  for (const auto& x : r.messages) {
    if (!m && r.root_cause && r.root_cause->id == x.id) m = &x;
  }
  for (const auto& x : r.messages) {
    if (!m && run::is_fallback_message(x.id)) m = &x;
  }
  if (!m && !r.messages.empty()) m = &r.messages.front();
  if (!m) return "";
  auto fw = run::framework_of_message(m->id);
  return fmt::format("{} said \"{}\"", fw ? framework_name(*fw) : "the program", m->text);
}

std::string nvml_gap(const RunReport& r) {
  for (const auto& g : r.gaps) {
    if (g.kind != ObservationGap::Kind::foreign_pids) return gap_words(g);
  }
  return "";
}

}  // namespace

std::string gap_words(const ObservationGap& g) {
  switch (g.kind) {
    case ObservationGap::Kind::nvml_unavailable:
      if (g.call == "dlopen") return "NVML could not be loaded: " + g.detail;
      if (g.code != 0)
        return fmt::format("NVML refused: {} returned {} ({})", g.call, nvml::describe(g.code).name,
                           g.detail);
      return fmt::format("NVML cannot be used: {}", g.detail);
    case ObservationGap::Kind::nvml_crashed: {
      return fmt::format("NVML crashed at {:.0f} s (signal {}: {}) in {}", g.t_s, g.code,
                         ::strsignal(g.code), g.stage);
    }
    case ObservationGap::Kind::nvml_hung:
      return fmt::format("NVML did not answer for {} s at {:.0f} s (in {}); it was ended", g.code,
                         g.t_s, g.stage);
    case ObservationGap::Kind::nvml_not_started:
      if (g.code != 0)
        return fmt::format("NVML's watcher exited with status {} in {}", g.code, g.stage);
      return fmt::format("NVML's watcher could not run: {}", g.detail);
    case ObservationGap::Kind::nvml_gave_up:
      return fmt::format("NVML failed too often; from {:.0f} s on it was not asked", g.t_s);
    case ObservationGap::Kind::nvml_not_ready:
      return fmt::format("the command ended after {} before NVML had answered",
                         wording::duration(g.t_s));
    case ObservationGap::Kind::foreign_pids:
      return fmt::format(
          "NVML lists {} process{} this /proc does not have: ongpu runs in another PID namespace "
          "than the driver sees (a container), so NVML cannot say which are the command's",
          g.code, g.code == 1 ? "" : "es");
  }
  return "";
}

std::string run_summary(const RunReport& r) {
  const std::string cmd = wording::command_line(r.command);
  if (r.end == run::EndKind::not_started) {
    return fmt::format("{} could not be started: {}", cmd,
                       r.start_errno == ENOENT ? "command not found" : ::strerror(r.start_errno));
  }
  if (r.used_gpu) {
    std::vector<std::string> gpus;
    double first = r.wall_s, last = 0;
    unsigned long long peak = 0;
    std::vector<double> busy;
    for (const auto& g : r.gpus) {
      gpus.push_back(gpu_label(g));
      first = std::min(first, g.first_seen_s);
      last = std::max(last, g.last_seen_s);
      peak = std::max(peak, g.peak_tree_memory_bytes);
      if (auto b = busy_percent(r, g)) busy.push_back(*b);
    }
    std::string list;
    for (size_t i = 0; i < gpus.size(); ++i)
      list += (i == 0 ? "" : i + 1 == gpus.size() ? " and " : ", ") + gpus[i];
    // Each sample that saw a context stands for one interval.
    const double held = std::min(r.wall_s, last - first + r.sample_interval_s);
    std::string out = fmt::format("{} used {} for {} of {}", cmd, list, wording::duration(held),
                                  wording::duration(r.wall_s));
    if (peak > 0) out += ", peak " + wording::bytes(peak);
    if (!busy.empty()) {
      out += fmt::format(", busy {:.0f} %",
                         std::accumulate(busy.begin(), busy.end(), 0.0) / busy.size());
    }
    return out;
  }
  std::string out;
  if (r.nvml_watched) {
    out = fmt::format("{} did not use a GPU: no process created a CUDA context", cmd);
  } else {
    const std::string gap = nvml_gap(r);
    out = fmt::format("{} did not use a GPU, as far as ongpu can tell: NVML could not be asked{}",
                      cmd, gap.empty() ? "" : " (" + gap + ")");
  }
  if (auto s = said(r); !s.empty()) out += "; " + s;
  return out;
}

std::string render_run_text(const RunReport& r, const TextStyle& style) {
  std::string out = "ongpu: " + run_summary(r) + "\n";
  if (r.end == run::EndKind::stopped_early) {
    if (r.stop_message && *r.stop_message < r.messages.size()) {
      out += fmt::format("ongpu: stopped it at {}: it fell back to the CPU (--require-gpu=early)\n",
                         wording::duration(r.messages[*r.stop_message].t_s));
    } else {
      out += fmt::format(
          "ongpu: stopped it: no process held a CUDA context within {} (--require-gpu=early, "
          "--grace)\n",
          wording::duration(r.grace_s));
    }
  }
  if (r.root_cause) {
    auto w = finding_words(*r.root_cause);
    out += fmt::format("ongpu: cause ({}): {} [{}]\n", r.root_cause_scope, w.summary,
                       r.root_cause->id);
    for (const auto& fix : w.fix) out += "ongpu:   fix: " + fix + "\n";
  }
  if (!r.used_gpu && !r.root_cause && r.nvml_watched && r.doctor_checked) {
    out +=
        r.doctor_checked->empty()
            ? "ongpu: the doctor finds nothing on this machine that keeps a program off the GPU: "
              "the command did not ask for one\n"
            : fmt::format(
                  "ongpu: the doctor finds nothing that keeps {} off the GPU: the program did "
                  "not ask for one (it never created a CUDA context)\n",
                  *r.doctor_checked);
  }
  // A CUDA library the program really loaded that is not the file the doctor
  // resolved: the static model was wrong for this program.
  for (const auto& p : r.processes) {
    for (const auto& l : p.libraries) {
      if (l.predicted_path.empty() || l.same_as_predicted) continue;
      out += fmt::format("ongpu: note: pid {} loaded {}, where the doctor predicted {}\n", p.pid,
                         l.path, l.predicted_path);
    }
  }
  for (const auto& g : r.gaps) {
    if (r.nvml_watched || g.kind == ObservationGap::Kind::foreign_pids)
      out += "ongpu: note: " + gap_words(g) + "\n";
  }
  if (style.verbose) {
    for (const auto& p : r.processes) {
      out += fmt::format("ongpu:   pid {} {}{}\n", p.pid, one_line(p.command.substr(0, 100)),
                         p.daemonized ? " (left the command's session)" : "");
      for (const auto& g : p.gpus)
        out +=
            fmt::format("ongpu:     GPU {} peak {}\n", g.uuid, wording::bytes(g.peak_memory_bytes));
      for (const auto& l : p.libraries) {
        out += fmt::format("ongpu:     {}{}\n", l.path,
                           l.predicted_path.empty() ? ""
                           : l.same_as_predicted    ? " (as the doctor predicted)"
                                                    : " (not the doctor's prediction)");
      }
    }
  }
  return out;
}

json render_run_json(const RunReport& r) {
  json doc = {{"schema_version", kRunSchemaVersion},
              {"ongpu_version", ONGPU_VERSION},
              {"ongpu_cpu_s", r.sampling_cpu_s},
              {"command", r.command},
              {"summary", run_summary(r)},
              {"used_gpu", r.used_gpu},
              {"gpu_use_observed", r.nvml_watched},
              {"end", enum_string(r.end)},
              {"exit_code", r.exit_code},
              {"command_exit_code", r.command_exit_code},
              {"wall_s", r.wall_s},
              {"sample_interval_s", r.sample_interval_s},
              {"samples", r.samples},
              {"process_samples", r.process_samples}};
  if (r.signal) doc["signal"] = r.signal;
  json gpus = json::array();
  for (const auto& g : r.gpus) {
    json samples = json::array();
    for (const auto& s : g.samples) {
      samples.push_back({{"t_s", s.t_s},
                         {"memory_bytes", s.tree_memory_bytes},
                         {"utilization_percent",
                          s.utilization_percent ? json(*s.utilization_percent) : json(nullptr)}});
    }
    json j = {{"uuid", g.uuid},
              {"nvml_index", g.nvml_index},
              {"cuda_ordinal", g.cuda_ordinal ? json(*g.cuda_ordinal) : json(nullptr)},
              {"name", g.name},
              {"memory_total_bytes", g.memory_total_bytes},
              {"peak_memory_bytes", g.peak_tree_memory_bytes},
              {"first_seen_s", g.first_seen_s},
              {"last_seen_s", g.last_seen_s},
              {"samples", samples}};
    gpus.push_back(j);
  }
  doc["gpus"] = gpus;
  json procs = json::array();
  for (const auto& p : r.processes) {
    json pg = json::array();
    for (const auto& g : p.gpus) {
      json util = json::array();
      for (const auto& u : g.utilization)
        util.push_back({{"t_s", u.t_s}, {"sm_percent", u.sm_percent}});
      pg.push_back({{"uuid", g.uuid},
                    {"peak_memory_bytes", g.peak_memory_bytes},
                    {"first_seen_s", g.first_seen_s},
                    {"last_seen_s", g.last_seen_s},
                    {"utilization", util}});
    }
    json libs = json::array();
    for (const auto& l : p.libraries) {
      json j = {{"path", l.path}, {"kind", l.kind}, {"version", l.version}};
      if (!l.predicted_path.empty()) {
        j["predicted_path"] = l.predicted_path;
        j["same_as_predicted"] = l.same_as_predicted;
      }
      libs.push_back(j);
    }
    json fws = json::array();
    for (auto fw : p.frameworks) fws.push_back(enum_string(fw));
    procs.push_back({{"pid", p.pid},
                     {"ppid", p.ppid},
                     {"command", p.command},
                     {"first_seen_s", p.first_seen_s},
                     {"last_seen_s", p.last_seen_s},
                     {"daemonized", p.daemonized},
                     {"interpreter", p.interpreter},
                     {"frameworks", fws},
                     {"gpus", pg},
                     {"libraries", libs}});
  }
  doc["processes"] = procs;
  doc["processes_truncated"] = r.processes_truncated;
  json messages = json::array();
  for (const auto& m : r.messages)
    messages.push_back({{"t_s", m.t_s}, {"id", m.id}, {"text", m.text}, {"detail", m.detail}});
  doc["messages"] = messages;
  json gaps = json::array();
  for (const auto& g : r.gaps)
    gaps.push_back({{"kind", enum_string(g.kind)}, {"t_s", g.t_s}, {"text", gap_words(g)}});
  doc["not_observed"] = gaps;
  if (r.end == run::EndKind::stopped_early) {
    json stop = {{"grace_s", r.grace_s}};
    if (r.stop_message) stop["message"] = *r.stop_message;
    doc["stopped_early"] = stop;
  }
  if (r.doctor_checked) doc["doctor_checked"] = *r.doctor_checked;
  if (r.root_cause) {
    json cause = finding_to_json(*r.root_cause);
    cause["scope_of_cause"] = r.root_cause_scope;
    doc["root_cause"] = cause;
  }
  return doc;
}

}  // namespace ongpu
