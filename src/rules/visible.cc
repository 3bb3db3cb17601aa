#include "rules/visible.h"

#include <algorithm>

#include "facts/parsers.h"
#include "util/strings.h"

namespace ongpu {

std::vector<VisibleEntry> parse_visible_devices(std::string_view value) {
  std::vector<VisibleEntry> out;
  if (value.empty()) return out;
  for (auto t : split(value, ',')) {
    // No trimming: NVIDIA documents a comma-separated list and nothing about
    // white space, so " 1" is taken as written (and is not an index).
    VisibleEntry e;
    e.text = sanitize_text(t);
    if (!t.empty() &&
        std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      auto n = parse_number<int>(t);
      if (n) {
        e.kind = VisibleEntry::Kind::index;
        e.index = *n;
      }
    } else if (starts_with(t, "GPU-")) {
      e.kind = VisibleEntry::Kind::gpu_uuid;
    } else if (starts_with(t, "MIG-")) {
      e.kind = VisibleEntry::Kind::mig_uuid;
    }
    out.push_back(std::move(e));
  }
  return out;
}

VisibleResolution resolve_visible(const std::optional<std::string>& value,
                                  const std::vector<GpuIdentity>& order, OrderSource order_source) {
  VisibleResolution r;
  r.order_source = order_source;
  r.gpus = order.size();
  if (!value) {
    for (size_t i = 0; i < order.size(); ++i) {
      r.visible.push_back(
          {static_cast<int>(i), order[i].nvml_index, order[i].uuid, order[i].name, "", false});
    }
    return r;
  }
  r.variable_set = true;
  r.value = *value;
  auto entries = parse_visible_devices(*value);
  if (entries.empty()) {
    r.stop_position = 0;
    r.stop = VisibleResolution::Stop::empty_value;
    return r;
  }
  std::vector<std::string> chosen;  // uuids already visible
  using Stop = VisibleResolution::Stop;
  auto stop = [&](size_t i, Stop kind) {
    r.stop = kind;
    r.stop_position = i;
    r.stop_entry = entries[i].text;
    for (size_t k = i + 1; k < entries.size(); ++k) r.ignored_entries.push_back(entries[k].text);
  };
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    const GpuIdentity* gpu = nullptr;
    std::string uuid;
    bool mig = false;
    switch (e.kind) {
      case VisibleEntry::Kind::invalid:
        if (e.text.empty())
          stop(i, Stop::empty_entry);
        else if (starts_with(e.text, "-"))
          stop(i, Stop::negative);
        else
          stop(i, Stop::not_an_entry);
        return r;
      case VisibleEntry::Kind::index:
        if (e.index < 0 || static_cast<size_t>(e.index) >= order.size()) {
          stop(i, Stop::no_such_index);
          return r;
        }
        gpu = &order[static_cast<size_t>(e.index)];
        uuid = gpu->uuid;
        break;
      case VisibleEntry::Kind::gpu_uuid: {
        // A prefix must pick exactly one GPU (CUDA Programming Guide: "enough
        // digits from the beginning of the GPU UUID to uniquely identify").
        // Compared as written: UUIDs are lower-case hex as nvidia-smi -L prints them.
        std::vector<const GpuIdentity*> matches;
        for (const auto& g : order) {
          if (starts_with(g.uuid, e.text)) matches.push_back(&g);
        }
        if (matches.size() != 1) {
          r.stop_matches = matches.size();
          stop(i, matches.empty() ? Stop::no_such_gpu : Stop::ambiguous_uuid);
          return r;
        }
        gpu = matches[0];
        uuid = gpu->uuid;
        break;
      }
      case VisibleEntry::Kind::mig_uuid: {
        for (const auto& g : order) {
          for (const auto& m : g.mig_uuids) {
            if (m == e.text && !gpu) {
              gpu = &g;
              uuid = m;
            }
          }
        }
        if (!gpu) {
          stop(i, Stop::no_such_mig);
          return r;
        }
        mig = true;
        break;
      }
    }
    if (std::find(chosen.begin(), chosen.end(), uuid) != chosen.end()) {
      // NVIDIA does not document a repeated entry; ongpu assumes it ends the list.
      stop(i, Stop::repeated);
      return r;
    }
    chosen.push_back(uuid);
    r.visible.push_back({static_cast<int>(r.visible.size()), gpu->nvml_index, uuid,
                         gpu->name + (mig ? " (MIG instance)" : ""), e.text, mig});
  }
  return r;
}

std::vector<GpuIdentity> cuda_enumeration_order(const FactSet& facts, OrderSource* order_source) {
  const CudaFacts* cuda = nullptr;
  if (!facts.env.cuda_visible_devices) {
    if (facts.cuda.probe.status == ProbeStatus::ok && facts.cuda.device_count) cuda = &facts.cuda;
  } else if (facts.cuda_all.probe.status == ProbeStatus::ok && facts.cuda_all.device_count) {
    cuda = &facts.cuda_all;
  }
  auto nvml_match = [&](const std::string& uuid, const std::string& bus) -> const NvmlGpu* {
    for (const auto& g : facts.nvml.gpus) {
      if (!uuid.empty() && g.uuid && to_lower(*g.uuid) == to_lower(uuid)) return &g;
    }
    for (const auto& g : facts.nvml.gpus) {
      if (!bus.empty() && g.pci_bus_id && normalize_pci_bus_id(*g.pci_bus_id).value_or("") == bus)
        return &g;
    }
    return nullptr;
  };
  std::vector<GpuIdentity> out;
  if (cuda) {
    if (order_source) *order_source = OrderSource::cuda;
    for (const auto& d : cuda->devices) {
      GpuIdentity id;
      id.uuid = d.uuid.value_or("");
      id.pci_bus_id = d.pci_bus_id ? normalize_pci_bus_id(*d.pci_bus_id).value_or("") : "";
      id.name = d.name.value_or("");
      if (const NvmlGpu* g = nvml_match(id.uuid, id.pci_bus_id)) {
        id.nvml_index = static_cast<int>(g->index);
        id.mig_uuids = g->mig_device_uuids.value_or({});
        if (id.uuid.empty()) id.uuid = g->uuid.value_or("");
      }
      out.push_back(std::move(id));
    }
    return out;
  }
  if (order_source) *order_source = OrderSource::pci;
  for (const auto& g : facts.nvml.gpus) {
    GpuIdentity id;
    id.nvml_index = static_cast<int>(g.index);
    id.uuid = g.uuid.value_or("");
    id.pci_bus_id = g.pci_bus_id ? normalize_pci_bus_id(*g.pci_bus_id).value_or("") : "";
    id.name = g.name.value_or("");
    id.mig_uuids = g.mig_device_uuids.value_or({});
    out.push_back(std::move(id));
  }
  return out;
}

VisibleResolution resolve_visible(const FactSet& facts) {
  OrderSource source = OrderSource::pci;
  auto order = cuda_enumeration_order(facts, &source);
  return resolve_visible(facts.env.cuda_visible_devices, order, source);
}

}  // namespace ongpu
