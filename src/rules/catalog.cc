#include "rules/catalog.h"

#include <array>

namespace ongpu {
const char* severity_name(Severity s) {
  switch (s) {
    case Severity::info:
      return "info";
    case Severity::warning:
      return "warning";
    case Severity::error:
      return "error";
  }
  return "error";
}

const char* link_id(Link l) {
  switch (l) {
    case Link::hardware:
      return "hardware";
    case Link::kernel_module:
      return "kernel_module";
    case Link::device_nodes:
      return "device_nodes";
    case Link::userspace_driver:
      return "userspace_driver";
    case Link::nvml:
      return "nvml";
    case Link::cuda:
      return "cuda";
    case Link::gpu_state:
      return "gpu_state";
    case Link::environment:
      return "environment";
    case Link::framework:
      return "framework";
    case Link::cuda_libraries:
      return "cuda_libraries";
    case Link::compatibility:
      return "compatibility";
    case Link::live:
      return "live";
  }
  return "";
}

std::span<const CatalogEntry> catalog() { return catalog_data::kCatalog; }

const CatalogEntry* find_catalog_entry(std::string_view id) {
  for (const auto& e : catalog_data::kCatalog) {
    if (e.id == id) return &e;
  }
  return nullptr;
}

std::optional<FindingId> FindingId::known(std::string_view id) {
  if (const auto* e = find_catalog_entry(id)) return FindingId(e->id, 0);
  return std::nullopt;
}

Finding make_finding(FindingId id) {
  Finding f;
  f.id = std::string(id.view());
  if (const auto* e = find_catalog_entry(id.view())) {
    f.link = e->link;
    f.severity = e->severity;
  }
  return f;
}

}  // namespace ongpu
