// CUDA_VISIBLE_DEVICES, as users and schedulers write it, applied to a fixed
// machine of 4 GPUs. Two UUIDs share the prefix "GPU-8932" so that ambiguous
// prefixes are reachable; GPU 0 carries one MIG instance (the pre-R470 form,
// MIG-GPU-<uuid>/<gi>/<ci>).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "rules/visible.h"

namespace {

const std::vector<ongpu::GpuIdentity>& machine() {
  static const std::vector<ongpu::GpuIdentity> gpus = {
      {0,
       "GPU-8932f937-d72c-4106-c12f-20bd9faed9f6",
       "0000:18:00.0",
       "NVIDIA A100-SXM4-80GB",
       {"MIG-GPU-8932f937-d72c-4106-c12f-20bd9faed9f6/1/2"}},
      {1, "GPU-8932a0b1-5e6f-7a8b-9c0d-1e2f3a4b5c6d", "0000:2a:00.0", "NVIDIA A100-SXM4-80GB", {}},
      {2, "GPU-0b2c6e1d-33aa-4f10-9e8b-7d6c5b4a3f21", "0000:3a:00.0", "NVIDIA A100-SXM4-80GB", {}},
      {3, "GPU-f00dcafe-1234-5678-9abc-def012345678", "0000:5d:00.0", "NVIDIA A100-SXM4-80GB", {}},
  };
  return gpus;
}

bool known_uuid(const std::string& uuid) {
  for (const auto& g : machine()) {
    if (g.uuid == uuid) return true;
    if (std::find(g.mig_uuids.begin(), g.mig_uuids.end(), uuid) != g.mig_uuids.end()) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string value(reinterpret_cast<const char*>(data), size);

  auto entries = ongpu::parse_visible_devices(value);
  if (value.empty()) {
    FUZZ_CHECK(entries.empty());
  } else {
    // One entry per comma-separated field, empty fields included.
    FUZZ_CHECK(entries.size() ==
               static_cast<size_t>(std::count(value.begin(), value.end(), ',')) + 1);
  }
  for (const auto& e : entries) {
    if (e.kind == ongpu::VisibleEntry::Kind::index) FUZZ_CHECK(e.index >= 0);
  }

  auto r = ongpu::resolve_visible(value, machine(), ongpu::OrderSource::cuda);
  FUZZ_CHECK(r.variable_set);
  FUZZ_CHECK(r.visible.size() <= entries.size());
  std::vector<std::string> seen;
  for (size_t i = 0; i < r.visible.size(); ++i) {
    const auto& g = r.visible[i];
    FUZZ_CHECK(g.cuda_ordinal == static_cast<int>(i));
    FUZZ_CHECK(known_uuid(g.uuid));
    FUZZ_CHECK(std::find(seen.begin(), seen.end(), g.uuid) == seen.end());
    seen.push_back(g.uuid);
  }
  // The first entry that selects nothing ends the list; every entry is either
  // visible, the one that stopped the list, or ignored after it.
  if (entries.empty()) {
    FUZZ_CHECK(r.visible.empty() && r.stop_position);
  } else if (r.stop_position) {
    FUZZ_CHECK(r.stop != ongpu::VisibleResolution::Stop::none);
    FUZZ_CHECK(*r.stop_position == r.visible.size());
    FUZZ_CHECK(r.visible.size() + 1 + r.ignored_entries.size() == entries.size());
  } else {
    FUZZ_CHECK(r.visible.size() == entries.size());
    FUZZ_CHECK(r.ignored_entries.empty());
  }
  return 0;
}
