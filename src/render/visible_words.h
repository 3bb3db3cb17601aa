// Why CUDA_VISIBLE_DEVICES ends where it does, in words (rules/visible.h
// says where and why as values).
#pragma once

#include <string>

#include "rules/visible.h"

namespace ongpu {

// stop: the kind; entry: the entry that ended the list; gpus: how many GPUs
// there are; matches: for an ambiguous UUID prefix, how many it matches.
std::string visible_stop_words(VisibleResolution::Stop stop, const std::string& entry, size_t gpus,
                               size_t matches);
inline std::string visible_stop_words(const VisibleResolution& r) {
  return visible_stop_words(r.stop, r.stop_entry, r.gpus, r.stop_matches);
}

}  // namespace ongpu
