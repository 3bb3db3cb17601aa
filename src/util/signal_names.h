// Signal names without glibc 2.32's sigabbrev_np, so the portable binary
// runs on glibc 2.17 (docs/install.md).
#pragma once

#include <optional>
#include <string_view>

namespace ongpu {

// The abbreviation of a standard Linux signal as sigabbrev_np gives it
// ("SEGV" for SIGSEGV); nullopt for a number that is not one (0, real-time
// signals, garbage).
std::optional<std::string_view> signal_abbrev(int sig);

}  // namespace ongpu
