// The words of the verify findings (render/wordings.h).
#include <fmt/format.h>

#include "render/verify_words.h"
#include "render/wordings.h"

namespace ongpu::wording {
namespace {

// A live finding's fix, when the rule says the doctor's is not the one to follow.
std::vector<std::string> own(const Args& a, const char* fix) {
  if (!a.has("own_fix")) return {};
  return {fix};
}

// A line the framework printed, recognised by the message table.
Words says(const Args& a, const char* fix) {
  return {fmt::format("{} says: \"{}\"", a["framework"], a["text"]), own(a, fix)};
}

std::string probe_failure(const Args& a) {
  const std::string why = a["why"];
  if (why == "unreadable") return "its answer could not be read: " + a["answer_error"];
  if (why == "not_started") return "the interpreter could not be started: " + a["stderr_tail"];
  if (why == "exited")
    return fmt::format("the interpreter exited with status {} at step '{}'", a["exit_code"],
                       a["stage"]);
  return fmt::format("the interpreter gave no answer ({})", a["status"]);
}

std::string wrong_result(const Args& a) {
  const std::string check = a["check"];
  if (check == "elementwise") {
    return fmt::format(
        "the GPU's elementwise sum(x + 1) is {} where the CPU's is {}",
        a.has("gpu_sum") ? fmt::format("{:.6g}", a.number("gpu_sum")) : "not a number",
        a.has("cpu_sum") ? fmt::format("{:.6g}", a.number("cpu_sum")) : "?");
  }
  if (check == "nonfinite") {
    return fmt::format("the GPU's {}×{} product has {} NaN or infinite element{}", a["size"],
                       a["size"], a["nonfinite"], plural(a.number("nonfinite")));
  }
  return fmt::format(
      "the GPU's {}×{} product differs from the CPU's by up to {:.3g} (largest element {:.3g}, "
      "tolerance {:g} relative)",
      a["size"], a["size"], a.number("max_abs_diff"), a.number("max_abs_reference"),
      a.number("tolerance"));
}

// Why a "no driver" message is not about upgrading one.
std::string no_driver(const Args& a) {
  if (a["no_driver"] == "no_gpu") return "no NVIDIA GPU on the PCI bus";
  return "libcuda.so.1 could not be loaded" +
         (a.has("load_error") ? " (" + a["load_error"] + ")" : std::string());
}

std::string outcome(const Args& a) {
  const std::string o = a["outcome"];
  return o == "gpu"   ? "computed on the GPU"
         : o == "cpu" ? "computed on the CPU"
                      : "failed on its GPU";
}

constexpr Wording kWordings[] = {
    // What the check itself saw.
    {"verify.timed_out",
     [](const Args& a) -> Words {
       return {fmt::format("{} did not finish within {:.0f} s: it was stopped at step '{}'",
                           a["framework"], a.number("deadline_s"), a["stage"]),
               own(a,
                   "Rerun with a longer --timeout (a start that JIT-compiles PTX can take "
                   "minutes, and verify compiles every time: it runs with CUDA_CACHE_DISABLE=1 "
                   "so as to write nothing); if it hangs at import, run python -c 'import "
                   "<framework>' by hand.")};
     }},
    {"verify.crashed",
     [](const Args& a) -> Words {
       return {fmt::format("{} crashed with signal {}{} at step '{}'", a["framework"], a["signal"],
                           a.has("signal_name") ? fmt::format(" (SIG{})", a["signal_name"]) : "",
                           a["stage"]),
               own(a,
                   "Run the step it crashed in by hand to see the native stack (python -X "
                   "faulthandler); a crash while loading CUDA libraries often means mismatched "
                   "library versions.")};
     }},
    {"verify.probe_failed",
     [](const Args& a) -> Words {
       return {fmt::format("{} could not be checked: {}", a["framework"], probe_failure(a)),
               own(a,
                   "Read the interpreter's output shown with -v; check that the interpreter "
                   "runs (python -c pass).")};
     }},
    {"verify.import_failed",
     [](const Args& a) -> Words {
       Words w{fmt::format("import {} failed: {}: {}", a["framework"], a["type"], a["message"])};
       if (a.has("own_fix"))
         w.fix.push_back(shell_command("{} -m pip install {}", a["python"], a["pip_args"]));
       return w;
     }},
    {"verify.no_gpu_device",
     [](const Args& a) -> Words {
       auto devices = a.list("devices");
       return {fmt::format("{} sees no GPU (its devices: {})", a["framework"],
                           devices.empty() ? "none" : fmt::format("{}", fmt::join(devices, ", "))),
               own(a,
                   "Fix the root cause shown (the doctor's chain, or the framework's own "
                   "message); ongpu doctor names it.")};
     }},
    {"verify.step_failed",
     [](const Args& a) -> Words {
       return {fmt::format("the {} step raised {}: {}", a["stage"], a["type"], a["message"]),
               own(a,
                   "Read the exception; run the same call by hand in this interpreter to see "
                   "the whole traceback.")};
     }},
    {"verify.compute_failed",
     [](const Args& a) -> Words {
       return {fmt::format("the {} step raised {}: {}", a["stage"], a["type"], a["message"]),
               own(a,
                   "Read the error: 'no kernel image' means the build lacks code for this GPU; "
                   "out of memory means the card is taken.")};
     }},
    {"verify.not_on_gpu",
     [](const Args& a) -> Words {
       return {
           a.has("placement")
               ? fmt::format("{}'s placement log put MatMul on {}", a["framework"], a["placement"])
               : fmt::format("the multiplication placed on the GPU left its result on {}",
                             a["device"]),
           own(a,
               "Check the framework's placement (soft device placement) and that the GPU "
               "device is usable.")};
     }},
    {"verify.wrong_result",
     [](const Args& a) -> Words {
       return {wrong_result(a), own(a,
                                    "Check the GPU for errors (nvidia-smi -q -d ECC, dmesg for "
                                    "Xid); try another driver version.")};
     }},
    {"verify.gpu_slower_than_cpu",
     [](const Args& a) -> Words {
       return {fmt::format("the GPU took {} per {}×{} multiplication, the CPU {}",
                           milliseconds(a.number("gpu_ms")), a["size"], a["size"],
                           a.has("cpu_ms") ? milliseconds(a.number("cpu_ms")) : "?"),
               own(a,
                   "Check the GPU's clocks and power state (nvidia-smi -q -d "
                   "CLOCK,PERFORMANCE) and that no other process saturates it; a small --size "
                   "understates a GPU.")};
     }},
    {"verify.library_differs",
     [](const Args& a) -> Words {
       return {
           fmt::format("{} loaded {} from {}; the doctor predicted {}", a["framework"], a["soname"],
                       a["loaded"], a.get_or("predicted", "that no copy would be found")),
           own(a,
               "Something outside the loader's search path (an earlier import, "
               "LD_PRELOAD, a framework's own loading logic) decided; check which copy you "
               "mean to use.")};
     }},
    {"verify.disagrees_with_doctor",
     [](const Args& a) -> Words {
       return {fmt::format("the doctor predicted {} but {} {}",
                           a["predicted"] == "gpu" ? "GPU" : "CPU", a["framework"], outcome(a)),
               own(a,
                   "Trust the live result; please report the case with ongpu verify --json "
                   "and ongpu doctor --json.")};
     }},
    // What the framework printed (verify/messages.cc).
    {"verify.library_not_loaded",
     [](const Args& a) {
       return says(a,
                   "Install the library (for TensorFlow >= 2.14: pip install "
                   "'tensorflow[and-cuda]'), or put its directory on LD_LIBRARY_PATH.");
     }},
    {"verify.gpu_libraries_missing",
     [](const Args& a) {
       return says(a,
                   "Install the libraries named above it (pip install 'tensorflow[and-cuda]' "
                   "from 2.14; the matching CUDA and cuDNN before).");
     }},
    {"verify.cuda_driver_not_found",
     [](const Args& a) {
       auto w = says(a,
                     "Install the NVIDIA driver (ongpu doctor shows the chain); in a "
                     "container, start it with --gpus all.");
       if (a.has("no_driver")) w.summary += ", but there is no driver to upgrade: " + no_driver(a);
       return w;
     }},
    {"verify.driver_dso_mismatch",
     [](const Args& a) {
       return says(a, "Reboot after a driver upgrade, or reinstall the driver so both match.");
     }},
    {"verify.cudnn_version_mismatch",
     [](const Args& a) {
       return says(a,
                   "Install the cuDNN the framework was built with (ongpu compat "
                   "<framework>==<version> names it).");
     }},
    {"verify.driver_too_old",
     [](const Args& a) {
       return says(a,
                   "Upgrade the driver (ongpu compat --driver <version> shows what it "
                   "allows), or install a build for an older CUDA.");
     }},
    {"verify.no_kernel_image",
     [](const Args& a) {
       return says(a,
                   "Install a build compiled for this GPU (a newer release, or one for its "
                   "CUDA version).");
     }},
    {"verify.not_compiled_with_cuda",
     [](const Args& a) {
       return says(a,
                   "Install a CUDA build: pip install torch --index-url "
                   "https://download.pytorch.org/whl/cu<XYZ>.");
     }},
    {"verify.jax_cuda_jaxlib_missing",
     [](const Args& a) { return says(a, "pip install -U 'jax[cuda12]' (or 'jax[cuda13]')."); }},
    {"verify.jax_plugin_failed",
     [](const Args& a) {
       return says(a,
                   "Read the plugin's error; reinstall a matched set with pip install -U "
                   "'jax[cuda12]' (or cuda13).");
     }},
    {"verify.ort_cuda_provider_failed",
     [](const Args& a) {
       return says(a,
                   "Install the CUDA and cuDNN versions onnxruntime-gpu requires (its message "
                   "names them), e.g. pip install 'onnxruntime-gpu[cuda,cudnn]'.");
     }},
    {"verify.gpu_ignored",
     [](const Args& a) {
       return says(a,
                   "Install a TensorFlow build that supports this GPU (an older release), or "
                   "use a newer GPU.");
     }},
    {"verify.ptx_jit",
     [](const Args& a) {
       return says(a,
                   "Install a build with code for this GPU's architecture; otherwise expect a "
                   "slow first start (verify compiles every time, as it runs with "
                   "CUDA_CACHE_DISABLE=1: give it a long --timeout).");
     }},
    {"verify.no_cuda_device",
     [](const Args& a) {
       return says(a,
                   "Check CUDA_VISIBLE_DEVICES and that the GPU is passed into the container "
                   "(ongpu visible).");
     }},
    {"verify.cuda_init_failed",
     [](const Args& a) { return says(a, "ongpu doctor shows why CUDA cannot initialise here."); }},
    {"verify.device_unavailable",
     [](const Args& a) {
       return says(a,
                   "nvidia-smi shows the compute mode and the processes on the GPU: wait for "
                   "the other process, use another GPU, or ask the administrator to set the "
                   "Default compute mode.");
     }},
};

}  // namespace

std::span<const Wording> verify_wordings() { return kWordings; }

}  // namespace ongpu::wording
