// The words of the framework findings about its CUDA wheels and libraries
// (render/wordings.h).
#include <fmt/format.h>

#include "render/wordings.h"

namespace ongpu::wording {

std::span<const Wording> framework_library_wordings() { return {}; }

}  // namespace ongpu::wording
