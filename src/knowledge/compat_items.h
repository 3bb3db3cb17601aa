// Building blocks shared by the framework and driver answers of `ongpu compat`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "knowledge/compat.h"
#include "knowledge/knowledge.h"

namespace ongpu::knowledge {

std::string join(const std::vector<std::string>& parts, std::string_view separator);

// The driver lines for a build made with CUDA `cuda`: the toolkit's minimum
// (Table 3) and the minor-version-compatibility floor of its major (Table 2);
// with_arch adds what the toolkit can compile (append_toolkit_arch).
void append_cuda_requirements(const Knowledge& k, const std::string& cuda,
                              std::string_view framework, std::vector<Item>& out,
                              bool with_arch = true);

// The SASS range of toolkit `cuda`, said as an upper bound: the framework's
// own compiled list is not in the tables.
void append_toolkit_arch(const Knowledge& k, const std::string& cuda, std::string_view framework,
                         std::vector<Item>& out);

}  // namespace ongpu::knowledge
