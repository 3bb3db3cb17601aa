#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "render/chart_scale.h"
#include "render/finding_words.h"
#include "render/run_timeline_layout.h"
#include "render/run_words.h"

namespace ongpu::timeline {
namespace {

using svg::finite;
using svg::line;
using svg::num;
using svg::Out;
using svg::text;

std::string gib(double bytes, int decimals) {
  return fmt::format("{:.{}f}", finite(bytes) / kGiB, decimals);
}

// The left axis of one GPU: up to its total memory when known, else a nice
// value above the command's peak.
struct MemoryAxis {
  double max_bytes = kGiB;
  double step_bytes = kGiB / 4;
  int decimals = 2;
  bool total_known = false;
};

MemoryAxis memory_axis(const run::GpuUse& g) {
  MemoryAxis axis;
  double peak = static_cast<double>(g.peak_tree_memory_bytes);
  for (const auto& s : g.samples) peak = std::max(peak, static_cast<double>(s.tree_memory_bytes));
  axis.total_known = g.memory_total_bytes > 0;
  const double top = axis.total_known ? static_cast<double>(g.memory_total_bytes)
                     : peak > 0       ? peak
                                      : kGiB;
  const double step_gib = chart::nice_step(top / kGiB / 4);
  axis.step_bytes = step_gib * kGiB;
  axis.decimals = chart::decimals_for(step_gib);
  axis.max_bytes = axis.total_known ? top : std::ceil(top / axis.step_bytes) * axis.step_bytes;
  return axis;
}

// The frame, the time grid and its labels under the plot.
void plot_frame(Out out, const TimeAxis& axis, double top) {
  const double bottom = top + kPlotHeight;
  fmt::format_to(out,
                 "<rect class=\"plot\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" "
                 "fill=\"#ffffff\" stroke=\"#999999\"/>\n",
                 num(kLeft), num(top), num(kPlotWidth), num(kPlotHeight));
  for (int i = 0; i <= 200; ++i) {
    const double t = i * axis.step;
    if (t > axis.span * (1 + 1e-9)) break;
    const double x = axis.x(t);
    line(out, x, top, x, bottom, "stroke=\"#e5e5e5\"");
    text(out, x, bottom + 13, "class=\"tick time\" font-size=\"10\" text-anchor=\"middle\"",
         chart::duration(t, axis.decimals));
  }
}

}  // namespace

void gpu_panel(Out out, const run::GpuUse& g, const TimeAxis& time, double top) {
  std::string title = fmt::format("GPU {} · {} · {}", g.nvml_index, g.name, g.uuid);
  if (g.cuda_ordinal) title += fmt::format(" · CUDA {}", *g.cuda_ordinal);
  text(out, kLeft, top + 14, "class=\"panel-title\" font-size=\"12\" font-weight=\"bold\"",
       svg::xml_text(title, 120));
  const double plot_top = top + kPanelTitle;
  const double bottom = plot_top + kPlotHeight;
  const MemoryAxis mem = memory_axis(g);
  const auto peak = static_cast<double>(g.peak_tree_memory_bytes);
  auto peak_words = fmt::format("peak {} GiB", gib(peak, peak < kGiB ? 2 : 1));
  if (mem.total_known) peak_words += fmt::format(" of {} GiB", gib(mem.max_bytes, 1));
  text(out, kLeft + kPlotWidth, top + 14,
       "class=\"panel-peak\" font-size=\"11\" text-anchor=\"end\"", peak_words);

  plot_frame(out, time, plot_top);
  auto mem_y = [&](double bytes) {
    return bottom - std::clamp(bytes / mem.max_bytes, 0.0, 1.0) * kPlotHeight;
  };
  for (int i = 0; i <= 50; ++i) {
    const double bytes = i * mem.step_bytes;
    if (bytes > mem.max_bytes * (1 + 1e-9)) break;
    const double y = mem_y(bytes);
    if (i > 0) line(out, kLeft, y, kLeft + kPlotWidth, y, "stroke=\"#eeeeee\"");
    text(out, kLeft - 4, y + 3, "class=\"tick memory\" font-size=\"10\" text-anchor=\"end\"",
         gib(bytes, mem.decimals));
    // The total when it is no tick of its own (79.6 GiB over ticks of 20).
    const double next = (i + 1) * mem.step_bytes;
    if (mem.total_known && next > mem.max_bytes * (1 + 1e-9) &&
        mem.max_bytes - bytes > 0.4 * mem.step_bytes) {
      text(out, kLeft - 4, mem_y(mem.max_bytes) + 3,
           "class=\"tick memory\" font-size=\"10\" text-anchor=\"end\"", gib(mem.max_bytes, 1));
    }
  }
  const double middle = plot_top + kPlotHeight / 2;
  text(out, 16, middle,
       fmt::format("class=\"axis-title\" font-size=\"11\" text-anchor=\"middle\" "
                   "transform=\"rotate(-90 16 {})\"",
                   num(middle)),
       "memory (GiB)");
  for (int pct = 0; pct <= 100; pct += 25) {
    const double y = bottom - pct / 100.0 * kPlotHeight;
    text(out, kLeft + kPlotWidth + 4, y + 3, "class=\"tick utilization\" font-size=\"10\"",
         fmt::format("{}%", pct));
  }
  text(out, kWidth - 12, middle,
       fmt::format("class=\"axis-title\" font-size=\"11\" text-anchor=\"middle\" "
                   "transform=\"rotate(90 {} {})\"",
                   num(kWidth - 12), num(middle)),
       "utilisation (%)");

  // Memory: one point per sample (with a time), over a filled area.
  std::string points;
  size_t n = 0;
  double first_x = 0;
  double last_x = 0;
  for (const auto& s : g.samples) {
    if (!std::isfinite(s.t_s)) continue;
    const double x = time.x(s.t_s);
    if (n == 0) first_x = x;
    last_x = x;
    fmt::format_to(std::back_inserter(points), "{}{},{}", n == 0 ? "" : " ", num(x),
                   num(mem_y(static_cast<double>(s.tree_memory_bytes))));
    ++n;
  }
  if (n > 0) {
    fmt::format_to(out,
                   "<polygon class=\"memory-area\" points=\"{},{} {} {},{}\" fill=\"{}\" "
                   "fill-opacity=\"0.2\" stroke=\"none\"/>\n",
                   num(first_x), num(bottom), points, num(last_x), num(bottom), kMemoryColour);
    fmt::format_to(out,
                   "<polyline class=\"memory\" points=\"{}\" fill=\"none\" stroke=\"{}\" "
                   "stroke-width=\"2\" stroke-linejoin=\"round\"/>\n",
                   points, kMemoryColour);
  }

  // Utilisation: a sample without a reading ends the line; the next one
  // with a reading starts another, so that a gap is never drawn as 0 %.
  std::vector<std::pair<double, double>> segment;
  auto flush = [&] {
    if (segment.empty()) return;
    std::string pts;
    for (const auto& [x, y] : segment) {
      fmt::format_to(std::back_inserter(pts), "{}{},{}", pts.empty() ? "" : " ", num(x), num(y));
    }
    fmt::format_to(out,
                   "<polyline class=\"utilization\" points=\"{}\" fill=\"none\" stroke=\"{}\" "
                   "stroke-width=\"1.5\" stroke-dasharray=\"{}\"/>\n",
                   pts, kUtilColour, kUtilDash);
    // A lone reading draws no line: a dot shows it.
    if (segment.size() == 1) {
      fmt::format_to(
          out, "<circle class=\"utilization-point\" cx=\"{}\" cy=\"{}\" r=\"2\" fill=\"{}\"/>\n",
          num(segment[0].first), num(segment[0].second), kUtilColour);
    }
    segment.clear();
  };
  for (const auto& s : g.samples) {
    if (!std::isfinite(s.t_s)) continue;
    if (!s.utilization_percent) {
      flush();
      continue;
    }
    const double pct = std::min(*s.utilization_percent, 100u);
    segment.emplace_back(time.x(s.t_s), bottom - pct / 100.0 * kPlotHeight);
  }
  flush();
}

void no_gpu_panel(Out out, const run::RunReport& r, const TimeAxis& time, double top) {
  text(out, kLeft, top + 14, "class=\"panel-title\" font-size=\"12\" font-weight=\"bold\"",
       "No GPU");
  const double plot_top = top + kPanelTitle;
  plot_frame(out, time, plot_top);
  std::vector<std::string> lines;
  lines.push_back(r.used_gpu       ? "The command used a GPU, but no sample of it was recorded."
                  : r.nvml_watched ? "No process of the command used a GPU."
                                   : "No process of the command was seen using a GPU: NVML was "
                                     "not watched.");
  lines.push_back("command: " + svg::xml_text(command_line(r), kCommandChars));
  if (r.root_cause) {
    const auto scope = r.root_cause_scope.empty() ? std::string("the machine") : r.root_cause_scope;
    lines.push_back(svg::xml_text(
        fmt::format("why ({}): {}", scope, finding_words(*r.root_cause).summary), kCommandChars));
  }
  for (const auto& gap : r.gaps) {
    if (lines.size() >= 7) break;
    lines.push_back(svg::xml_text("not observed: " + gap_words(gap), kCommandChars));
  }
  for (size_t i = 0; i < lines.size(); ++i) {
    text(out, kLeft + kPlotWidth / 2, plot_top + 28 + static_cast<double>(i) * 17,
         fmt::format("class=\"no-gpu\" font-size=\"{}\" text-anchor=\"middle\"", i == 0 ? 13 : 11),
         lines[i]);
  }
}

// The width a label of escaped text takes, about: its characters (an

}  // namespace ongpu::timeline
