// Finds the ML frameworks installed in a Python environment and reads what
// their own files say about their build — without importing them.
#pragma once

#include <vector>

#include "facts/factset.h"
#include "sys/fs.h"

namespace ongpu::frameworks {

std::vector<FrameworkFacts> detect(const sys::FileSystem& fs, const PythonEnv& env);

}  // namespace ongpu::frameworks
