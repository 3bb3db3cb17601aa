#include "knowledge/compat_items.h"

#include <fmt/format.h>

namespace ongpu::knowledge {

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += separator;
    out += p;
  }
  return out;
}

void append_cuda_requirements(const Knowledge& k, const std::string& cuda,
                              std::string_view framework, std::vector<Item>& out, bool with_arch) {
  auto req = k.min_driver_for_cuda(cuda);
  if (!req) {
    out.push_back(
        Item{"driver", "Driver", fmt::format("CUDA {} is not in the driver table", cuda), {}, ""});
  } else {
    const CudaRelease& r = req->release;
    std::string text = fmt::format("≥ {} on Linux", r.linux_min);
    if (!r.windows_min.empty()) text += fmt::format(", ≥ {} on Windows", r.windows_min);
    text += fmt::format(" (CUDA {})", r.release);
    out.push_back(Item{
        "driver",
        "Driver",
        text,
        {{"linux_min", r.linux_min}, {"windows_min", r.windows_min}, {"cuda_release", r.release}},
        r.source});
    if (req->minor_compat) {
      const MinorCompat& m = *req->minor_compat;
      out.push_back(Item{"driver_minor_compat",
                         "",
                         fmt::format("≥ {} on Linux with CUDA {}.x minor-version compatibility: {}",
                                     m.linux_min, m.cuda_major, m.caveat),
                         {{"cuda_major", m.cuda_major},
                          {"linux_min", m.linux_min},
                          {"windows_min", m.windows_min},
                          {"caveat", m.caveat}},
                         m.source});
    }
  }
  if (with_arch) append_toolkit_arch(k, cuda, framework, out);
}

void append_toolkit_arch(const Knowledge& k, const std::string& cuda, std::string_view framework,
                         std::vector<Item>& out) {
  const SassRange* r = k.sass_range(cuda);
  std::string who = framework.empty() ? std::string("the build") : std::string(framework);
  if (!r) {
    out.push_back(Item{"gpu_architectures",
                       "GPU archs",
                       fmt::format("not in the tables (neither {}'s compiled list nor what CUDA {} "
                                   "can target)",
                                   who, cuda),
                       {},
                       ""});
    return;
  }
  out.push_back(
      Item{"gpu_architectures",
           "GPU archs",
           fmt::format("{}'s compiled list is not in the tables; CUDA {} can compile SASS "
                       "for compute capability {} – {}",
                       who, cuda, r->sass_min, r->sass_max),
           {{"toolkit_sass_min", r->sass_min}, {"toolkit_sass_max", r->sass_max}},
           r->source});
}

}  // namespace ongpu::knowledge
