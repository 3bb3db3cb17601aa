// The words of the verify findings (render/wordings.h).
#include <fmt/format.h>

#include "render/catalog_words.h"
#include "render/verify_words.h"
#include "render/wordings.h"

namespace ongpu::wording {
namespace {

// A live finding's fix, when the rule says the doctor's is not the one to
// follow: the general fix of its catalog entry.
std::vector<std::string> own(const Args& a, FindingId id) {
  const auto* words = catalog_words(id.view());
  if (!a.has("own_fix") || !words) return {};
  return {std::string(words->fix)};
}

// "<python> -m pip install ARGS", each argument quoted for the shell.
std::string pip_install(const std::string& python, const std::vector<std::string>& args) {
  std::string out = shell_quote(python) + " -m pip install";
  for (const auto& arg : args) out += " " + shell_quote(arg);
  return out;
}

// A line the framework printed, recognised by the message table.
Words says(const Args& a, FindingId id) {
  return {fmt::format("{} says: \"{}\"", a["framework"], a["text"]), own(a, id)};
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
               own(a, "verify.timed_out")};
     }},
    {"verify.crashed",
     [](const Args& a) -> Words {
       return {fmt::format("{} crashed with signal {}{} at step '{}'", a["framework"], a["signal"],
                           a.has("signal_name") ? fmt::format(" (SIG{})", a["signal_name"]) : "",
                           a["stage"]),
               own(a, "verify.crashed")};
     }},
    {"verify.probe_failed",
     [](const Args& a) -> Words {
       return {fmt::format("{} could not be checked: {}", a["framework"], probe_failure(a)),
               own(a, "verify.probe_failed")};
     }},
    {"verify.import_failed",
     [](const Args& a) -> Words {
       Words w{fmt::format("import {} failed: {}: {}", a["framework"], a["type"], a["message"])};
       if (a.has("own_fix")) w.fix.push_back(pip_install(a["python"], a.list("pip_args")));
       return w;
     }},
    {"verify.no_gpu_device",
     [](const Args& a) -> Words {
       auto devices = a.list("devices");
       return {fmt::format("{} sees no GPU (its devices: {})", a["framework"],
                           devices.empty() ? "none" : fmt::format("{}", fmt::join(devices, ", "))),
               own(a, "verify.no_gpu_device")};
     }},
    {"verify.step_failed",
     [](const Args& a) -> Words {
       return {fmt::format("the {} step raised {}: {}", a["stage"], a["type"], a["message"]),
               own(a, "verify.step_failed")};
     }},
    {"verify.compute_failed",
     [](const Args& a) -> Words {
       return {fmt::format("the {} step raised {}: {}", a["stage"], a["type"], a["message"]),
               own(a, "verify.compute_failed")};
     }},
    {"verify.not_on_gpu",
     [](const Args& a) -> Words {
       return {
           a.has("placement")
               ? fmt::format("{}'s placement log put MatMul on {}", a["framework"], a["placement"])
               : fmt::format("the multiplication placed on the GPU left its result on {}",
                             a["device"]),
           own(a, "verify.not_on_gpu")};
     }},
    {"verify.wrong_result",
     [](const Args& a) -> Words {
       return {wrong_result(a), own(a, "verify.wrong_result")};
     }},
    {"verify.gpu_slower_than_cpu",
     [](const Args& a) -> Words {
       return {fmt::format("the GPU took {} per {}×{} multiplication, the CPU {}",
                           milliseconds(a.number("gpu_ms")), a["size"], a["size"],
                           a.has("cpu_ms") ? milliseconds(a.number("cpu_ms")) : "?"),
               own(a, "verify.gpu_slower_than_cpu")};
     }},
    {"verify.library_differs",
     [](const Args& a) -> Words {
       return {
           fmt::format("{} loaded {} from {}; the doctor predicted {}", a["framework"], a["soname"],
                       a["loaded"], a.get_or("predicted", "that no copy would be found")),
           own(a, "verify.library_differs")};
     }},
    {"verify.disagrees_with_doctor",
     [](const Args& a) -> Words {
       return {fmt::format("the doctor predicted {} but {} {}",
                           a["predicted"] == "gpu" ? "GPU" : "CPU", a["framework"], outcome(a)),
               own(a, "verify.disagrees_with_doctor")};
     }},
    // What the framework printed (verify/messages.cc).
    {"verify.library_not_loaded",
     [](const Args& a) { return says(a, "verify.library_not_loaded"); }},
    {"verify.gpu_libraries_missing",
     [](const Args& a) { return says(a, "verify.gpu_libraries_missing"); }},
    {"verify.cuda_driver_not_found",
     [](const Args& a) {
       auto w = says(a, "verify.cuda_driver_not_found");
       if (a.has("no_driver")) w.summary += ", but there is no driver to upgrade: " + no_driver(a);
       return w;
     }},
    {"verify.driver_dso_mismatch",
     [](const Args& a) { return says(a, "verify.driver_dso_mismatch"); }},
    {"verify.cudnn_version_mismatch",
     [](const Args& a) { return says(a, "verify.cudnn_version_mismatch"); }},
    {"verify.driver_too_old", [](const Args& a) { return says(a, "verify.driver_too_old"); }},
    {"verify.no_kernel_image", [](const Args& a) { return says(a, "verify.no_kernel_image"); }},
    {"verify.not_compiled_with_cuda",
     [](const Args& a) { return says(a, "verify.not_compiled_with_cuda"); }},
    {"verify.jax_cuda_jaxlib_missing",
     [](const Args& a) { return says(a, "verify.jax_cuda_jaxlib_missing"); }},
    {"verify.jax_plugin_failed", [](const Args& a) { return says(a, "verify.jax_plugin_failed"); }},
    {"verify.ort_cuda_provider_failed",
     [](const Args& a) { return says(a, "verify.ort_cuda_provider_failed"); }},
    {"verify.gpu_ignored", [](const Args& a) { return says(a, "verify.gpu_ignored"); }},
    {"verify.ptx_jit", [](const Args& a) { return says(a, "verify.ptx_jit"); }},
    {"verify.no_cuda_device", [](const Args& a) { return says(a, "verify.no_cuda_device"); }},
    {"verify.cuda_init_failed", [](const Args& a) { return says(a, "verify.cuda_init_failed"); }},
    {"verify.device_unavailable",
     [](const Args& a) { return says(a, "verify.device_unavailable"); }},
};

}  // namespace

std::span<const Wording> verify_wordings() { return kWordings; }

}  // namespace ongpu::wording
