#include "sys/fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include "util/strings.h"

namespace ongpu::sys {
namespace {

std::string errno_text(std::string_view what, std::string_view path) {
  return std::string(what) + " " + std::string(path) + ": " + std::strerror(errno);
}

class RootedFileSystem final : public FileSystem {
 public:
  explicit RootedFileSystem(std::string root) : root_(std::move(root)) {
    while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
    if (root_ == "/") root_.clear();
    if (is_fixture()) load_fixture_meta();
  }

  Result<std::string> read_file(std::string_view path, size_t max_bytes) const override {
    std::string full = resolve(path);
    int fd = ::open(full.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return make_error(errno_text("cannot open", path));
    std::string out;
    char buf[4096];
    while (out.size() < max_bytes) {
      ssize_t n = ::read(fd, buf, std::min(sizeof buf, max_bytes - out.size()));
      if (n < 0) {
        if (errno == EINTR) continue;
        auto err = errno_text("cannot read", path);
        ::close(fd);
        return make_error(err);
      }
      if (n == 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return out;
  }

  Result<std::string> read_range(std::string_view path, uint64_t offset,
                                 size_t len) const override {
    std::string full = resolve(path);
    int fd = ::open(full.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return make_error(errno_text("cannot open", path));
    std::string out(len, '\0');
    size_t got = 0;
    while (got < len) {
      ssize_t n = ::pread(fd, out.data() + got, len - got, static_cast<off_t>(offset + got));
      if (n < 0) {
        if (errno == EINTR) continue;
        auto err = errno_text("cannot read", path);
        ::close(fd);
        return make_error(err);
      }
      if (n == 0) break;
      got += static_cast<size_t>(n);
    }
    ::close(fd);
    out.resize(got);
    return out;
  }

  Result<std::vector<std::string>> list_dir(std::string_view path) const override {
    std::string full = resolve(path);
    DIR* d = ::opendir(full.c_str());
    if (!d) return make_error(errno_text("cannot list", path));
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) {
      std::string_view n = e->d_name;
      if (n == "." || n == "..") continue;
      names.emplace_back(n);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    return names;
  }

  Result<std::string> read_link(std::string_view path) const override {
    std::string full = resolve(path);
    char buf[4096];
    ssize_t n = ::readlink(full.c_str(), buf, sizeof buf);
    if (n < 0) return make_error(errno_text("cannot read link", path));
    return std::string(buf, static_cast<size_t>(n));
  }

  Result<FileStat> stat(std::string_view path) const override {
    std::string full = resolve(path);
    struct ::stat st {};
    if (::stat(full.c_str(), &st) != 0) return make_error(errno_text("cannot stat", path));
    FileStat fs;
    fs.is_dir = S_ISDIR(st.st_mode);
    fs.is_char_device = S_ISCHR(st.st_mode);
    fs.mode = st.st_mode & 07777;
    fs.uid = st.st_uid;
    fs.gid = st.st_gid;
    if (is_fixture()) {
      // A fixture stores device nodes as regular files under /dev.
      if (S_ISREG(st.st_mode) && starts_with(path, "/dev/")) {
        fs.is_char_device = true;
        fs.mode = 0666;
        fs.uid = 0;
        fs.gid = 0;
      }
      if (auto it = stat_overrides_.find(std::string(path)); it != stat_overrides_.end()) {
        fs.mode = it->second.mode;
        fs.uid = it->second.uid;
        fs.gid = it->second.gid;
      }
    }
    return fs;
  }

  Access access(std::string_view path) const override {
    if (!is_fixture()) {
      std::string full(path);
      return {::faccessat(AT_FDCWD, full.c_str(), R_OK, AT_EACCESS) == 0,
              ::faccessat(AT_FDCWD, full.c_str(), W_OK, AT_EACCESS) == 0};
    }
    // In a fixture, apply the classic owner/group/other rule for the fixture's
    // identity (the test runner is often root, which would pass everything).
    auto st = stat(path);
    if (!st) return {};
    const Identity id = identity();
    if (id.uid == 0) return {true, true};
    uint32_t bits;
    bool in_group = st->gid == id.gid ||
                    std::find(id.groups.begin(), id.groups.end(), st->gid) != id.groups.end();
    if (st->uid == id.uid) {
      bits = (st->mode >> 6) & 7;
    } else if (in_group) {
      bits = (st->mode >> 3) & 7;
    } else {
      bits = st->mode & 7;
    }
    return {(bits & 4) != 0, (bits & 2) != 0};
  }

  Identity identity() const override {
    if (is_fixture()) return fixture_identity_;
    Identity id{static_cast<uint32_t>(::geteuid()), static_cast<uint32_t>(::getegid()), {}};
    gid_t groups[256];
    int n = ::getgroups(256, groups);
    for (int i = 0; i < n; ++i) id.groups.push_back(groups[i]);
    return id;
  }

 private:
  struct Override {
    uint32_t mode, uid, gid;
  };

  bool is_fixture() const { return !root_.empty(); }
  std::string resolve(std::string_view path) const { return root_ + std::string(path); }

  void load_fixture_meta() {
    fixture_identity_ = {1000, 1000, {1000}};
    auto text = read_file("/.ongpu-fixture", 1 << 16);
    if (!text) return;
    for (auto line : split(*text, '\n')) {
      std::vector<std::string_view> w;
      for (auto part : split(trim(line), ' ')) {
        if (!part.empty()) w.push_back(part);
      }
      if (w.size() >= 3 && w[0] == "identity") {
        fixture_identity_.uid = parse_number<uint32_t>(w[1]).value_or(1000);
        fixture_identity_.gid = parse_number<uint32_t>(w[2]).value_or(1000);
        fixture_identity_.groups.clear();
        if (w.size() >= 4) {
          for (auto g : split(w[3], ',')) {
            if (auto v = parse_number<uint32_t>(g)) fixture_identity_.groups.push_back(*v);
          }
        }
      } else if (w.size() == 5 && w[0] == "stat") {
        auto mode = parse_number<uint32_t>(w[2], 8);
        auto uid = parse_number<uint32_t>(w[3]);
        auto gid = parse_number<uint32_t>(w[4]);
        if (mode && uid && gid) stat_overrides_[std::string(w[1])] = {*mode, *uid, *gid};
      }
    }
  }

  std::string root_;
  Identity fixture_identity_;
  std::map<std::string, Override> stat_overrides_;
};

}  // namespace

std::unique_ptr<FileSystem> make_file_system(const std::string& root) {
  return std::make_unique<RootedFileSystem>(root);
}

}  // namespace ongpu::sys
