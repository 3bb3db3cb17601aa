// The layout of `ongpu run --timeline`, shared by its parts (run_timeline.cc
// draws the document and its markers, run_timeline_panels.cc a GPU's panel).
// Internal to those files.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

#include "render/svg_text.h"
#include "run/run_report.h"

namespace ongpu::timeline {

// The layout, in SVG user units (pixels at 100 %).
inline constexpr double kWidth = 960;
inline constexpr double kLeft = 72;   // the memory axis and its labels
inline constexpr double kRight = 64;  // the utilisation axis and its labels
inline constexpr double kPlotWidth = kWidth - kLeft - kRight;
inline constexpr double kBandTop =
    80;  // marker labels: a row for start and end, then the messages'
inline constexpr double kRowHeight = 14;
inline constexpr int kMessageRows = 3;
inline constexpr double kPanelsTop = kBandTop + (1 + kMessageRows) * kRowHeight + 8;
inline constexpr double kPanelTitle = 22;  // from a panel's top to its plot
inline constexpr double kPlotHeight = 150;
inline constexpr double kPanelHeight =
    kPanelTitle + kPlotHeight + 36;  // and the time labels, a gap
inline constexpr double kFooter = 26;
// The width of one character of 11 px sans-serif, generous, to keep labels apart.
inline constexpr double kCharWidth = 6.6;
inline constexpr size_t kCommandChars = 110;
inline constexpr size_t kLabelChars = 28;
inline constexpr size_t kEndLabelChars = 60;
inline constexpr size_t kTooltipChars = 2000;
inline constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

// Memory and utilisation differ by colour and by line style (solid over a
// filled area, dashed), start and end (solid) from messages (dotted).
inline constexpr std::string_view kMemoryColour = "#1f77b4";
inline constexpr std::string_view kUtilColour = "#d95f02";
inline constexpr std::string_view kEndColour = "#333333";
inline constexpr std::string_view kMessageColour = "#7b3294";
inline constexpr std::string_view kUtilDash = "7 4";
inline constexpr std::string_view kMessageDash = "2 3";

// The x axis: 0 to the wall time, or to the last sample or message when one
// came later, never an empty span.
struct TimeAxis {
  double span = 1;
  double step = 1;
  int decimals = 0;
  double x(double t) const {
    return kLeft + std::clamp(svg::finite(t), 0.0, span) / span * kPlotWidth;
  }
};

// The command as one line (its arguments joined).
std::string command_line(const run::RunReport& r);

// One GPU's panel at `top`: its title, the tree's memory and the GPU's
// utilisation over time.
void gpu_panel(svg::Out out, const run::GpuUse& g, const TimeAxis& time, double top);
// The panel in place of GPUs when the command used none: why, and what was not observed.
void no_gpu_panel(svg::Out out, const run::RunReport& r, const TimeAxis& time, double top);

}  // namespace ongpu::timeline
