#include "util/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace ongpu {
namespace {

Error failed(const std::string& what, int err) {
  return make_error(what + ": " + std::strerror(err));
}

}  // namespace

Result<bool> replace_file_atomically(const std::string& path, std::string_view content,
                                     unsigned mode) {
  if (path.empty()) return make_error("no file name");
  if (path.back() == '/') return make_error(path + " names a directory");
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  // ".ongpu.prom.XXXXXX": hidden, and not matched by a collector's *.prom.
  std::string temp = dir + "." + base + ".XXXXXX";
  std::vector<char> name(temp.begin(), temp.end());
  name.push_back('\0');
  const int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0)
    return failed("cannot create a temporary file in " + (dir.empty() ? "." : dir), errno);
  temp.assign(name.data());
  auto give_up = [&](const std::string& what) {
    const int err = errno;
    ::close(fd);
    ::unlink(temp.c_str());
    return failed(what, err);
  };
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return give_up("cannot write " + temp);
    }
    done += static_cast<size_t>(n);
  }
  // mkostemp creates the file 0600: a collector running as another user
  // could not read it.
  if (::fchmod(fd, static_cast<mode_t>(mode)) != 0)
    return give_up("cannot set the mode of " + temp);
  if (::fsync(fd) != 0) return give_up("cannot flush " + temp);
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    return failed("cannot write " + temp, err);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    return failed("cannot rename " + temp + " to " + path, err);
  }
  return true;
}

}  // namespace ongpu
