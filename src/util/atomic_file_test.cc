#include "util/atomic_file.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace ongpu {
namespace {

class AtomicFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ongpu-atomic-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    for (const auto& n : entries()) ::unlink((dir_ + "/" + n).c_str());
    ::chmod(dir_.c_str(), 0700);
    ::rmdir(dir_.c_str());
  }
  std::vector<std::string> entries() const {
    std::vector<std::string> out;
    if (DIR* d = ::opendir(dir_.c_str())) {
      while (dirent* e = ::readdir(d)) {
        std::string n = e->d_name;
        if (n != "." && n != "..") out.push_back(n);
      }
      ::closedir(d);
    }
    return out;
  }
  static std::string read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::string dir_;
};

TEST_F(AtomicFile, WritesTheContentWithTheModeAndLeavesNoTemporaryFile) {
  const std::string path = dir_ + "/ongpu.prom";
  ::umask(077);  // the mode must not depend on the caller's umask
  auto r = replace_file_atomically(path, "a 1\n");
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(read(path), "a 1\n");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  EXPECT_EQ(entries(), std::vector<std::string>{"ongpu.prom"});
  ::umask(022);
}

TEST_F(AtomicFile, ReplacesAnExistingFileWhole) {
  const std::string path = dir_ + "/ongpu.prom";
  { std::ofstream(path) << std::string(10000, 'x'); }
  ASSERT_TRUE(replace_file_atomically(path, "short\n"));
  EXPECT_EQ(read(path), "short\n");
  EXPECT_EQ(entries().size(), 1u);
}

TEST_F(AtomicFile, AMissingDirectoryIsAnErrorNamingIt) {
  auto r = replace_file_atomically(dir_ + "/no/such/ongpu.prom", "x");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find(dir_ + "/no/such/"), std::string::npos) << r.error();
  EXPECT_NE(r.error().find("No such file"), std::string::npos) << r.error();
}

TEST_F(AtomicFile, ADirectoryInThePathsPlaceIsAnErrorAndLeavesNothing) {
  const std::string path = dir_ + "/taken";
  ASSERT_EQ(::mkdir(path.c_str(), 0755), 0);
  auto r = replace_file_atomically(path, "x");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("cannot rename"), std::string::npos) << r.error();
  EXPECT_EQ(entries(), std::vector<std::string>{"taken"});
  ::rmdir(path.c_str());
  EXPECT_FALSE(replace_file_atomically(dir_ + "/", "x"));
  EXPECT_FALSE(replace_file_atomically("", "x"));
}

TEST_F(AtomicFile, AnUnwritableDirectoryIsAnError) {
  if (::geteuid() == 0) {
    // root writes anywhere: a read-only file system is the honest test there.
    auto r = replace_file_atomically("/proc/ongpu-test.prom", "x");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find("cannot create a temporary file in /proc/"), std::string::npos)
        << r.error();
    return;
  }
  ASSERT_EQ(::chmod(dir_.c_str(), 0500), 0);
  auto r = replace_file_atomically(dir_ + "/ongpu.prom", "x");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("Permission denied"), std::string::npos) << r.error();
}

}  // namespace
}  // namespace ongpu
