// The knowledge tables (knowledge/*.csv) compiled into the binary. The
// definition is generated at build time by cmake/knowledge.cmake.
#pragma once

#include <span>
#include <string_view>

namespace ongpu::knowledge {

struct EmbeddedFile {
  std::string_view name;  // "cuda_driver.csv"
  std::string_view text;
};

std::span<const EmbeddedFile> embedded_files();

}  // namespace ongpu::knowledge
