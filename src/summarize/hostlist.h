// Node names in the notation cluster administrators read: Slurm's hostlist
// ("gpu[001-012,019],login1"). Names that differ only in the last run of
// digits share one bracket; consecutive numbers become a range; a range keeps
// the zero padding its names had, so the list expands back to exactly the
// names given (hostlist_test.cc expands every result again).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ongpu::summarize {

// first..last printed with at least `width` digits (zero padded; 0: as is).
struct HostRange {
  uint64_t first = 0;
  uint64_t last = 0;
  int width = 0;
};

// prefix[ranges]suffix, or a name without a number (ranges empty).
struct HostPattern {
  std::string prefix;
  std::string suffix;
  std::vector<HostRange> ranges;
};

// The names, deduplicated, as patterns in natural order.
std::vector<HostPattern> hostlist_patterns(std::span<const std::string> names);
// "gpu[001-003,007],login1".
std::string hostlist_text(std::span<const HostPattern> patterns);
std::string compress_hostlist(std::span<const std::string> names);

// At most `max_chars`: whole ranges in order, then ",…]" where the list was
// cut; `omitted` is how many names the cut left out (0: it all fit).
std::string hostlist_text_within(std::span<const HostPattern> patterns, size_t max_chars,
                                 size_t& omitted);

// Natural order: "gpu2" before "gpu10", so that lists read as admins count.
bool natural_less(std::string_view a, std::string_view b);

}  // namespace ongpu::summarize
