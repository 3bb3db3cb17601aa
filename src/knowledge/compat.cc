// `ongpu compat FRAMEWORK==VERSION`: what that version needs, row by row.
#include "knowledge/compat.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "knowledge/compat_items.h"
#include "knowledge/version.h"
#include "util/strings.h"

namespace ongpu::knowledge {
namespace {

std::string canonical_framework(std::string_view name) {
  std::string n = to_lower(trim(name));
  for (auto& c : n) {
    if (c == '_') c = '-';  // PEP 503: tensorflow_gpu == tensorflow-gpu
  }
  if (n == "tensorflow" || n == "tf") return "tensorflow";
  if (n == "tensorflow-gpu") return "tensorflow-gpu";
  if (n == "torch" || n == "pytorch") return "torch";
  if (n == "jax" || n == "jaxlib") return "jax";
  return "";
}

constexpr std::string_view kKnownFrameworks = "tensorflow, tensorflow-gpu, torch, jax";

std::string tf_known(const Knowledge& k) {
  const auto& rows = k.tensorflow_builds();
  // The table is newest first.
  return fmt::format("{} … {} ({} releases)", rows.back().version, rows.front().version,
                     rows.size());
}

Section tf_requirements(const Knowledge& k, const TfBuild& b) {
  Section s{"requirements", "Requirements", {}};
  std::string python = fmt::format("{} – {}", b.python_min, b.python_max);
  std::vector<std::pair<std::string, std::string>> pf = {{"min", b.python_min},
                                                         {"max", b.python_max}};
  if (!b.python_also.empty()) {
    std::string also;
    for (const auto& v : b.python_also) also += (also.empty() ? "" : ", ") + v;
    python += " and " + also;
    pf.emplace_back("also", also);
  }
  s.items.push_back(Item{"python", "Python", python, pf, b.source});
  s.items.push_back(Item{"cuda", "CUDA", b.cuda, {{"version", b.cuda}}, b.source});
  s.items.push_back(Item{"cudnn", "cuDNN", b.cudnn, {{"version", b.cudnn}}, b.source});
  append_cuda_requirements(k, b.cuda, "TensorFlow", s.items);
  return s;
}

Section notes_section(const std::vector<const FrameworkNote*>& notes) {
  Section s{"notes", "Notes", {}};
  for (const auto* n : notes) s.items.push_back(Item{n->key, "", n->text, {}, n->source});
  return s;
}

Result<CompatAnswer> tensorflow_compat(const Knowledge& k, const FrameworkSpec& spec,
                                       CompatAnswer a) {
  if (a.framework == "tensorflow-gpu") {
    auto notes = k.notes_for("tensorflow-gpu", spec.version);
    for (const auto* n : notes) {
      if (n->key == "stub") {  // an empty package: nothing to require
        a.sections.push_back(notes_section(notes));
        return a;
      }
    }
  }
  TfMatch m = k.tensorflow_build(spec.version);
  if (!m.build) {
    return make_error(
        fmt::format("{}=={}: not in the table; known: {}", a.framework, spec.version, tf_known(k)));
  }
  a.matched = m.build->version;
  a.match = m.by_series ? CompatMatch::series : CompatMatch::exact;
  a.sections.push_back(tf_requirements(k, *m.build));
  auto notes = k.notes_for("tensorflow", spec.version);
  if (a.framework == "tensorflow-gpu") {
    auto gpu_notes = k.notes_for("tensorflow-gpu", spec.version);
    notes.insert(notes.begin(), gpu_notes.begin(), gpu_notes.end());
  }
  if (!notes.empty()) a.sections.push_back(notes_section(notes));
  return a;
}

Section torch_variant_section(const Knowledge& k, const TorchVariant& v) {
  Section s{v.index_tag(), fmt::format("CUDA {} ({}, {})", v.cuda, v.index_tag(), v.channel), {}};
  s.items.push_back(
      Item{"cuda",
           "CUDA",
           v.cuda,
           {{"version", v.cuda}, {"index_tag", v.index_tag()}, {"channel", v.channel}},
           v.source});
  if (!v.cudnn.empty()) {
    s.items.push_back(Item{"cudnn", "cuDNN", v.cudnn, {{"version", v.cudnn}}, v.source});
  }
  if (v.pypi_default) {
    s.items.push_back(Item{"pypi_default",
                           "PyPI",
                           "the plain `pip install torch` wheel on Linux x86_64 is this variant",
                           {{"pypi_default", "yes"}},
                           v.source});
  }
  append_cuda_requirements(k, v.cuda, "", s.items, /*with_arch=*/false);
  if (!v.sass_archs.empty()) {
    std::string sass = join(v.sass_archs, ", ");
    std::string ptx = v.ptx_archs.empty() ? "" : join(v.ptx_archs, ", ");
    std::string text = "SASS " + sass + (ptx.empty() ? "" : "; PTX " + ptx);
    s.items.push_back(Item{"gpu_architectures",
                           "GPU archs",
                           text,
                           {{"sass", join(v.sass_archs, ";")}, {"ptx", join(v.ptx_archs, ";")}},
                           v.source});
  } else {
    append_toolkit_arch(k, v.cuda, "PyTorch", s.items);
  }
  return s;
}

Result<CompatAnswer> torch_compat(const Knowledge& k, const FrameworkSpec& spec, CompatAnswer a) {
  auto variants = k.torch_release(spec.version);
  if (variants.empty()) {
    auto releases = k.torch_releases();
    return make_error(fmt::format("torch=={}: not in the table; known: {} … {} ({} releases)",
                                  spec.version, releases.back(), releases.front(),
                                  releases.size()));
  }
  a.matched = variants.front()->torch;
  a.match = CompatMatch::series;
  std::string tag;
  if (auto plus = spec.version.find('+'); plus != std::string::npos) {
    tag = to_lower(spec.version.substr(plus + 1));
  }
  const TorchVariant& first = *variants.front();
  Section release{"requirements", "Requirements", {}};
  release.items.push_back(Item{"python",
                               "Python",
                               fmt::format("{} – {}", first.python_min, first.python_max),
                               {{"min", first.python_min}, {"max", first.python_max}},
                               first.source});
  std::vector<std::string> tags;
  for (const auto* v : variants) tags.push_back(v->index_tag());
  if (tag == "cpu") {
    release.items.push_back(Item{"cpu_only",
                                 "Build",
                                 "+cpu is a CPU-only build: it never uses the GPU",
                                 {{"local_tag", "cpu"}},
                                 ""});
    a.sections.push_back(std::move(release));
    return a;
  }
  if (!tag.empty() && std::find(tags.begin(), tags.end(), tag) == tags.end()) {
    return make_error(fmt::format("torch=={}: no {} variant in the table for {}; known: {}",
                                  spec.version, tag, first.torch, join(tags, ", ")));
  }
  release.items.push_back(Item{
      "variants", "Variants", join(tags, ", "), {{"index_tags", join(tags, ";")}}, first.source});
  a.sections.push_back(std::move(release));
  for (const auto* v : variants) {
    if (tag.empty() || v->index_tag() == tag) a.sections.push_back(torch_variant_section(k, *v));
  }
  return a;
}

Result<CompatAnswer> jax_compat(const Knowledge& k, const FrameworkSpec& spec, CompatAnswer a) {
  if (const auto* py = k.jax_python(spec.version.substr(0, spec.version.find('+')))) {
    Section release{"requirements", "Requirements", {}};
    release.items.push_back(Item{"python",
                                 "Python",
                                 fmt::format("{} – {}", py->python_min, py->python_max),
                                 {{"min", py->python_min}, {"max", py->python_max}},
                                 py->source});
    a.sections.push_back(std::move(release));
  } else {
    Section release{"requirements", "Requirements", {}};
    release.items.push_back(Item{"python",
                                 "Python",
                                 "not recorded for this version (knowledge/jax_python.csv)",
                                 {{"min", ""}, {"max", ""}},
                                 ""});
    a.sections.push_back(std::move(release));
  }
  Section extras{"extras", "GPU extras of jax", {}};
  for (const auto& e : k.jax_extras()) {
    // jax[cuda12]==0.10.2: that extra only.
    if (!spec.extras.empty() &&
        std::find(spec.extras.begin(), spec.extras.end(), e.extra) == spec.extras.end())
      continue;
    Availability av = Knowledge::jax_extra_available(e, spec.version);
    std::string state = av == Availability::yes  ? "available"
                        : av == Availability::no ? "not available"
                                                 : "not recorded for this version";
    std::string text = fmt::format("{}: {}; CUDA {}; driver ≥ {} (Linux); compute capability ≥ {}",
                                   state, e.installs, e.cuda_major, e.driver_min_linux, e.sm_min);
    if (!e.note.empty()) text += "; " + e.note;
    const char* avs = av == Availability::yes ? "yes" : av == Availability::no ? "no" : "unknown";
    extras.items.push_back(Item{e.extra,
                                "jax[" + e.extra + "]",
                                text,
                                {{"available", avs},
                                 {"cuda_major", e.cuda_major},
                                 {"nvidia_wheels", e.nvidia_wheels ? "yes" : "no"},
                                 {"driver_min_linux", e.driver_min_linux},
                                 {"compute_capability_min", e.sm_min}},
                                e.source});
  }
  if (extras.items.empty()) {
    std::string known;
    for (const auto& e : k.jax_extras()) known += (known.empty() ? "" : ", ") + e.extra;
    return make_error(
        fmt::format("jax has no GPU extra named {}; known: {}", spec.extras.front(), known));
  }
  a.match = CompatMatch::none;
  a.sections.push_back(std::move(extras));
  return a;
}

}  // namespace

// A requirement as people type it (PEP 508, the parts compat uses):
// NAME[EXTRA,...] then a version specifier. compat answers for one release,
// so only "==" names one; any other operator, or none, is answered with
// what to type instead.
Result<FrameworkSpec> parse_framework_spec(std::string_view spec) {
  spec = trim(spec);
  size_t end = 0;
  while (end < spec.size() && (std::isalnum(static_cast<unsigned char>(spec[end])) ||
                               spec[end] == '-' || spec[end] == '_' || spec[end] == '.')) {
    ++end;
  }
  std::string_view name = spec.substr(0, end);
  std::string_view rest = trim(spec.substr(end));
  std::vector<std::string> extras;
  if (!rest.empty() && rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string_view::npos) {
      return make_error(fmt::format("'{}': an extra without its closing ']'", sanitize_text(spec)));
    }
    for (auto e : split(rest.substr(1, close - 1), ',')) {
      auto t = to_lower(trim(e));
      if (!t.empty()) extras.push_back(t);
    }
    rest = trim(rest.substr(close + 1));
  }
  std::string framework = canonical_framework(name);
  if (framework.empty()) {
    return make_error(fmt::format("unknown framework '{}'; known: {}",
                                  sanitize_text(name.empty() ? spec : name), kKnownFrameworks));
  }
  const std::string shown = framework + (extras.empty() ? "" : "[" + [&] {
                              std::string j;
                              for (const auto& e : extras) j += (j.empty() ? "" : ",") + e;
                              return j;
                            }() + "]");
  if (rest.empty()) {
    return make_error(
        fmt::format("give one release: {}==VERSION (compat answers for one version)", shown));
  }
  if (!starts_with(rest, "==") || starts_with(rest, "===")) {
    return make_error(
        fmt::format("'{}': compat answers for one release, not a range: give {}==VERSION",
                    sanitize_text(spec), shown));
  }
  std::string version(trim(rest.substr(2)));
  std::string_view base = std::string_view(version).substr(0, version.find('+'));
  if (!parse_version(base)) {
    return make_error(
        fmt::format("{}=={}: not a version (like 2.15.0)", framework, sanitize_text(version)));
  }
  return FrameworkSpec{framework, version, extras};
}

Result<CompatAnswer> framework_compat(const Knowledge& k, const FrameworkSpec& spec) {
  CompatAnswer a;
  a.kind = CompatKind::framework;
  a.query = spec.framework + "==" + spec.version;
  a.framework = spec.framework;
  a.version = spec.version;
  if (spec.framework == "tensorflow" || spec.framework == "tensorflow-gpu") {
    return tensorflow_compat(k, spec, std::move(a));
  }
  if (spec.framework == "torch") return torch_compat(k, spec, std::move(a));
  if (spec.framework == "jax") return jax_compat(k, spec, std::move(a));
  return make_error(
      fmt::format("unknown framework '{}'; known: {}", spec.framework, kKnownFrameworks));
}

}  // namespace ongpu::knowledge
