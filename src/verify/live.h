// The live check of `ongpu verify`: what one framework did when it was
// imported and asked to compute, in the user's own interpreter (probe.py),
// read back as plain data. Collected here, judged in verify/verify_rules.h.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "facts/factset.h"
#include "probe/protocol.h"
#include "sys/process.h"

namespace ongpu::verify {

// The probe's Python source (src/verify/probe.py, embedded at build time).
std::string_view probe_source();

enum class DeviceKind { gpu, cpu };

// The probe's steps (probe.py's stage() and error() names).
enum class LiveStage {
  arguments,         // reading its arguments
  import_framework,  // "import"
  devices,           // listing the devices
  devices_gpu,       // "devices-gpu": asking for the GPU devices
  memory,            // limiting its memory use
  compute_gpu,       // "compute-gpu"
  compute_cpu,       // "compute-cpu"
  libraries,         // reading /proc/self/maps
};

}  // namespace ongpu::verify

template <>
struct ongpu::EnumNames<ongpu::verify::DeviceKind> {
  static constexpr auto last = verify::DeviceKind::cpu;
  static constexpr std::array<std::string_view, 2> names{"gpu", "cpu"};
};
template <>
struct ongpu::EnumNames<ongpu::verify::LiveStage> {
  static constexpr auto last = verify::LiveStage::libraries;
  static constexpr std::array<std::string_view, 8> names{"arguments",   "import",   "devices",
                                                         "devices-gpu", "memory",   "compute-gpu",
                                                         "compute-cpu", "libraries"};
};

namespace ongpu::verify {

struct LiveDevice {
  DeviceKind kind = DeviceKind::cpu;
  std::string name;  // as the framework names it: /physical_device:GPU:0, cuda:0
  std::string model;
  std::string compute_capability;
  template <class V>
  void fields(V& v) {
    v("kind", kind);
    v("name", name);
    v("model", model);
    v("compute_capability", compute_capability);
  }
};

struct LiveTiming {
  double median_ms = 0;
  std::vector<double> runs_ms;
  int batch = 1;       // multiplications per timed run (one synchronisation each run)
  std::string device;  // where the result lives, as the framework reports it
  std::optional<double> gflops;
  template <class V>
  void fields(V& v) {
    v("median_ms", median_ms);
    v("runs_ms", runs_ms);
    v("batch", batch);
    v("device", device);
    v("gflops", gflops);
  }
};

// sum(x + 1) on the GPU against the CPU.
struct Elementwise {
  std::optional<double> gpu;
  std::optional<double> cpu;
  bool match = false;
  template <class V>
  void fields(V& v) {
    v("gpu", gpu);
    v("cpu", cpu);
    v("match", match);
  }
};

struct LiveCompute {
  int size = 0;
  std::string dtype;
  std::optional<LiveTiming> gpu;
  std::optional<LiveTiming> cpu;
  std::optional<double> max_abs_diff;       // GPU result against the CPU result
  std::optional<double> max_abs_reference;  // the largest element of the CPU result
  std::optional<double> tolerance;          // relative
  std::optional<bool> match;
  std::optional<double> speedup;  // CPU median / GPU median
  std::optional<int> nonfinite;   // NaN or infinite elements in the GPU result
  std::optional<Elementwise>
      elementwise;  // torch, CuPy: one elementwise kernel of the framework's own
  template <class V>
  void fields(V& v) {
    v("size", size);
    v("dtype", dtype);
    v("gpu", gpu);
    v("cpu", cpu);
    v("max_abs_diff", max_abs_diff);
    v("max_abs_reference", max_abs_reference);
    v("tolerance", tolerance);
    v("match", match);
    v("speedup", speedup);
    v("nonfinite", nonfinite);
    v("elementwise", elementwise);
  }
};

struct LiveError {
  LiveStage stage = LiveStage::arguments;
  std::string type;  // the Python exception class
  std::string message;
  template <class V>
  void fields(V& v) {
    v("stage", stage);
    v("type", type);
    v("message", message);
  }
};

// What the probe itself reports (the JSON object probe.py prints).
struct ProbeAnswer {
  Framework framework = Framework::tensorflow;
  std::string python;
  std::string version;
  std::optional<double> import_seconds;
  std::optional<bool> built_with_cuda;
  std::vector<LiveDevice> devices;
  std::string memory;  // what was done so that verifying does not take the whole card
  std::optional<LiveCompute> compute;
  std::vector<LiveError> errors;
  std::vector<std::string> loaded_libraries;  // CUDA libraries in /proc/self/maps after computing
  // Framework-specific extras.
  std::vector<std::string> arch_list;            // torch.cuda.get_arch_list()
  std::vector<std::string> available_providers;  // onnxruntime.get_available_providers()
  std::vector<std::string> session_providers;    // what a real session uses
  std::string default_backend;                   // jax.default_backend()
  template <class V>
  void fields(V& v) {
    v("framework", framework);
    v("python", python);
    v("version", version);
    v("import_seconds", import_seconds);
    v("built_with_cuda", built_with_cuda);
    v("devices", devices);
    v("memory", memory);
    v("compute", compute);
    v("errors", errors);
    v("loaded_libraries", loaded_libraries);
    v("arch_list", arch_list);
    v("available_providers", available_providers);
    v("session_providers", session_providers);
    v("default_backend", default_backend);
  }
};

// A line of the framework's stderr that explains a fallback, classified
// (verify/messages.h).
struct LiveMessage {
  std::string id;      // the finding it raises: verify.tf_library_not_loaded
  std::string text;    // the message, without the log prefix
  std::string detail;  // what was captured: the library name, the versions
  // The CUDA runtime says this when there is no driver at all, too
  // (cudaErrorInsufficientDriver): the doctor's facts tell which. Not saved:
  // it follows from the id and text.
  bool also_without_driver = false;
  template <class V>
  void fields(V& v) {
    v("id", id);
    v("text", text);
    v("detail", detail);
  }
};

// One framework verified in one interpreter.
struct LiveRun {
  Framework framework = Framework::tensorflow;
  std::string interpreter;
  ProbeRun probe;  // ok, timed_out, crashed, exited, garbage, spawn_failed
  std::optional<ProbeAnswer> answer;
  std::string answer_error;  // why the answer could not be read, when it could not
  std::vector<LiveMessage> messages;
  std::vector<std::string> placement_log;  // TensorFlow's "Executing op MatMul in device …"
  template <class V>
  void fields(V& v) {
    v("framework", framework);
    v("interpreter", interpreter);
    v("probe", probe);
    v("answer", answer);
    v("answer_error", answer_error);
    v("messages", messages);
    v("placement_log", placement_log);
  }
};

struct LiveRequest {
  Framework framework = Framework::tensorflow;
  std::string interpreter;
  int size = 0;  // 0: 4096 with a GPU, 1000 without
  // The interpreter's version ("3.11.7"), when the doctor's query gave it:
  // from 3.11, -P keeps the current directory off sys.path.
  std::string python_version;
  // Given to the probe on its stdin, which it reads before it imports the
  // framework; only protocol lines with it count (probe::parse_probe_output).
  std::string nonce = probe::new_nonce();
};

// The child's command line and environment: the probe source, and the
// settings that make the framework say why it falls back (TensorFlow's log
// level) and leave the card to others (no JAX preallocation).
sys::ChildSpec probe_spec(const LiveRequest& r);

// Turns a finished child into a LiveRun: the probe's answer, its status, and
// the classified stderr.
LiveRun read_live_run(const LiveRequest& r, const sys::ChildOutcome& outcome);

// The stage the child announced last, from its output so far (for progress).
std::string last_stage(const std::string& out);

}  // namespace ongpu::verify
