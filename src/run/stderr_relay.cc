#include "run/stderr_relay.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace ongpu::run {
namespace {

constexpr size_t kMaxLine = 16 << 10;

// All of it to ongpu's stderr; a stderr that has gone away drops the rest
// (the command is not made to block on it).
void write_out(const char* data, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(2, data, n);
    if (w > 0) {
      data += w;
      n -= static_cast<size_t>(w);
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN) {
      pollfd p{2, POLLOUT, 0};
      if (::poll(&p, 1, 1000) > 0) continue;
    }
    return;
  }
}

}  // namespace

std::vector<std::string> LineSplitter::feed(std::string_view bytes) {
  std::vector<std::string> out;
  for (char c : bytes) {
    if (c == '\n' || c == '\r') {
      if (!partial_.empty()) out.push_back(std::move(partial_));
      partial_.clear();
      cut_ = false;
      continue;
    }
    if (cut_) continue;
    if (partial_.size() >= kMaxLine) {
      out.push_back(std::move(partial_));
      partial_.clear();
      cut_ = true;
      continue;
    }
    partial_.push_back(c);
  }
  return out;
}

std::vector<std::string> LineSplitter::finish() {
  std::vector<std::string> out;
  if (!partial_.empty()) out.push_back(std::move(partial_));
  partial_.clear();
  return out;
}

StderrRelay::~StderrRelay() {
  close_command_end();
  if (read_end_ >= 0) ::close(read_end_);
}

bool StderrRelay::open() {
  if (::fcntl(2, F_GETFD) < 0) return false;
  if (::isatty(2) == 1) {
    int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    char name[128];
    if (master >= 0 && ::grantpt(master) == 0 && ::unlockpt(master) == 0 &&
        ::ptsname_r(master, name, sizeof name) == 0) {
      int slave = ::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
      if (slave >= 0) {
        // The terminal's settings, except that output is not processed: the
        // bytes reach ongpu as written, and the terminal processes them once.
        termios t{};
        if (::tcgetattr(2, &t) == 0) {
          t.c_oflag &= ~static_cast<tcflag_t>(OPOST);
          ::tcsetattr(slave, TCSANOW, &t);
        }
        read_end_ = master;
        command_end_ = slave;
        pty_ = true;
        copy_window_size();
      }
    }
    if (!pty_ && master >= 0) ::close(master);
  }
  if (!pty_) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return false;
    read_end_ = p[0];
    command_end_ = p[1];
  }
  ::fcntl(read_end_, F_SETFL, ::fcntl(read_end_, F_GETFL) | O_NONBLOCK);
  return true;
}

void StderrRelay::close_command_end() {
  if (command_end_ >= 0) ::close(command_end_);
  command_end_ = -1;
}

void StderrRelay::copy_window_size() {
  if (!pty_ || read_end_ < 0) return;
  winsize ws{};
  if (::ioctl(2, TIOCGWINSZ, &ws) == 0) ::ioctl(read_end_, TIOCSWINSZ, &ws);
}

std::vector<std::string> StderrRelay::pump() {
  std::vector<std::string> lines;
  if (read_end_ < 0) return lines;
  char chunk[65536];
  for (int round = 0; round < 16; ++round) {  // then let the loop sample
    ssize_t n = ::read(read_end_, chunk, sizeof chunk);
    if (n > 0) {
      write_out(chunk, static_cast<size_t>(n));
      auto more = lines_.feed(std::string_view(chunk, static_cast<size_t>(n)));
      for (auto& l : more) lines.push_back(std::move(l));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    // End of file (pipe) or EIO (a pty whose last writer has closed it).
    ::close(read_end_);
    read_end_ = -1;
    break;
  }
  return lines;
}

}  // namespace ongpu::run
