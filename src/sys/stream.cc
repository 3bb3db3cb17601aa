#include "sys/stream.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace ongpu::sys {

Result<int> open_for_reading(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(std::strerror(errno));
  return fd;
}

Result<uint64_t> read_chunks(int fd, const std::function<void(std::string_view)>& chunk) {
  std::vector<char> buf(size_t{1} << 16);
  uint64_t total = 0;
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error(std::strerror(errno));
    }
    if (n == 0) return total;
    total += static_cast<uint64_t>(n);
    chunk(std::string_view(buf.data(), static_cast<size_t>(n)));
  }
}

void close_stream(int fd) {
  if (fd > 2) ::close(fd);
}

int terminal_columns(int fd) {
  struct winsize ws {};
  if (::ioctl(fd, TIOCGWINSZ, &ws) != 0) return 0;
  return ws.ws_col;
}

bool is_terminal(int fd) { return ::isatty(fd) == 1; }

}  // namespace ongpu::sys
