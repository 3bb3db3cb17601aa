#include "python/environments.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace ongpu::python {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("ongpu-env-test-" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

}  // namespace

TEST(PredictSitePackages, AVirtualenvsOwnDirectory) {
  TempDir t;
  write(t.path / "venv/pyvenv.cfg", "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.7\n");
  fs::create_directories(t.path / "venv/lib/python3.11/site-packages");
  auto live = sys::make_file_system("/");
  auto sites = predict_site_packages(*live, (t.path / "venv/bin/python").string());
  ASSERT_EQ(sites.size(), 1u);
  EXPECT_EQ(sites[0], (t.path / "venv/lib/python3.11/site-packages").string());
}

TEST(PredictSitePackages, NotWhenTheSystemPackagesAreIncludedOrNoVenv) {
  TempDir t;
  write(t.path / "venv/pyvenv.cfg", "include-system-site-packages = true\n");
  fs::create_directories(t.path / "venv/lib/python3.11/site-packages");
  auto live = sys::make_file_system("/");
  EXPECT_TRUE(predict_site_packages(*live, (t.path / "venv/bin/python").string()).empty());
  EXPECT_TRUE(predict_site_packages(*live, "/usr/bin/python3").empty());
  EXPECT_TRUE(predict_site_packages(*live, "python3").empty());
}

TEST(FindInterpreters, OneQueryPerEnvironment) {
  // python and python3 in one bin directory resolving to one binary count once.
  TempDir t;
  fs::create_directories(t.path / "bin");
  write(t.path / "bin/python3", "#!/bin/sh\n");
  fs::permissions(t.path / "bin/python3", fs::perms::owner_all);
  fs::create_symlink("python3", t.path / "bin/python");
  auto found = find_interpreters({{"PATH", (t.path / "bin").string()}}, {});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].source, "PATH");
}

}  // namespace ongpu::python
