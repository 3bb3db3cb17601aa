// The words of the framework findings (render/wordings.h).
#include <fmt/format.h>

#include "render/wordings.h"

namespace ongpu::wording {

std::span<const Wording> framework_wordings() { return {}; }

}  // namespace ongpu::wording
