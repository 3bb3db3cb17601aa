// The words of the machine findings (render/wordings.h).
#include <fmt/format.h>

#include "render/wordings.h"

namespace ongpu::wording {

std::span<const Wording> machine_wordings() { return {}; }

}  // namespace ongpu::wording
