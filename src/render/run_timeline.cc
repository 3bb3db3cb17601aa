#include "render/run_timeline.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <numeric>
#include <string_view>
#include <system_error>
#include <vector>

#include "render/chart_scale.h"
#include "render/finding_words.h"
#include "render/run_timeline_layout.h"
#include "render/run_words.h"
#include "render/svg_text.h"
#include "util/strings.h"

namespace ongpu {
namespace timeline {

std::string command_line(const run::RunReport& r) {
  std::string out;
  for (const auto& arg : r.command) {
    if (!out.empty()) out += ' ';
    out += shell_quote(arg);
  }
  return out;
}

namespace {

using svg::finite;
using svg::line;
using svg::num;
using svg::Out;
using svg::text;

// How the command ended, for the end marker's label. A fallback line that
// stopped the command is named by its id; the tooltip has its text.
std::string end_words(const run::RunReport& r) {
  switch (r.end) {
    case run::EndKind::exited:
      return fmt::format("exited {}", r.command_exit_code);
    case run::EndKind::signaled:
      return fmt::format("killed by signal {}", r.signal);
    case run::EndKind::not_started:
      return "not started";
    case run::EndKind::stopped_early:
      if (r.stop_message && *r.stop_message < r.messages.size()) {
        return "stopped by ongpu: " + r.messages[*r.stop_message].id;
      }
      return fmt::format("stopped by ongpu: no CUDA context within {}",
                         chart::duration(r.grace_s, 1));
  }
  return "ended";
}

// The end marker's tooltip: the label, and what it names in full.
std::string end_tooltip(const run::RunReport& r) {
  std::string out = fmt::format("end at {}: {}", chart::duration(r.wall_s, 2), end_words(r));
  if (r.end == run::EndKind::not_started && r.start_errno != 0) {
    out += fmt::format(" ({})", std::system_category().message(r.start_errno));
  }
  if (r.end == run::EndKind::stopped_early && r.stop_message &&
      *r.stop_message < r.messages.size()) {
    out += fmt::format(" ({})", r.messages[*r.stop_message].text);
  }
  return out;
}

// The time axis that holds all of this report.
TimeAxis time_axis(const run::RunReport& r) {
  double end = finite(r.wall_s);
  for (const auto& g : r.gpus) {
    for (const auto& s : g.samples) end = std::max(end, finite(s.t_s));
  }
  for (const auto& m : r.messages) end = std::max(end, finite(m.t_s));
  TimeAxis axis;
  axis.span = std::clamp(end, 0.1, 1e9);
  axis.step = chart::time_step(axis.span / 8);
  axis.decimals = chart::decimals_for(axis.step);
  return axis;
}

// The width a label of escaped text takes, about: its characters (an
// entity counts as several, which errs on the wide side).
double label_width(std::string_view escaped) {
  return static_cast<double>(
             std::count_if(escaped.begin(), escaped.end(),
                           [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; })) *
         kCharWidth;
}

struct Label {
  std::string text;  // escaped; "" for none
  double x = 0;
  double y = 0;
  bool anchor_end = false;
};

double plot_top(size_t panel) {
  return kPanelsTop + static_cast<double>(panel) * kPanelHeight + kPanelTitle;
}

// One vertical marker at `x`: a line in each of the `panels` plots (not over
// their titles and time labels), one from its label down to the band's
// bottom, a wide invisible line over all to hover, its tooltip and label.
void marker(Out out, std::string_view kind, double x, size_t panels, std::string_view style,
            std::string_view tooltip, const Label& label) {
  fmt::format_to(out, "<g class=\"marker {}\">\n<title>{}</title>\n", kind, tooltip);
  const double top = label.text.empty() ? kPanelsTop : label.y - 10;
  if (!label.text.empty()) line(out, x, top, x, kPanelsTop - 4, style);
  for (size_t p = 0; p < panels; ++p)
    line(out, x, plot_top(p), x, plot_top(p) + kPlotHeight, style);
  line(out, x, top, x, plot_top(panels - 1) + kPlotHeight,
       "stroke=\"#000000\" stroke-opacity=\"0\" stroke-width=\"7\" pointer-events=\"stroke\"");
  if (!label.text.empty()) {
    text(out, label.x, label.y,
         fmt::format("class=\"marker-label\" font-size=\"11\" text-anchor=\"{}\"",
                     label.anchor_end ? "end" : "start"),
         label.text);
  }
  fmt::format_to(out, "</g>\n");
}

// Start, end and one marker per message. Message labels go in the first of
// kMessageRows rows where they overlap no other label; one that fits in none
// is left out (its marker and tooltip stay). Returns how many were left out.
size_t markers(Out out, const run::RunReport& r, const TimeAxis& time, size_t panels) {
  const auto end_style = fmt::format("stroke=\"{}\" stroke-width=\"1.5\"", kEndColour);
  const double row0 = kBandTop + kRowHeight - 3;
  const double x0 = time.x(0);
  marker(out, "start", x0, panels, end_style, "start: 0s", {"start", x0 + 3, row0, false});

  // The end's label left of its line; right of the start's label when the
  // command ended too soon for that.
  const double x_end = time.x(r.wall_s);
  const auto end_text = end_words(r);
  Label end_label{svg::xml_text(end_text, kEndLabelChars), x_end - 3, row0, true};
  const double start_right = x0 + 3 + label_width("start") + 8;
  if (end_label.x - label_width(end_label.text) < start_right) {
    end_label.x = std::max(x_end + 3, start_right);
    end_label.anchor_end = false;
  }
  marker(out, "end", x_end, panels, end_style, svg::xml_text(end_tooltip(r), kTooltipChars),
         end_label);

  std::vector<size_t> order(r.messages.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return finite(r.messages[a].t_s) < finite(r.messages[b].t_s);
  });
  const auto style =
      fmt::format("stroke=\"{}\" stroke-width=\"1\" stroke-opacity=\"0.7\" stroke-dasharray=\"{}\"",
                  kMessageColour, kMessageDash);
  std::vector<double> row_right(kMessageRows, -1e9);
  size_t hidden = 0;
  for (size_t i : order) {
    const auto& m = r.messages[i];
    const double x = time.x(m.t_s);
    // The id's last part is the label: "tf_library_not_loaded".
    const auto dot = m.id.rfind('.');
    const auto short_id =
        svg::xml_text(dot == std::string::npos ? m.id : m.id.substr(dot + 1), kLabelChars);
    const double width = label_width(short_id);
    const bool anchor_end = x + 3 + width > kWidth - 4;
    const double left = anchor_end ? x - 3 - width : x + 3;
    int row = -1;
    for (int k = 0; k < kMessageRows; ++k) {
      if (left > row_right[k] + 6) {
        row = k;
        break;
      }
    }
    std::string tooltip = fmt::format("{} at {}: {}", m.id, chart::duration(m.t_s, 2), m.text);
    if (!m.detail.empty()) tooltip += fmt::format(" ({})", m.detail);
    if (row < 0) ++hidden;
    if (row >= 0) row_right[row] = left + width;
    Label label;
    if (row >= 0)
      label = {short_id, anchor_end ? x - 3 : x + 3, row0 + (row + 1) * kRowHeight, anchor_end};
    marker(out, "message", x, panels, style, svg::xml_text(tooltip, kTooltipChars), label);
  }
  return hidden;
}

void legend(Out out, double y) {
  double x = kLeft;
  auto item = [&](std::string_view swatch, std::string_view words) {
    fmt::format_to(out, "{}", swatch);
    text(out, x + 30, y + 4, "font-size=\"11\"", words);
    x += 30 + static_cast<double>(words.size()) * 6.0 + 18;
  };
  fmt::format_to(out, "<g class=\"legend\">\n");
  item(fmt::format("<rect x=\"{}\" y=\"{}\" width=\"24\" height=\"8\" fill=\"{}\" "
                   "fill-opacity=\"0.2\"/>\n<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" "
                   "stroke=\"{}\" stroke-width=\"2\"/>\n",
                   num(x), num(y - 4), kMemoryColour, num(x), num(y - 4), num(x + 24), num(y - 4),
                   kMemoryColour),
       "memory of the command (GiB, left, solid)");
  item(fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" "
                   "stroke-width=\"1.5\" stroke-dasharray=\"{}\"/>\n",
                   num(x), num(y), num(x + 24), num(y), kUtilColour, kUtilDash),
       "GPU utilisation (%, right, dashed)");
  item(fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" "
                   "stroke-width=\"1.5\"/>\n",
                   num(x + 12), num(y - 6), num(x + 12), num(y + 6), kEndColour),
       "start, end");
  item(fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" "
                   "stroke-dasharray=\"{}\"/>\n",
                   num(x + 12), num(y - 6), num(x + 12), num(y + 6), kMessageColour, kMessageDash),
       "framework message (hover: its text)");
  fmt::format_to(out, "</g>\n");
}

}  // namespace

std::string render(const run::RunReport& report) {
  const TimeAxis time = time_axis(report);
  const size_t panels = std::max<size_t>(report.gpus.size(), 1);
  const double height = kPanelsTop + static_cast<double>(panels) * kPanelHeight + kFooter;
  const auto command = svg::xml_text(command_line(report), kCommandChars);

  std::string doc;
  auto out = std::back_inserter(doc);
  fmt::format_to(out,
                 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{0}\" "
                 "height=\"{1}\" viewBox=\"0 0 {0} {1}\" font-family=\"sans-serif\">\n"
                 "<title>ongpu run: {2}</title>\n"
                 "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n",
                 num(kWidth), num(height), command);
  text(out, kLeft, 24, "class=\"header\" font-size=\"15\" font-weight=\"bold\"",
       "ongpu run: " + command);
  std::string summary =
      fmt::format("wall time {} · {}", chart::duration(report.wall_s, 1), end_words(report));
  summary += fmt::format(" · {} GPU{} · {} framework message{}", report.gpus.size(),
                         report.gpus.size() == 1 ? "" : "s", report.messages.size(),
                         report.messages.size() == 1 ? "" : "s");
  if (report.samples > 0) {
    summary += fmt::format(" · {} samples, every {:.2f}s", report.samples,
                           finite(report.sample_interval_s));
  }
  text(out, kLeft, 44, "class=\"summary\" font-size=\"12\"", svg::xml_text(summary, 160));
  legend(out, 64);

  if (report.gpus.empty()) {
    no_gpu_panel(out, report, time, kPanelsTop);
  }
  for (size_t i = 0; i < report.gpus.size(); ++i) {
    fmt::format_to(out, "<g class=\"panel gpu\">\n");
    gpu_panel(out, report.gpus[i], time, kPanelsTop + static_cast<double>(i) * kPanelHeight);
    fmt::format_to(out, "</g>\n");
  }
  const size_t hidden = markers(out, report, time, panels);
  if (hidden > 0) {
    text(out, kLeft, height - 8, "class=\"hidden-labels\" font-size=\"11\"",
         fmt::format("{} of {} message labels left out where markers crowd; hover a marker for "
                     "its message",
                     hidden, report.messages.size()));
  }
  fmt::format_to(out, "</svg>\n");
  return doc;
}

}  // namespace timeline

std::string render_run_timeline_svg(const run::RunReport& report) {
  return timeline::render(report);
}

}  // namespace ongpu
