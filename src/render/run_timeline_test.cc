#include "render/run_timeline.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cmath>
#include <limits>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "render/finding_words.h"
#include "rules/catalog.h"
#include "util/strings.h"

namespace ongpu {
namespace {

using run::EndKind;
using run::GpuSample;
using run::GpuUse;
using run::RunMessage;
using run::RunReport;

constexpr unsigned long long kGiB = 1ull << 30;

// An XML 1.0 well-formedness check of what the renderer writes (there is no
// XML library in the project): the declaration, one root element, balanced
// tags, double-quoted attributes without duplicates, no raw '<' or '>' in a
// value or text, '&' only in an entity, valid UTF-8 without control
// characters or the noncharacters U+FFFE and U+FFFF. "" when it is well
// formed, else what is wrong and where.
std::string xml_problem(const std::string& doc) {
  if (sanitize_text(doc) != doc) return "invalid UTF-8 or a control character";
  if (doc.find("\xef\xbf\xbe") != std::string::npos ||
      doc.find("\xef\xbf\xbf") != std::string::npos) {
    return "U+FFFE or U+FFFF";
  }
  const std::string decl = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  if (doc.rfind(decl, 0) != 0) return "no XML declaration";
  static const std::regex entity("^&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);");
  auto check_chars = [&](std::string_view s) -> std::string {
    for (size_t k = 0; k < s.size(); ++k) {
      if (s[k] == '<' || s[k] == '>') return "raw < or > in \"" + std::string(s) + "\"";
      if (s[k] == '&' && !std::regex_search(std::string(s.substr(k, 12)), entity)) {
        return "raw & in \"" + std::string(s) + "\"";
      }
    }
    return "";
  };
  auto is_name = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; };
  std::vector<std::string> open;
  int roots = 0;
  size_t i = decl.size();
  while (i < doc.size()) {
    if (doc[i] != '<') {
      const size_t end = std::min(doc.find('<', i), doc.size());
      const std::string_view t(doc.data() + i, end - i);
      if (open.empty() && t.find_first_not_of(" \n") != std::string_view::npos) {
        return "text outside the root";
      }
      if (auto p = check_chars(t); !p.empty()) return p;
      i = end;
      continue;
    }
    const bool closing = doc.compare(i, 2, "</") == 0;
    size_t k = i + (closing ? 2 : 1);
    const size_t name_start = k;
    while (k < doc.size() && is_name(doc[k])) ++k;
    const std::string name = doc.substr(name_start, k - name_start);
    if (name.empty()) return "a tag without a name at " + std::to_string(i);
    if (closing) {
      if (k >= doc.size() || doc[k] != '>') return "bad end tag " + name;
      if (open.empty() || open.back() != name) return "unbalanced </" + name + ">";
      open.pop_back();
      i = k + 1;
      continue;
    }
    if (open.empty() && roots++ > 0) return "a second root element";
    std::set<std::string> attrs;
    while (true) {
      while (k < doc.size() && doc[k] == ' ') ++k;
      if (k >= doc.size()) return "unterminated <" + name;
      if (doc.compare(k, 2, "/>") == 0) {
        i = k + 2;
        break;
      }
      if (doc[k] == '>') {
        open.push_back(name);
        i = k + 1;
        break;
      }
      const size_t a = k;
      while (k < doc.size() && is_name(doc[k])) ++k;
      const std::string attr = doc.substr(a, k - a);
      if (attr.empty() || doc.compare(k, 2, "=\"") != 0) return "unquoted attribute in <" + name;
      if (!attrs.insert(attr).second) return "duplicate " + attr + " in <" + name;
      const size_t value_end = doc.find('"', k + 2);
      if (value_end == std::string::npos) return "unterminated value in <" + name;
      if (auto p = check_chars(std::string_view(doc).substr(k + 2, value_end - k - 2));
          !p.empty()) {
        return p;
      }
      k = value_end + 1;
      if (k < doc.size() && doc[k] != ' ' && doc[k] != '>' && doc[k] != '/') {
        return "no space after an attribute in <" + name;
      }
    }
  }
  if (!open.empty()) return "unclosed <" + open.back() + ">";
  if (roots != 1) return "no root element";
  return "";
}

struct Element {
  std::string tag;
  std::map<std::string, std::string> attrs;
  std::string text;  // for <text> and <title>: its content
};

// Every element with this tag (and class, when given), in document order.
std::vector<Element> elements(const std::string& doc, const std::string& tag,
                              const std::string& cls = "") {
  std::vector<Element> out;
  const std::regex start("<" + tag + "((?: [A-Za-z0-9-]+=\"[^\"]*\")*) ?/?>");
  const std::regex attr(" ([A-Za-z0-9-]+)=\"([^\"]*)\"");
  for (auto it = std::sregex_iterator(doc.begin(), doc.end(), start); it != std::sregex_iterator();
       ++it) {
    Element e{tag, {}, ""};
    const std::string attrs = (*it)[1];
    for (auto a = std::sregex_iterator(attrs.begin(), attrs.end(), attr);
         a != std::sregex_iterator(); ++a) {
      e.attrs[(*a)[1]] = (*a)[2];
    }
    if (!cls.empty() && e.attrs["class"] != cls) continue;
    const auto after = static_cast<size_t>(it->position() + it->length());
    if (doc[after - 2] != '/') {
      e.text = doc.substr(after, doc.find("</" + tag + ">", after) - after);
    }
    out.push_back(e);
  }
  return out;
}

std::vector<std::string> texts(const std::string& doc, const std::string& cls) {
  std::vector<std::string> out;
  for (const auto& e : elements(doc, "text", cls)) out.push_back(e.text);
  return out;
}

std::vector<std::pair<double, double>> points(const Element& e) {
  std::vector<std::pair<double, double>> out;
  for (auto p : split(e.attrs.at("points"), ' ')) {
    const auto xy = split(p, ',');
    EXPECT_EQ(xy.size(), 2u) << p;
    if (xy.size() != 2) continue;
    out.emplace_back(std::stod(std::string(xy[0])), std::stod(std::string(xy[1])));
  }
  return out;
}

size_t count(const std::string& doc, const std::string& needle) {
  size_t n = 0;
  for (size_t at = doc.find(needle); at != std::string::npos; at = doc.find(needle, at + 1)) ++n;
  return n;
}

GpuUse h100(int index = 0) {
  GpuUse g;
  g.uuid = "GPU-5a0f3c1e-0000-1111-2222-333344445555";
  g.nvml_index = index;
  g.cuda_ordinal = index;
  g.name = "NVIDIA H100 80GB HBM3";
  g.memory_total_bytes = 80 * kGiB;
  g.peak_tree_memory_bytes = 30 * kGiB;
  for (int i = 0; i <= 10; ++i) {
    g.samples.push_back(
        {i * 1.0, static_cast<unsigned long long>(i) * 3 * kGiB, static_cast<unsigned>(i * 10)});
  }
  return g;
}

RunReport run_with(std::vector<GpuUse> gpus, double wall_s = 10.5) {
  RunReport r;
  r.command = {"python", "train.py", "--epochs", "3"};
  r.wall_s = wall_s;
  r.used_gpu = !gpus.empty();
  r.gpus = std::move(gpus);
  r.samples = 11;
  return r;
}

TEST(RunTimeline, OneGpuIsAWellFormedPanelWithBothLines) {
  const auto doc = render_run_timeline_svg(run_with({h100()}));
  ASSERT_EQ(xml_problem(doc), "");
  EXPECT_NE(doc.find("<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\""),
            std::string::npos);
  EXPECT_EQ(count(doc, "<script"), 0u);
  EXPECT_EQ(count(doc, "href"), 0u) << "no external references";
  EXPECT_EQ(texts(doc, "panel-title"),
            std::vector<std::string>{"GPU 0 · NVIDIA H100 80GB HBM3 · "
                                     "GPU-5a0f3c1e-0000-1111-2222-333344445555 · CUDA 0"});
  EXPECT_EQ(texts(doc, "header"),
            std::vector<std::string>{"ongpu run: python train.py --epochs 3"});
  EXPECT_NE(texts(doc, "summary").at(0).find("wall time 10.5s · exited 0"), std::string::npos);

  const auto memory = elements(doc, "polyline", "memory");
  ASSERT_EQ(memory.size(), 1u);
  const auto mem = points(memory[0]);
  ASSERT_EQ(mem.size(), 11u);
  EXPECT_EQ(elements(doc, "polygon", "memory-area").size(), 1u);
  const auto util = elements(doc, "polyline", "utilization");
  ASSERT_EQ(util.size(), 1u);
  const auto u = points(util[0]);
  ASSERT_EQ(u.size(), 11u);
  // Memory and utilisation differ by line style, not colour alone.
  EXPECT_EQ(memory[0].attrs.count("stroke-dasharray"), 0u);
  EXPECT_EQ(util[0].attrs.count("stroke-dasharray"), 1u);

  // Time runs left to right inside the plot; 30 GiB of 80 is 3/8 of the
  // height, 100 % the top.
  const auto plot = elements(doc, "rect", "plot").at(0);
  const double left = std::stod(plot.attrs.at("x"));
  const double right = left + std::stod(plot.attrs.at("width"));
  const double top = std::stod(plot.attrs.at("y"));
  const double bottom = top + std::stod(plot.attrs.at("height"));
  EXPECT_NEAR(mem.front().first, left, 0.1);
  EXPECT_NEAR(mem.back().first, left + (right - left) * 10 / 10.5, 0.1);
  EXPECT_NEAR(mem.back().second, bottom - (bottom - top) * 30 / 80, 0.1);
  EXPECT_NEAR(u.front().second, bottom, 0.1);
  EXPECT_NEAR(u.back().second, top, 0.1);
}

TEST(RunTimeline, AxesHaveNiceTicks) {
  auto doc = render_run_timeline_svg(run_with({h100()}, 10.5));
  EXPECT_EQ(texts(doc, "tick time"),
            (std::vector<std::string>{"0s", "2s", "4s", "6s", "8s", "10s"}));
  EXPECT_EQ(texts(doc, "tick memory"), (std::vector<std::string>{"0", "20", "40", "60", "80"}));
  EXPECT_EQ(texts(doc, "tick utilization"),
            (std::vector<std::string>{"0%", "25%", "50%", "75%", "100%"}));

  // Minutes past a minute; the total memory as the top when it is no tick.
  auto g = h100();
  g.memory_total_bytes = 81559ull << 20;  // an H100 80GB: 79.6 GiB
  doc = render_run_timeline_svg(run_with({g}, 95));
  EXPECT_EQ(texts(doc, "tick time"),
            (std::vector<std::string>{"0s", "15s", "30s", "45s", "1m", "1m15s", "1m30s"}));
  EXPECT_EQ(texts(doc, "tick memory"), (std::vector<std::string>{"0", "20", "40", "60", "79.6"}));
  doc = render_run_timeline_svg(run_with({g}, 2 * 3600 + 7));
  EXPECT_EQ(texts(doc, "tick time"), (std::vector<std::string>{"0s", "30m", "1h", "1h30m", "2h"}));

  // Below a second, and memory up to the peak when the total is unknown.
  g.memory_total_bytes = 0;
  g.peak_tree_memory_bytes = 300ull << 20;
  g.samples = {{0.1, 300ull << 20, 5}};
  doc = render_run_timeline_svg(run_with({g}, 0.35));
  EXPECT_EQ(texts(doc, "tick time"),
            (std::vector<std::string>{"0.00s", "0.05s", "0.10s", "0.15s", "0.20s", "0.25s", "0.30s",
                                      "0.35s"}));
  EXPECT_EQ(texts(doc, "tick memory"), (std::vector<std::string>{"0.0", "0.1", "0.2", "0.3"}));
  ASSERT_EQ(xml_problem(doc), "");
}

TEST(RunTimeline, AMissingUtilisationSplitsTheLine) {
  auto g = h100();
  g.samples[3].utilization_percent.reset();
  g.samples[4].utilization_percent.reset();
  g.samples[9].utilization_percent.reset();
  const auto doc = render_run_timeline_svg(run_with({g}));
  ASSERT_EQ(xml_problem(doc), "");
  const auto util = elements(doc, "polyline", "utilization");
  ASSERT_EQ(util.size(), 3u);
  EXPECT_EQ(points(util[0]).size(), 3u);  // samples 0..2
  EXPECT_EQ(points(util[1]).size(), 4u);  // 5..8
  EXPECT_EQ(points(util[2]).size(), 1u);  // 10, alone: a dot shows it
  EXPECT_EQ(elements(doc, "circle", "utilization-point").size(), 1u);
  // Memory keeps every sample.
  EXPECT_EQ(points(elements(doc, "polyline", "memory").at(0)).size(), 11u);
}

TEST(RunTimeline, NoNanOrInfinityFromZeroWallTimeOrABadSample) {
  auto g = h100();
  g.samples[2].t_s = std::nan("");
  g.samples[5].t_s = std::numeric_limits<double>::infinity();
  for (double wall : {0.0, std::nan(""), -3.0, std::numeric_limits<double>::infinity()}) {
    auto r = run_with({g}, wall);
    r.sample_interval_s = std::nan("");
    r.messages = {{std::nan(""), "verify.cuda_busy", "busy", ""},
                  {-std::numeric_limits<double>::infinity(), "verify.cuda_busy", "busy", ""}};
    const auto doc = render_run_timeline_svg(r);
    ASSERT_EQ(xml_problem(doc), "") << wall;
    const auto lower = to_lower(doc);
    EXPECT_EQ(lower.find("nan"), std::string::npos) << wall;
    EXPECT_EQ(lower.find("inf"), std::string::npos) << wall;
    // The samples without a time are left out; the axis is never empty.
    EXPECT_EQ(points(elements(doc, "polyline", "memory").at(0)).size(), 9u);
    EXPECT_FALSE(texts(doc, "tick time").empty());
    EXPECT_EQ(elements(doc, "g", "marker message").size(), 2u);
  }
  // Nothing at all but a command that never started.
  RunReport r;
  r.end = EndKind::not_started;
  const auto doc = render_run_timeline_svg(r);
  ASSERT_EQ(xml_problem(doc), "");
  EXPECT_EQ(to_lower(doc).find("nan"), std::string::npos);
  EXPECT_EQ(texts(doc, "tick time").front(), "0.00s");
}

TEST(RunTimeline, MarksStartEndAndEachMessageWithItsTitle) {
  auto r = run_with({h100()});
  r.messages = {{2.5, "verify.tf_library_not_loaded", "Could not load dynamic library", "cudnn"},
                {7, "verify.cuda_busy", "CUDA-capable device(s) is/are busy", ""},
                {9, "verify.jax_cpu_fallback", "falling back to cpu", ""}};
  auto doc = render_run_timeline_svg(r);
  ASSERT_EQ(xml_problem(doc), "");
  const auto groups = elements(doc, "g");
  size_t starts = 0, ends = 0, messages = 0;
  for (const auto& g : groups) {
    const auto& cls = g.attrs.at("class");
    starts += cls == "marker start";
    ends += cls == "marker end";
    messages += cls == "marker message";
  }
  EXPECT_EQ(starts, 1u);
  EXPECT_EQ(ends, 1u);
  EXPECT_EQ(messages, 3u);
  // Every marker is a group whose first child is its tooltip.
  EXPECT_EQ(count(doc, "<g class=\"marker message\">\n<title>"), 3u);
  EXPECT_NE(doc.find("<title>verify.tf_library_not_loaded at 2.50s: Could not load dynamic "
                     "library (cudnn)</title>"),
            std::string::npos);
  EXPECT_EQ(texts(doc, "marker-label"),
            (std::vector<std::string>{"start", "exited 0", "tf_library_not_loaded", "cuda_busy",
                                      "jax_cpu_fallback"}));

  r.end = EndKind::signaled;
  r.signal = 9;
  EXPECT_NE(render_run_timeline_svg(r).find(">killed by signal 9</text>"), std::string::npos);
  r.end = EndKind::exited;
  r.command_exit_code = 3;
  EXPECT_NE(render_run_timeline_svg(r).find(">exited 3</text>"), std::string::npos);
  r.end = EndKind::stopped_early;
  r.stop_message = 2;
  doc = render_run_timeline_svg(r);
  EXPECT_NE(doc.find(">stopped by ongpu: verify.jax_cpu_fallback</text>"), std::string::npos);
  EXPECT_NE(doc.find("<title>end at 10.50s: stopped by ongpu: verify.jax_cpu_fallback (falling "
                     "back to cpu)</title>"),
            std::string::npos);
  r.stop_message.reset();
  r.grace_s = 30;
  EXPECT_NE(
      render_run_timeline_svg(r).find(">stopped by ongpu: no CUDA context within 30.0s</text>"),
      std::string::npos);
  r.end = EndKind::not_started;
  r.start_errno = ENOENT;
  doc = render_run_timeline_svg(r);
  EXPECT_NE(doc.find(">not started</text>"), std::string::npos);
  EXPECT_NE(doc.find("<title>end at 10.50s: not started (No such file or directory)</title>"),
            std::string::npos);
}

TEST(RunTimeline, EveryTextIsEscapedAndValidUtf8) {
  auto r = run_with({h100()});
  r.command = {"sh", "-c", "echo '<b>' && x=\"1\"\n\x01\x7f", std::string("a\0b", 3),
               "\xff\xfe caf\xc3\xa9 \xef\xbf\xbf \xe2\x82"};
  r.gpus[0].name = "<GPU & co>";
  r.messages = {{1, "verify.<id>", "<script>&\"'", std::string("\x1b[31mred\0tail", 13)}};
  r.end = EndKind::stopped_early;
  r.messages.push_back({2, "verify.</svg>", "</svg>", ""});
  r.stop_message = 1;
  const auto doc = render_run_timeline_svg(r);
  ASSERT_EQ(xml_problem(doc), "");
  EXPECT_EQ(doc.find("<script"), std::string::npos);
  EXPECT_EQ(doc.find("<b>"), std::string::npos);
  EXPECT_EQ(count(doc, "</svg>"), 1u);
  EXPECT_NE(doc.find("verify.&lt;id&gt; at 1.00s: &lt;script&gt;&amp;&quot;&apos; (?[31mred?tail)"),
            std::string::npos);
  EXPECT_NE(doc.find("GPU 0 · &lt;GPU &amp; co&gt; ·"), std::string::npos);
  EXPECT_NE(doc.find(">stopped by ongpu: verify.&lt;/svg&gt;</text>"), std::string::npos);
  // The command is shown as shell words (a control character or a NUL as
  // $'\x01'); invalid UTF-8 and U+FFFF become "?"; valid UTF-8 stays.
  EXPECT_EQ(texts(doc, "header").at(0),
            "ongpu run: sh -c $&apos;echo \\x27&lt;b&gt;\\x27 &amp;&amp; "
            "x=&quot;1&quot;\\x0a\\x01\\x7f&apos; $&apos;a\\x00b&apos; &apos;?? café ? ??&apos;");
}

TEST(RunTimeline, ALongCommandIsCutInTheHeader) {
  auto r = run_with({h100()});
  r.command = {"python", std::string(500, 'x') + "é"};
  const auto header = texts(render_run_timeline_svg(r), "header").at(0);
  EXPECT_LT(header.size(), 140u);
  EXPECT_EQ(header.substr(header.size() - 3), "…");
}

TEST(RunTimeline, WithoutAGpuOnePanelSaysSoAndKeepsTheTimeAndMarks) {
  auto r = run_with({}, 4);
  r.messages = {{1.5, "verify.jax_cpu_fallback", "No GPU/TPU found, falling back to CPU", ""}};
  run::ObservationGap gap;
  gap.kind = run::ObservationGap::Kind::nvml_unavailable;
  gap.call = "dlopen";
  gap.detail = "libnvidia-ml.so.1: cannot open shared object file";
  r.gaps = {gap};
  const auto doc = render_run_timeline_svg(r);
  ASSERT_EQ(xml_problem(doc), "");
  EXPECT_EQ(texts(doc, "panel-title"), std::vector<std::string>{"No GPU"});
  EXPECT_EQ(texts(doc, "no-gpu"),
            (std::vector<std::string>{
                "No process of the command was seen using a GPU: NVML was not watched.",
                "command: python train.py --epochs 3",
                "not observed: NVML could not be loaded: libnvidia-ml.so.1: cannot open shared "
                "object file"}));
  r.nvml_watched = true;
  r.gaps.clear();
  EXPECT_EQ(texts(render_run_timeline_svg(r), "no-gpu"),
            (std::vector<std::string>{"No process of the command used a GPU.",
                                      "command: python train.py --epochs 3"}));
  // The doctor's root cause, in its own words.
  r.root_cause = make_finding("pci.no_nvidia_device");
  EXPECT_EQ(texts(render_run_timeline_svg(r), "no-gpu").at(2),
            "why (the machine): " + finding_words(*r.root_cause).summary);
  EXPECT_EQ(elements(doc, "rect", "plot").size(), 1u);
  EXPECT_EQ(texts(doc, "tick time"),
            (std::vector<std::string>{"0.0s", "0.5s", "1.0s", "1.5s", "2.0s", "2.5s", "3.0s",
                                      "3.5s", "4.0s"}));
  EXPECT_EQ(elements(doc, "polyline").size(), 0u);
  EXPECT_EQ(elements(doc, "g", "marker start").size(), 1u);
  EXPECT_EQ(elements(doc, "g", "marker end").size(), 1u);
  EXPECT_EQ(elements(doc, "g", "marker message").size(), 1u);
}

TEST(RunTimeline, GpusAreStackedPanels) {
  const auto doc = render_run_timeline_svg(run_with({h100(0), h100(1), h100(2)}));
  ASSERT_EQ(xml_problem(doc), "");
  const auto plots = elements(doc, "rect", "plot");
  ASSERT_EQ(plots.size(), 3u);
  EXPECT_LT(std::stod(plots[0].attrs.at("y")) + std::stod(plots[0].attrs.at("height")),
            std::stod(plots[1].attrs.at("y")));
  EXPECT_LT(std::stod(plots[1].attrs.at("y")) + std::stod(plots[1].attrs.at("height")),
            std::stod(plots[2].attrs.at("y")));
  EXPECT_EQ(elements(doc, "polyline", "memory").size(), 3u);
  // A marker has a line in every plot, and none over the panels' titles.
  const size_t at = doc.find("<g class=\"marker end\">");
  const auto end = doc.substr(at, doc.find("</g>", at) - at);
  for (const auto& plot : plots) {
    const double top = std::stod(plot.attrs.at("y"));
    const double bottom = top + std::stod(plot.attrs.at("height"));
    size_t in_plot = 0;
    for (const auto& l : elements(end, "line")) {
      if (l.attrs.count("pointer-events")) continue;
      const double y1 = std::stod(l.attrs.at("y1"));
      const double y2 = std::stod(l.attrs.at("y2"));
      in_plot += std::abs(y1 - top) < 0.1 && std::abs(y2 - bottom) < 0.1;
      EXPECT_FALSE(y1 < top - 0.1 && y2 > top + 0.1) << "over a title: " << y1 << " " << y2;
    }
    EXPECT_EQ(in_plot, 1u) << top;
  }
  const double last_bottom =
      std::stod(plots[2].attrs.at("y")) + std::stod(plots[2].attrs.at("height"));
  // The document grows with the panels.
  const auto svg = elements(doc, "svg").at(0);
  EXPECT_GT(std::stod(svg.attrs.at("height")), last_bottom);
}

TEST(RunTimeline, ManyMessagesKeepEveryMarkerButNoOverlappingLabels) {
  auto r = run_with({h100()}, 60);
  for (int i = 0; i < 400; ++i) {
    r.messages.push_back({i * 0.15, "verify.tf_library_not_loaded", fmt::format("line {}", i), ""});
  }
  const auto doc = render_run_timeline_svg(r);
  ASSERT_EQ(xml_problem(doc), "");
  EXPECT_EQ(elements(doc, "g", "marker message").size(), 400u);
  EXPECT_EQ(count(doc, "<g class=\"marker message\">\n<title>verify.tf_library_not_loaded at "),
            400u);
  EXPECT_NE(doc.find(": line 399</title>"), std::string::npos);

  // The labels shown do not overlap in their row (an 11 px character is
  // narrower than 6.6 px), and the rest are said to be left out.
  std::map<std::string, std::vector<std::pair<double, double>>> rows;
  size_t shown = 0;
  for (const auto& t : elements(doc, "text", "marker-label")) {
    if (t.text != "tf_library_not_loaded") continue;
    ++shown;
    const double x = std::stod(t.attrs.at("x"));
    const double w = static_cast<double>(t.text.size()) * 6.6;
    const bool end = t.attrs.at("text-anchor") == "end";
    rows[t.attrs.at("y")].emplace_back(end ? x - w : x, end ? x : x + w);
  }
  EXPECT_GE(shown, 3u);
  EXPECT_LT(shown, 40u);
  EXPECT_LE(rows.size(), 3u);
  for (auto& [y, spans] : rows) {
    std::sort(spans.begin(), spans.end());
    for (size_t i = 1; i < spans.size(); ++i) EXPECT_LT(spans[i - 1].second, spans[i].first) << y;
  }
  EXPECT_EQ(texts(doc, "hidden-labels"),
            std::vector<std::string>{fmt::format(
                "{} of 400 message labels left out where markers crowd; hover a marker for "
                "its message",
                400 - shown)});
}

}  // namespace
}  // namespace ongpu
