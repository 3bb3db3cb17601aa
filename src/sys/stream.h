// Reading a stream (a file, a pipe, a terminal) to its end in chunks, for a
// command that takes input of any size: only one chunk is held at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "util/result.h"

namespace ongpu::sys {

// Opens a file to read; the error names the path and the system's reason.
Result<int> open_for_reading(const std::string& path);
// Calls `chunk` with each piece read from `fd` until its end; returns the
// bytes read, or the system's reason a read failed (after what was read).
Result<uint64_t> read_chunks(int fd, const std::function<void(std::string_view)>& chunk);
// Closes what open_for_reading opened.
void close_stream(int fd);

// Columns of the terminal on `fd`, or 0 when it is not one.
int terminal_columns(int fd);
bool is_terminal(int fd);

}  // namespace ongpu::sys
