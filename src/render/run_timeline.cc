#include "render/run_timeline.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <numeric>
#include <string_view>
#include <system_error>
#include <vector>

#include "render/finding_words.h"
#include "render/run_words.h"
#include "util/strings.h"

namespace ongpu {
namespace {

// The layout, in SVG user units (pixels at 100 %).
constexpr double kWidth = 960;
constexpr double kLeft = 72;   // the memory axis and its labels
constexpr double kRight = 64;  // the utilisation axis and its labels
constexpr double kPlotWidth = kWidth - kLeft - kRight;
constexpr double kBandTop = 80;  // marker labels: a row for start and end, then the messages'
constexpr double kRowHeight = 14;
constexpr int kMessageRows = 3;
constexpr double kPanelsTop = kBandTop + (1 + kMessageRows) * kRowHeight + 8;
constexpr double kPanelTitle = 22;  // from a panel's top to its plot
constexpr double kPlotHeight = 150;
constexpr double kPanelHeight = kPanelTitle + kPlotHeight + 36;  // and the time labels, a gap
constexpr double kFooter = 26;
// The width of one character of 11 px sans-serif, generous, to keep labels apart.
constexpr double kCharWidth = 6.6;
constexpr size_t kCommandChars = 110;
constexpr size_t kLabelChars = 28;
constexpr size_t kEndLabelChars = 60;
constexpr size_t kTooltipChars = 2000;
constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

// Memory and utilisation differ by colour and by line style (solid over a
// filled area, dashed), start and end (solid) from messages (dotted).
constexpr std::string_view kMemoryColour = "#1f77b4";
constexpr std::string_view kUtilColour = "#d95f02";
constexpr std::string_view kEndColour = "#333333";
constexpr std::string_view kMessageColour = "#7b3294";
constexpr std::string_view kUtilDash = "7 4";
constexpr std::string_view kMessageDash = "2 3";

double finite(double v, double fallback = 0) { return std::isfinite(v) ? v : fallback; }

// A coordinate: fixed precision, never "nan" or "inf".
std::string num(double v) { return fmt::format("{:.1f}", finite(v)); }

// Text from the command, its output or the driver, made an XML 1.0 character
// sequence (§2.2) and escaped: a NUL, a control character or invalid UTF-8
// becomes "?" (sanitize_text, which would end at a NUL, so NULs go first),
// a newline or a tab a space, the noncharacters U+FFFE and U+FFFF (not XML
// characters) "?" too. At most `max_chars` characters, the last one "…".
std::string xml_text(std::string_view s, size_t max_chars = kTooltipChars) {
  std::string raw(s);
  std::replace(raw.begin(), raw.end(), '\0', '?');
  const std::string clean = one_line(raw);
  auto is_lead = [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; };
  const auto chars = static_cast<size_t>(std::count_if(clean.begin(), clean.end(), is_lead));
  std::string out;
  out.reserve(clean.size());
  size_t count = 0;
  for (size_t i = 0; i < clean.size();) {
    size_t len = 1;
    while (i + len < clean.size() && !is_lead(clean[i + len])) ++len;
    if (chars > max_chars && count + 1 == max_chars) {
      out += "…";
      break;
    }
    const std::string_view ch(clean.data() + i, len);
    if (ch == "&") {
      out += "&amp;";
    } else if (ch == "<") {
      out += "&lt;";
    } else if (ch == ">") {
      out += "&gt;";
    } else if (ch == "\"") {
      out += "&quot;";
    } else if (ch == "'") {
      out += "&apos;";
    } else if (ch == "\xef\xbf\xbe" || ch == "\xef\xbf\xbf") {
      out += '?';
    } else {
      out += ch;
    }
    ++count;
    i += len;
  }
  return out;
}

// 1, 2 or 5 × 10^k, the smallest not below `raw`.
double nice_step(double raw) {
  if (!std::isfinite(raw) || raw <= 0) return 1;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0}) {
    if (m * power >= raw * (1 - 1e-9)) return m * power;
  }
  return 10 * power;
}

// A time tick step: 1, 2 or 5 × 10^k seconds up to ten seconds, then steps a
// clock reads (15 s … 30 min, 1 h … 24 h), then 1, 2 or 5 × 10^k days.
double time_step(double raw) {
  if (raw <= 10) return nice_step(raw);
  for (double s : {15.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0,
                   10800.0, 21600.0, 43200.0, 86400.0}) {
    if (s >= raw) return s;
  }
  return 86400 * nice_step(raw / 86400);
}

// Digits after the point that a multiple of `step` needs.
int decimals_for(double step) {
  if (step >= 1) return 0;
  return std::clamp(static_cast<int>(std::ceil(-std::log10(step) - 1e-9)), 0, 9);
}

// A time since the start: seconds below a minute ("0.5s", "42s"), then
// "1m30s", "2m", "1h5m", "1h0m30s". One form for ticks, markers and header.
std::string duration(double s, int decimals) {
  s = std::clamp(finite(s), 0.0, 1e9);
  if (s < 60) return fmt::format("{:.{}f}s", s, decimals);
  const long long total = std::llround(s);
  const long long h = total / 3600;
  const long long m = total % 3600 / 60;
  const long long sec = total % 60;
  std::string out = h > 0 ? fmt::format("{}h", h) : "";
  if (m > 0 || (h > 0 && sec > 0)) out += fmt::format("{}m", m);
  if (sec > 0) out += fmt::format("{}s", sec);
  return out;
}

std::string command_line(const run::RunReport& r) {
  std::string out;
  for (const auto& arg : r.command) {
    if (!out.empty()) out += ' ';
    out += shell_quote(arg);
  }
  return out;
}

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
      return fmt::format("stopped by ongpu: no CUDA context within {}", duration(r.grace_s, 1));
  }
  return "ended";
}

// The end marker's tooltip: the label, and what it names in full.
std::string end_tooltip(const run::RunReport& r) {
  std::string out = fmt::format("end at {}: {}", duration(r.wall_s, 2), end_words(r));
  if (r.end == run::EndKind::not_started && r.start_errno != 0) {
    out += fmt::format(" ({})", std::system_category().message(r.start_errno));
  }
  if (r.end == run::EndKind::stopped_early && r.stop_message &&
      *r.stop_message < r.messages.size()) {
    out += fmt::format(" ({})", r.messages[*r.stop_message].text);
  }
  return out;
}

std::string gib(double bytes, int decimals) {
  return fmt::format("{:.{}f}", finite(bytes) / kGiB, decimals);
}

// The x axis: 0 to the wall time, or to the last sample or message when one
// came later, never an empty span.
struct TimeAxis {
  double span = 1;
  double step = 1;
  int decimals = 0;
  double x(double t) const { return kLeft + std::clamp(finite(t), 0.0, span) / span * kPlotWidth; }
};

TimeAxis time_axis(const run::RunReport& r) {
  double end = finite(r.wall_s);
  for (const auto& g : r.gpus) {
    for (const auto& s : g.samples) end = std::max(end, finite(s.t_s));
  }
  for (const auto& m : r.messages) end = std::max(end, finite(m.t_s));
  TimeAxis axis;
  axis.span = std::clamp(end, 0.1, 1e9);
  axis.step = time_step(axis.span / 8);
  axis.decimals = decimals_for(axis.step);
  return axis;
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
  const double step_gib = nice_step(top / kGiB / 4);
  axis.step_bytes = step_gib * kGiB;
  axis.decimals = decimals_for(step_gib);
  axis.max_bytes = axis.total_known ? top : std::ceil(top / axis.step_bytes) * axis.step_bytes;
  return axis;
}

using Out = std::back_insert_iterator<std::string>;

void text(Out out, double x, double y, std::string_view attrs, std::string_view escaped) {
  fmt::format_to(out, "<text x=\"{}\" y=\"{}\" {}>{}</text>\n", num(x), num(y), attrs, escaped);
}

void line(Out out, double x1, double y1, double x2, double y2, std::string_view attrs) {
  fmt::format_to(out, "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" {}/>\n", num(x1), num(y1),
                 num(x2), num(y2), attrs);
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
         duration(t, axis.decimals));
  }
}

void gpu_panel(Out out, const run::GpuUse& g, const TimeAxis& time, double top) {
  std::string title = fmt::format("GPU {} · {} · {}", g.nvml_index, g.name, g.uuid);
  if (g.cuda_ordinal) title += fmt::format(" · CUDA {}", *g.cuda_ordinal);
  text(out, kLeft, top + 14, "class=\"panel-title\" font-size=\"12\" font-weight=\"bold\"",
       xml_text(title, 120));
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
  lines.push_back("command: " + xml_text(command_line(r), kCommandChars));
  if (r.root_cause) {
    const auto scope = r.root_cause_scope.empty() ? std::string("the machine") : r.root_cause_scope;
    lines.push_back(xml_text(
        fmt::format("why ({}): {}", scope, finding_words(*r.root_cause).summary), kCommandChars));
  }
  for (const auto& gap : r.gaps) {
    if (lines.size() >= 7) break;
    lines.push_back(xml_text("not observed: " + gap_words(gap), kCommandChars));
  }
  for (size_t i = 0; i < lines.size(); ++i) {
    text(out, kLeft + kPlotWidth / 2, plot_top + 28 + static_cast<double>(i) * 17,
         fmt::format("class=\"no-gpu\" font-size=\"{}\" text-anchor=\"middle\"", i == 0 ? 13 : 11),
         lines[i]);
  }
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
  Label end_label{xml_text(end_text, kEndLabelChars), x_end - 3, row0, true};
  const double start_right = x0 + 3 + label_width("start") + 8;
  if (end_label.x - label_width(end_label.text) < start_right) {
    end_label.x = std::max(x_end + 3, start_right);
    end_label.anchor_end = false;
  }
  marker(out, "end", x_end, panels, end_style, xml_text(end_tooltip(r)), end_label);

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
        xml_text(dot == std::string::npos ? m.id : m.id.substr(dot + 1), kLabelChars);
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
    std::string tooltip = fmt::format("{} at {}: {}", m.id, duration(m.t_s, 2), m.text);
    if (!m.detail.empty()) tooltip += fmt::format(" ({})", m.detail);
    if (row < 0) ++hidden;
    if (row >= 0) row_right[row] = left + width;
    Label label;
    if (row >= 0)
      label = {short_id, anchor_end ? x - 3 : x + 3, row0 + (row + 1) * kRowHeight, anchor_end};
    marker(out, "message", x, panels, style, xml_text(tooltip), label);
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

std::string render_run_timeline_svg(const run::RunReport& report) {
  const TimeAxis time = time_axis(report);
  const size_t panels = std::max<size_t>(report.gpus.size(), 1);
  const double height = kPanelsTop + static_cast<double>(panels) * kPanelHeight + kFooter;
  const auto command = xml_text(command_line(report), kCommandChars);

  std::string svg;
  auto out = std::back_inserter(svg);
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
      fmt::format("wall time {} · {}", duration(report.wall_s, 1), end_words(report));
  summary += fmt::format(" · {} GPU{} · {} framework message{}", report.gpus.size(),
                         report.gpus.size() == 1 ? "" : "s", report.messages.size(),
                         report.messages.size() == 1 ? "" : "s");
  if (report.samples > 0) {
    summary += fmt::format(" · {} samples, every {:.2f}s", report.samples,
                           finite(report.sample_interval_s));
  }
  text(out, kLeft, 44, "class=\"summary\" font-size=\"12\"", xml_text(summary, 160));
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
  return svg;
}

}  // namespace ongpu
