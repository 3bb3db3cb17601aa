// Replacing a file whole, so that a reader (node_exporter's textfile
// collector, a monitoring agent) sees the old content or the new, never half.
#pragma once

#include <string>
#include <string_view>

#include "util/result.h"

namespace ongpu {

// Writes `content` to a temporary file in the same directory as `path` (its
// name starts with '.' and does not end in path's suffix), flushes it to
// disk, gives it `mode`, and renames it over `path`. On failure the temporary
// file is removed, `path` is left as it was, and the error names the step.
// Nothing else is written: the directory must exist.
Result<bool> replace_file_atomically(const std::string& path, std::string_view content,
                                     unsigned mode = 0644);

}  // namespace ongpu
