// CUDA_VISIBLE_DEVICES, parsed and applied the way the CUDA driver documents
// it (CUDA Programming Guide, "CUDA Environment Variables"; see
// docs/visible.md): unset shows every GPU; set but empty shows none; entries
// are indices in CUDA's enumeration order, GPU-UUID prefixes or MIG UUIDs;
// the first invalid entry ends the list.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "facts/factset.h"

namespace ongpu {

struct VisibleEntry {
  enum class Kind { index, gpu_uuid, mig_uuid, invalid };
  Kind kind = Kind::invalid;
  std::string text;  // the entry as written, trimmed
  int index = -1;    // for Kind::index
};
std::vector<VisibleEntry> parse_visible_devices(std::string_view value);

// One physical GPU, in CUDA's enumeration order.
struct GpuIdentity {
  int nvml_index = -1;     // nvidia-smi's number; -1 when NVML did not see it
  std::string uuid;        // GPU-...
  std::string pci_bus_id;  // normalized
  std::string name;
  std::vector<std::string> mig_uuids;
};

struct VisibleGpu {
  int cuda_ordinal = 0;  // the number the process will use
  int nvml_index = -1;
  std::string uuid;
  std::string name;
  std::string entry;  // the CUDA_VISIBLE_DEVICES entry that selected it ("" when unset)
  bool mig = false;
};

// Where CUDA's enumeration order came from: cuda, the driver's own; pci,
// assumed from NVML's PCI order when the CUDA probe did not answer.
enum class OrderSource { cuda, pci };
template <>
struct EnumNames<OrderSource> {
  static constexpr auto last = OrderSource::pci;
  static constexpr std::array<std::string_view, 2> names{"cuda", "pci"};
};

struct VisibleResolution {
  bool variable_set = false;
  std::string value;
  std::vector<VisibleGpu> visible;
  // Why the list ended (render/visible_words.h words it).
  enum class Stop {
    none,
    empty_value,     // CUDA_VISIBLE_DEVICES=""
    empty_entry,     // "0,,1"
    negative,        // "-1"
    not_an_entry,    // neither an index nor a GPU-/MIG- UUID
    no_such_index,   // an index past the last GPU
    no_such_gpu,     // no GPU UUID starts with it
    ambiguous_uuid,  // a UUID prefix that matches several GPUs
    no_such_mig,     // no MIG instance has it
    repeated,        // a GPU already in the list
  };
  Stop stop = Stop::none;
  // The entry that ended the list; entries after it are ignored.
  std::optional<size_t> stop_position;
  std::string stop_entry;
  size_t stop_matches = 0;  // ambiguous_uuid: how many GPUs the prefix matches
  size_t gpus = 0;          // how many GPUs the order had
  std::vector<std::string> ignored_entries;
  OrderSource order_source = OrderSource::cuda;
};

template <>
struct EnumNames<VisibleResolution::Stop> {
  static constexpr auto last = VisibleResolution::Stop::repeated;
  static constexpr std::array<std::string_view, 10> names{
      "none",          "empty_value", "empty_entry",    "negative",    "not_an_entry",
      "no_such_index", "no_such_gpu", "ambiguous_uuid", "no_such_mig", "repeated"};
};

VisibleResolution resolve_visible(const std::optional<std::string>& value,
                                  const std::vector<GpuIdentity>& cuda_order,
                                  OrderSource order_source);

// The physical GPUs in CUDA's enumeration order, from the facts: the CUDA
// probe run without CUDA_VISIBLE_DEVICES when there is one, else NVML's PCI
// order. Each is matched to its NVML index by UUID, then PCI bus id.
std::vector<GpuIdentity> cuda_enumeration_order(const FactSet& facts, OrderSource* order_source);

VisibleResolution resolve_visible(const FactSet& facts);

}  // namespace ongpu
