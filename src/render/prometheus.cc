#include "render/prometheus.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "util/strings.h"
#include "verify/verify_rules.h"

namespace ongpu {
namespace {

// The families, in the order they are written. Their HELP text must never
// change between versions: node_exporter drops, without an error, a series
// whose HELP differs from another file's for the same name.
struct Family {
  const char* name;
  const char* help;
};
constexpr Family kBuildInfo{"ongpu_build_info", "ongpu's version; always 1."};
constexpr Family kTimestamp{"ongpu_check_timestamp_seconds",
                            "Unix time at which the ongpu check ended."};
constexpr Family kDuration{"ongpu_check_duration_seconds", "How long the ongpu check took."};
constexpr Family kExitCode{
    "ongpu_exit_code",
    "The ongpu check's exit code: 0 usable, 1 usable with warnings, 2 not usable, 70 not checked."};
constexpr Family kUsableGpus{"ongpu_usable_gpus",
                             "GPUs on which CUDA created a context during the ongpu check."};
constexpr Family kGpuUsable{
    "ongpu_gpu_usable",
    "1 if CUDA created a context on this GPU and ongpu found no error on it, else 0; NaN when "
    "CUDA_VISIBLE_DEVICES hid it from the check."};
constexpr Family kFinding{"ongpu_finding", "One series per finding of the ongpu check; always 1."};
constexpr Family kFrameworkOnGpu{
    "ongpu_framework_on_gpu",
    "1 if the framework in this Python interpreter runs on the GPU, 0 if on the CPU, NaN if "
    "unknown."};

using Labels = std::vector<std::pair<std::string, std::string>>;

class Writer {
 public:
  explicit Writer(std::string check) : check_(std::move(check)) {}

  void family(const Family& f) {
    out_ += fmt::format("# HELP {} {}\n# TYPE {} gauge\n", f.name, f.help, f.name);
    seen_.clear();
  }
  void sample(const Family& f, Labels labels, double value) {
    labels.insert(labels.begin(), {"check", check_});
    std::string text = f.name;
    text += '{';
    for (size_t i = 0; i < labels.size(); ++i) {
      if (i > 0) text += ',';
      text += labels[i].first + "=\"" + prometheus_label_value(labels[i].second) + '"';
    }
    text += '}';
    // A series written twice makes node_exporter log an error and keep the first.
    if (!seen_.insert(text).second) return;
    out_ += text + ' ' + number(value) + '\n';
  }
  std::string take() { return std::move(out_); }

 private:
  static std::string number(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    return fmt::format("{}", v);
  }
  std::string check_;
  std::string out_;
  std::set<std::string> seen_;
};

// "00000000:65:00.0" (NVML) and "0000:65:00.0" (/proc) name the same device.
std::string normal_bus_id(std::string_view id) {
  std::string out;
  const size_t colon = id.find(':');
  if (colon == std::string_view::npos) return std::string(id);
  auto domain = parse_number<uint32_t>(id.substr(0, colon), 16);
  out = fmt::format("{:04x}", domain.value_or(0));
  for (char c : id.substr(colon))
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// /dev/nvidiaN as dcgm-exporter names it ("nvidia0"); "" when the driver's
// /proc does not say.
std::string device_name(const FactSet& facts, const std::string& bus_id) {
  if (!facts.kernel_module.gpu_minors || bus_id.empty()) return "";
  const std::string want = normal_bus_id(bus_id);
  for (const auto& m : *facts.kernel_module.gpu_minors) {
    if (normal_bus_id(m.bus_id) == want) return fmt::format("nvidia{}", m.minor);
  }
  return "";
}

bool context_ok(const CudaDevice& d) { return d.context && d.context->code == 0; }

// Whether a GPU of NVML's list is usable: CUDA made a context on it, and no
// error finding names it. nullopt: CUDA_VISIBLE_DEVICES hid it.
std::optional<bool> gpu_usable(const Report& r, const NvmlGpu& g) {
  const FactSet& f = r.facts;
  const bool cuda_ok =
      f.cuda.probe.status == ProbeStatus::ok && f.cuda.init && f.cuda.init->code == 0;
  const std::string uuid = g.uuid.value_or("");
  const CudaDevice* seen = nullptr;
  for (const auto& d : f.cuda.devices) {
    if (!uuid.empty() && d.uuid && *d.uuid == uuid) seen = &d;
  }
  if (seen == nullptr && cuda_ok && f.cuda_all.probe.status == ProbeStatus::ok) {
    for (const auto& d : f.cuda_all.devices) {
      if (!uuid.empty() && d.uuid && *d.uuid == uuid) return std::nullopt;
    }
  }
  if (!cuda_ok || seen == nullptr || !context_ok(*seen)) return false;
  const std::string index = std::to_string(g.index);
  return std::none_of(r.findings.begin(), r.findings.end(), [&](const Finding& x) {
    return x.severity == Severity::error && x.link == Link::gpu_state &&
           x.args.get("index") == index;
  });
}

void gpu_series(Writer& w, const Report& r) {
  const FactSet& f = r.facts;
  const std::string host = f.host.hostname.value_or("");
  w.family(kGpuUsable);
  if (f.nvml.probe.status == ProbeStatus::ok && !f.nvml.gpus.empty()) {
    for (const auto& g : f.nvml.gpus) {
      const std::string bus = g.pci_bus_id.value_or("");
      auto usable = gpu_usable(r, g);
      w.sample(kGpuUsable,
               {{"gpu", std::to_string(g.index)},
                {"UUID", g.uuid.value_or("")},
                {"pci_bus_id", bus},
                {"device", device_name(f, bus)},
                {"modelName", g.name.value_or("")},
                {"Hostname", host}},
               usable ? (*usable ? 1.0 : 0.0) : std::numeric_limits<double>::quiet_NaN());
    }
    return;
  }
  // NVML could not list the GPUs: CUDA's own list, without nvidia-smi's index.
  for (const auto& d : f.cuda.devices) {
    const std::string bus = d.pci_bus_id.value_or("");
    w.sample(kGpuUsable,
             {{"gpu", ""},
              {"UUID", d.uuid.value_or("")},
              {"pci_bus_id", bus},
              {"device", device_name(f, bus)},
              {"modelName", d.name.value_or("")},
              {"Hostname", host}},
             context_ok(d) ? 1.0 : 0.0);
  }
}

void finding_series(Writer& w, const std::vector<const std::vector<Finding>*>& lists) {
  w.family(kFinding);
  for (const auto* list : lists) {
    for (const auto& x : *list) {
      w.sample(kFinding,
               {{"id", x.id},
                {"severity", severity_name(x.severity)},
                {"scope", x.scope},
                {"gpu", x.link == Link::gpu_state ? x.args.get("index") : ""}},
               1);
    }
  }
}

void head(Writer& w, const MetricsRun& run, int exit_code, int usable_gpus) {
  w.family(kBuildInfo);
  w.sample(kBuildInfo, {{"version", run.version}}, 1);
  w.family(kTimestamp);
  w.sample(kTimestamp, {}, run.timestamp_s);
  w.family(kDuration);
  w.sample(kDuration, {}, run.duration_s);
  w.family(kExitCode);
  w.sample(kExitCode, {}, exit_code);
  w.family(kUsableGpus);
  w.sample(kUsableGpus, {}, usable_gpus);
}

double on_gpu(bool gpu, bool unknown) {
  if (unknown) return std::numeric_limits<double>::quiet_NaN();
  return gpu ? 1.0 : 0.0;
}

}  // namespace

std::string prometheus_label_value(std::string_view value) {
  const std::string clean = sanitize_text(value);
  std::string out;
  out.reserve(clean.size());
  for (char c : clean) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string render_doctor_prometheus(const Report& report, const MetricsRun& run) {
  Writer w(run.check);
  head(w, run, report.verdict.exit_code, report.verdict.usable_gpus);
  gpu_series(w, report);
  finding_series(w, {&report.findings});
  w.family(kFrameworkOnGpu);
  for (const auto& v : report.frameworks) {
    w.sample(kFrameworkOnGpu,
             {{"framework", std::string(enum_string(v.framework))},
              {"interpreter", v.interpreter},
              {"version", v.version}},
             on_gpu(v.gpu, v.unknown));
  }
  return w.take();
}

std::string render_verify_prometheus(const verify::VerifyReport& report, const MetricsRun& run) {
  Writer w(run.check);
  head(w, run, report.verdict.exit_code, report.doctor.verdict.usable_gpus);
  gpu_series(w, report.doctor);
  std::vector<const std::vector<Finding>*> lists{&report.doctor.findings};
  for (const auto& v : report.frameworks) lists.push_back(&v.findings);
  finding_series(w, lists);
  w.family(kFrameworkOnGpu);
  for (const auto& v : report.frameworks) {
    std::string version = v.run.answer ? v.run.answer->version : "";
    if (version.empty() && v.predicted) version = v.predicted->version;
    // gpu_broken ran on the GPU and got a wrong answer: not a usable GPU.
    w.sample(
        kFrameworkOnGpu,
        {{"framework", std::string(enum_string(v.run.framework))},
         {"interpreter", v.run.interpreter},
         {"version", version}},
        on_gpu(v.outcome == verify::LiveOutcome::gpu, v.outcome == verify::LiveOutcome::failed));
  }
  return w.take();
}

}  // namespace ongpu
