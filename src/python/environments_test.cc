#include "python/environments.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

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
  write(t.path / "venv/pyvenv.cfg",
        "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.7\n");
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

// A pip-installed ongpu called by its full path, its venv not activated:
// that venv is checked. One that is not in an environment finds nothing.
TEST(FindInterpreters, TheEnvironmentOngpuIsInstalledIn) {
  TempDir t;
  write(t.path / "venv/pyvenv.cfg", "home = /usr/bin\n");
  write(t.path / "venv/bin/python", "#!/bin/sh\n");
  fs::permissions(t.path / "venv/bin/python", fs::perms::owner_all);
  write(t.path / "venv/bin/ongpu", "");
  write(t.path / "loose/bin/python", "#!/bin/sh\n");
  fs::permissions(t.path / "loose/bin/python", fs::perms::owner_all);
  auto found =
      find_interpreters({{"PATH", "/nonexistent"}}, {}, (t.path / "venv/bin/ongpu").string());
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].path, (t.path / "venv/bin/python").string());
  EXPECT_EQ(found[0].source, kBesideOngpu);
  EXPECT_TRUE(
      find_interpreters({{"PATH", "/nonexistent"}}, {}, (t.path / "loose/bin/ongpu").string())
          .empty());
  EXPECT_TRUE(find_interpreters({{"PATH", "/nonexistent"}}, {}, "ongpu").empty());
  // Activated, it is the VIRTUAL_ENV it always was.
  found = find_interpreters({{"PATH", "/nonexistent"}, {"VIRTUAL_ENV", (t.path / "venv").string()}},
                            {}, (t.path / "venv/bin/ongpu").string());
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].source, "VIRTUAL_ENV");
  // On PATH (a container's PATH=/opt/venv/bin:...), it is the PATH's.
  found = find_interpreters({{"PATH", (t.path / "venv/bin").string()}}, {},
                            (t.path / "venv/bin/ongpu").string());
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].source, "PATH");
  // Started as ./ongpu from inside bin/: the same venv.
  found = find_interpreters({{"PATH", "/nonexistent"}}, {}, (t.path / "venv/bin/./ongpu").string());
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].source, kBesideOngpu);
}

TEST(FindInterpreters, AnEnvironmentOfOngpuAloneIsNotWorthAReport) {
  PythonEnv e;
  e.probe.status = ProbeStatus::ok;
  for (const char* name : {"ongpu", "pip", "setuptools"}) e.distributions.push_back({name});
  EXPECT_TRUE(only_ongpu(e));
  e.probe.status = ProbeStatus::timed_out;  // an interpreter that did not answer is a finding
  EXPECT_FALSE(only_ongpu(e));
  e.probe.status = ProbeStatus::ok;
  e.distributions.push_back({"numpy"});
  EXPECT_FALSE(only_ongpu(e));
  e.distributions = {{"pip"}};  // not ongpu's environment at all
  EXPECT_FALSE(only_ongpu(e));
}

// Records the most bytes asked of each file.
class ReadRecorder final : public sys::FileSystem {
 public:
  explicit ReadRecorder(const sys::FileSystem& inner) : inner_(inner) {}
  Result<std::string> read_file(std::string_view p, size_t n) const override {
    auto& most = asked[std::string(p)];
    most = std::max(most, n);
    return inner_.read_file(p, n);
  }
  Result<std::string> read_range(std::string_view p, uint64_t o, size_t n) const override {
    return inner_.read_range(p, o, n);
  }
  Result<std::vector<std::string>> list_dir(std::string_view p) const override {
    return inner_.list_dir(p);
  }
  Result<std::string> read_link(std::string_view p) const override { return inner_.read_link(p); }
  Result<sys::FileStat> stat(std::string_view p) const override { return inner_.stat(p); }
  sys::Access access(std::string_view p) const override { return inner_.access(p); }
  sys::Identity identity() const override { return inner_.identity(); }
  mutable std::map<std::string, size_t> asked;

 private:
  const sys::FileSystem& inner_;
};

TEST(ScanDistributions, ReadsTheHeaderWhateverItsLengthAndNotTheDescription) {
  TempDir t;
  const fs::path site = t.path / "site-packages";
  // A header longer than the first read (16 KiB) still counts whole.
  std::string header = "Metadata-Version: 2.1\nName: tensorflow\nVersion: 2.21.0\n";
  for (int i = 0; header.size() < 40 * 1024; ++i)
    header += "Classifier: Topic :: Number " + std::to_string(i) + "\n";
  header += "Requires-Dist: nvidia-cudnn-cu12==9.3.0.75; extra == \"and-cuda\"\n";
  write(site / "tensorflow-2.21.0.dist-info/METADATA",
        header + "\nRequires-Dist: not-a-header-line\n");
  // A short header before a long description: the description is not parsed.
  std::string body(100 * 1024, 'x');
  write(site / "scipy-1.17.1.dist-info/METADATA",
        "Metadata-Version: 2.1\r\nName: SciPy\r\nVersion: 1.17.1\r\n\r\nName: not-this\n" + body);
  write(site / "old_pkg-0.1.egg-info", "Metadata-Version: 1.0\nName: old_pkg\nVersion: 0.1\n");
  auto live = sys::make_file_system("/");
  ReadRecorder recorder(*live);
  auto dists = scan_distributions(recorder, {site.string()});
  ASSERT_EQ(dists.size(), 3u);
  // The 100 KB description is not read; the 40 KB header is.
  EXPECT_EQ(recorder.asked[(site / "scipy-1.17.1.dist-info/METADATA").string()], 16u * 1024);
  EXPECT_GT(recorder.asked[(site / "tensorflow-2.21.0.dist-info/METADATA").string()], 40u * 1024);
  std::map<std::string, Distribution> by_name;
  for (auto& d : dists) by_name[d.name] = d;
  ASSERT_TRUE(by_name.count("tensorflow"));
  EXPECT_EQ(by_name["tensorflow"].version, "2.21.0");
  ASSERT_EQ(by_name["tensorflow"].requires_dist.size(), 1u);
  EXPECT_EQ(by_name["tensorflow"].requires_dist[0],
            "nvidia-cudnn-cu12==9.3.0.75; extra == \"and-cuda\"");
  ASSERT_TRUE(by_name.count("scipy"));
  EXPECT_EQ(by_name["scipy"].version, "1.17.1");
  EXPECT_EQ(by_name["old-pkg"].version, "0.1");
}

}  // namespace ongpu::python
