// Queries over the loaded tables. Rules and renderers call these; nothing
// here reads the system.
#include "knowledge/knowledge.h"

#include <algorithm>
#include <cctype>

#include "knowledge/version.h"
#include "util/strings.h"

namespace ongpu::knowledge {

std::string TorchVariant::index_tag() const {
  std::string tag = "cu";
  for (char c : cuda) {
    if (c != '.') tag += c;
  }
  return tag;
}

TfMatch Knowledge::tensorflow_build(std::string_view version) const {
  auto want = parse_version(version);
  if (!want) return {};
  for (const auto& b : tf_) {
    auto have = parse_version(b.version);
    if (have && compare(*have, *want) == 0 && have->parts.size() == want->parts.size()) {
      return {&b, false};
    }
  }
  // The table lists one release per minor series (2.16.1 stands for 2.16).
  if (want->parts.size() < 2) return {};
  const TfBuild* found = nullptr;
  for (const auto& b : tf_) {
    auto have = parse_version(b.version);
    if (!have || !same_prefix(*have, *want, 2)) continue;
    if (found) return {};  // two rows for one series: ambiguous, say nothing
    found = &b;
  }
  return {found, found != nullptr};
}

namespace {

// from <= version < before; an empty `before` has no upper end.
bool in_range(std::string_view version, std::string_view from, std::string_view before) {
  auto lower = compare_versions(version, from);
  if (!lower || *lower < 0) return false;
  if (before.empty()) return true;
  auto upper = compare_versions(version, before);
  return upper && *upper < 0;
}

}  // namespace

std::vector<const TfLibrary*> Knowledge::tensorflow_libraries_for(
    std::string_view cuda_version, std::string_view cudnn_version) const {
  std::vector<const TfLibrary*> out;
  for (const auto& l : tf_libs_) {
    std::string_view v = l.component == "cuda"    ? cuda_version
                         : l.component == "cudnn" ? cudnn_version
                                                  : "";
    auto from = compare_versions(v, l.from);
    auto before = compare_versions(v, l.before);
    if (from && *from >= 0 && before && *before < 0) out.push_back(&l);
  }
  return out;
}

std::vector<const FrameworkLibrary*> Knowledge::framework_libraries_for(
    std::string_view framework, std::string_view version) const {
  std::vector<const FrameworkLibrary*> out;
  for (const auto& l : fw_libs_) {
    if (l.framework == framework && in_range(version, l.from, l.before)) out.push_back(&l);
  }
  return out;
}

const PathfinderLibrary* Knowledge::pathfinder_library(std::string_view stem) const {
  for (const auto& l : pathfinder_) {
    if (l.library == stem) return &l;
  }
  return nullptr;
}

std::vector<const FrameworkNote*> Knowledge::notes_for(std::string_view package,
                                                       std::string_view version) const {
  std::vector<const FrameworkNote*> out;
  for (const auto& n : tf_notes_) {
    if (n.package == package && in_range(version, n.from, n.before)) out.push_back(&n);
  }
  return out;
}

const MinorCompat* Knowledge::minor_compat_for_major(std::string_view cuda_major) const {
  for (const auto& m : minor_) {
    if (m.cuda_major == cuda_major) return &m;
  }
  return nullptr;
}

std::optional<DriverReq> Knowledge::min_driver_for_cuda(std::string_view cuda_version) const {
  auto want = parse_version(cuda_version);
  if (!want || want->parts.size() < 2) return std::nullopt;
  // The series' lowest requirement: its GA (an RC is not a release to build against).
  const CudaRelease* ga = nullptr;
  for (const auto& c : cuda_) {
    auto have = parse_version(c.cuda);
    if (!have || !same_prefix(*have, *want, 2) || c.update < 0) continue;
    if (!ga || c.update < ga->update) ga = &c;
  }
  if (!ga) return std::nullopt;
  DriverReq req{*ga, std::nullopt};
  if (const MinorCompat* m = minor_compat_for_major(std::to_string(want->parts[0]))) {
    req.minor_compat = *m;
  }
  return req;
}

std::optional<CudaRelease> Knowledge::newest_cuda_for_driver(
    std::string_view driver_version) const {
  if (!parse_version(driver_version)) return std::nullopt;
  const CudaRelease* best = nullptr;
  for (const auto& c : cuda_) {
    if (c.update < 0 || !version_at_least(driver_version, c.linux_min)) continue;
    if (!best) {
      best = &c;
      continue;
    }
    auto order = compare_versions(c.cuda, best->cuda);
    if (order && (*order > 0 || (*order == 0 && c.update > best->update))) best = &c;
  }
  if (!best) return std::nullopt;
  return *best;
}

std::vector<const MinorCompat*> Knowledge::minor_compat_for_driver(
    std::string_view driver_version) const {
  std::vector<const MinorCompat*> out;
  for (const auto& m : minor_) {
    if (version_at_least(driver_version, m.linux_min)) out.push_back(&m);
  }
  std::sort(out.begin(), out.end(), [](const MinorCompat* a, const MinorCompat* b) {
    return compare_versions(a->cuda_major, b->cuda_major).value_or(0) > 0;
  });
  return out;
}

std::vector<std::string> gpu_name_words(std::string_view name) {
  std::vector<std::string> words;
  std::string word;
  auto flush = [&] {
    if (!word.empty() && word != "nvidia" && word != "geforce" && word != "tesla") {
      words.push_back(word);
    }
    word.clear();
  };
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) {
      word += static_cast<char>(std::tolower(u));
    } else {
      flush();
    }
  }
  flush();
  return words;
}

std::optional<GpuCapability> Knowledge::compute_capability_for(std::string_view gpu_name) const {
  const auto name = gpu_name_words(gpu_name);
  const GpuCapability* best = nullptr;
  size_t best_len = 0;
  for (const auto& g : gpus_) {
    const auto model = gpu_name_words(g.model);
    if (model.empty() || model.size() > name.size()) continue;
    bool found = false;
    for (size_t i = 0; !found && i + model.size() <= name.size(); ++i) {
      found = std::equal(model.begin(), model.end(), name.begin() + static_cast<long>(i));
    }
    // The most specific model wins: "GTX TITAN X" (5.2) over "TITAN X" (6.1).
    if (found && model.size() > best_len) {
      best = &g;
      best_len = model.size();
    }
  }
  if (!best) return std::nullopt;
  return *best;
}

const SassRange* Knowledge::sass_range(std::string_view toolkit) const {
  auto want = parse_version(toolkit);
  if (!want || want->parts.size() < 2) return nullptr;
  Version minor = want->prefix(2);
  for (const auto& s : sass_) {
    auto from = parse_version(s.toolkit_from);
    auto to = parse_version(s.toolkit_to);
    if (from && to && compare(minor, *from) >= 0 && compare(minor, *to) <= 0) return &s;
  }
  return nullptr;
}

std::vector<const TorchVariant*> Knowledge::torch_release(std::string_view version) const {
  std::vector<const TorchVariant*> out;
  version = version.substr(0, version.find('+'));  // "2.3.1+cu121": the local tag is a variant
  auto want = parse_version(version);
  if (!want || want->parts.size() < 2) return out;
  for (const auto& t : torch_) {
    auto have = parse_version(t.torch);
    if (have && same_prefix(*have, *want, 2)) out.push_back(&t);
  }
  return out;
}

std::vector<std::string> Knowledge::torch_releases() const {
  std::vector<std::string> out;
  for (const auto& t : torch_) {
    if (std::find(out.begin(), out.end(), t.torch) == out.end()) out.push_back(t.torch);
  }
  return out;
}

const JaxPython* Knowledge::jax_python(std::string_view jax_version) const {
  for (const auto& r : jax_python_) {
    if (in_range(jax_version, r.from, r.before)) return &r;
  }
  return nullptr;
}

Availability Knowledge::jax_extra_available(const JaxExtra& extra, std::string_view jax_version) {
  auto at_least = [&](const std::string& v) { return version_at_least(jax_version, v); };
  if (!extra.removed_in.empty() && at_least(extra.removed_in)) return Availability::no;
  if (!extra.available_from.empty()) {
    return at_least(extra.available_from) ? Availability::yes : Availability::no;
  }
  if (!extra.documented_in.empty() && at_least(extra.documented_in)) return Availability::yes;
  return Availability::unknown;
}

}  // namespace ongpu::knowledge
