// The frameworks ongpu knows, by import name: the name in the JSON, the
// knowledge tables and `verify --framework`.
#pragma once

#include <array>
#include <string_view>

#include "util/enum_names.h"

namespace ongpu {

// The frameworks ongpu knows, by import name.
enum class Framework { tensorflow, torch, jax, cupy, onnxruntime };
template <>
struct EnumNames<Framework> {
  static constexpr auto last = Framework::onnxruntime;
  static constexpr std::array<std::string_view, 5> names{"tensorflow", "torch", "jax", "cupy",
                                                         "onnxruntime"};
};

}  // namespace ongpu
