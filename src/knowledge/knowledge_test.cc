// The tables themselves and the queries over them. Expected values are the
// sources' own (shared/reference/knowledge-facts.md, docs/knowledge.md),
// reasoned from the tables, not copied from the code's output.
#include "knowledge/knowledge.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "knowledge/embedded.h"
#include "knowledge/version.h"

namespace ongpu::knowledge {
namespace {

const Knowledge& embedded() {
  static const Knowledge k = [] {
    auto loaded = Knowledge::load();
    if (!loaded) {
      ADD_FAILURE() << loaded.error();
      std::abort();
    }
    return std::move(loaded).value();
  }();
  return k;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// A fresh directory under the temp dir, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string templ =
        (std::filesystem::temp_directory_path() / "ongpu-knowledge-XXXXXX").string();
    path_ = mkdtemp(templ.data()) ? templ : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(std::filesystem::path(path_) / name, std::ios::binary) << text;
  }

 private:
  std::string path_;
};

}  // namespace

TEST(Knowledge, EmbeddedTablesLoadAndMatchTheSourceTree) {
  const auto& k = embedded();
  std::set<std::string> embedded_names;
  for (const auto& f : embedded_files()) {
    embedded_names.insert(std::string(f.name));
    // The build embeds what knowledge/ holds now.
    EXPECT_EQ(f.text, read_file(std::filesystem::path(ONGPU_SOURCE_DIR) / "knowledge" / f.name))
        << f.name;
  }
  for (const auto& name : Knowledge::table_names()) {
    EXPECT_TRUE(embedded_names.count(name)) << name << " is not embedded";
    EXPECT_EQ(k.table_origins().at(name), "embedded");
  }
  // No stray table file that nothing reads.
  for (const auto& entry :
       std::filesystem::directory_iterator(std::filesystem::path(ONGPU_SOURCE_DIR) / "knowledge")) {
    if (entry.path().extension() != ".csv") continue;
    const auto& names = Knowledge::table_names();
    EXPECT_NE(std::find(names.begin(), names.end(), entry.path().filename().string()), names.end())
        << entry.path();
  }
}

TEST(Knowledge, EveryRowHasASourceAndParsedVersions) {
  const auto& k = embedded();
  auto check = [](const auto& rows, const char* table) {
    EXPECT_FALSE(rows.empty()) << table;
    for (const auto& r : rows) {
      EXPECT_FALSE(r.source.empty()) << table << ":" << r.origin.line;
      EXPECT_GT(r.origin.line, 1) << table;
    }
  };
  check(k.tensorflow_builds(), "tensorflow_gpu");
  check(k.tensorflow_notes(), "tensorflow_notes");
  check(k.cuda_releases(), "cuda_driver");
  check(k.minor_compat(), "cuda_minor_compat");
  check(k.sass_ranges(), "cuda_arch");
  check(k.gpu_capabilities(), "gpu_compute_capability");
  check(k.torch_variants(), "pytorch_cuda");
  check(k.jax_extras(), "jax_cuda");
  check(k.tensorflow_libraries(), "tensorflow_cuda_libraries");
  for (const auto& l : k.tensorflow_libraries()) {
    EXPECT_TRUE(l.component == "cuda" || l.component == "cudnn") << l.origin.line;
    EXPECT_TRUE(l.soname.rfind("lib", 0) == 0 && l.soname.find(".so.") != std::string::npos)
        << l.soname;
    EXPECT_LT(compare_versions(l.from, l.before).value_or(0), 0) << l.soname;
  }
  for (const auto& b : k.tensorflow_builds()) {
    EXPECT_TRUE(parse_version(b.version) && parse_version(b.cuda) && parse_version(b.cudnn) &&
                parse_version(b.python_min) && parse_version(b.python_max))
        << b.version;
  }
  for (const auto& c : k.cuda_releases()) {
    EXPECT_TRUE(parse_version(c.linux_min)) << c.release;
    EXPECT_GE(c.update, -1) << c.release;
  }
  for (const auto& g : k.gpu_capabilities()) EXPECT_TRUE(parse_version(g.compute_capability));
}

TEST(Knowledge, TensorflowTestedBuilds) {
  const auto& k = embedded();
  EXPECT_EQ(k.tensorflow_builds().size(), 22u);  // 2.0.0 ... 2.21.0
  auto m = k.tensorflow_build("2.15.0");
  ASSERT_TRUE(m.build);
  EXPECT_FALSE(m.by_series);
  EXPECT_EQ(m.build->cuda, "12.2");
  EXPECT_EQ(m.build->cudnn, "8.9");
  EXPECT_EQ(m.build->python_min, "3.9");
  EXPECT_EQ(m.build->python_max, "3.11");
  EXPECT_EQ(k.tensorflow_build("2.21.0").build->cuda, "12.5");
  EXPECT_EQ(k.tensorflow_build("2.21.0").build->cudnn, "9.3");
  EXPECT_EQ(k.tensorflow_build("2.10.0").build->cuda, "11.2");
  EXPECT_EQ(k.tensorflow_build("2.0.0").build->python_also, std::vector<std::string>{"2.7"});

  // One row per minor series: patch releases and "2.15" map to it, flagged.
  auto patch = k.tensorflow_build("2.15.1");
  ASSERT_TRUE(patch.build);
  EXPECT_TRUE(patch.by_series);
  EXPECT_EQ(patch.build->version, "2.15.0");
  auto sixteen = k.tensorflow_build("2.16.0");  // the table lists 2.16.1
  ASSERT_TRUE(sixteen.build);
  EXPECT_EQ(sixteen.build->version, "2.16.1");
  EXPECT_EQ(k.tensorflow_build("2.15").build->version, "2.15.0");
  EXPECT_FALSE(k.tensorflow_build("2.99.0").build);
  EXPECT_FALSE(k.tensorflow_build("2").build);
  EXPECT_FALSE(k.tensorflow_build("nope").build);
}

TEST(Knowledge, TensorflowNotesByVersion) {
  const auto& k = embedded();
  auto keys = [&](const char* package, const char* version) {
    std::set<std::string> out;
    for (const auto* n : k.notes_for(package, version)) out.insert(n->key);
    return out;
  };
  auto v215 = keys("tensorflow", "2.15.0");
  EXPECT_TRUE(v215.count("and_cuda"));               // from 2.14
  EXPECT_TRUE(v215.count("no_windows_native_gpu"));  // after 2.10
  EXPECT_FALSE(v215.count("no_and_cuda"));
  auto v210 = keys("tensorflow", "2.10.0");
  EXPECT_TRUE(v210.count("windows_native_gpu"));
  EXPECT_TRUE(v210.count("no_and_cuda"));
  EXPECT_FALSE(v210.count("and_cuda"));
  EXPECT_TRUE(keys("tensorflow", "2.13.1").count("no_and_cuda"));
  EXPECT_TRUE(keys("tensorflow-gpu", "2.12.0").count("stub"));
  EXPECT_FALSE(keys("tensorflow-gpu", "2.11.0").count("stub"));
}

TEST(Knowledge, TensorflowLibrariesFollowTheBuildVersions) {
  const auto& k = embedded();
  auto sonames = [&](const char* cuda, const char* cudnn) {
    std::set<std::string> out;
    for (const auto* l : k.tensorflow_libraries_for(cuda, cudnn)) out.insert(l->soname);
    return out;
  };
  // TF 2.11 (CUDA 11.2, cuDNN 8): tensorflow/tensorflow#58910 and #44777.
  EXPECT_EQ(sonames("11.2", "8"),
            (std::set<std::string>{"libcudart.so.11.0", "libcublas.so.11", "libcublasLt.so.11",
                                   "libcufft.so.10", "libcurand.so.10", "libcusolver.so.11",
                                   "libcusparse.so.11", "libcudnn.so.8"}));
  // TF 2.4 was built with CUDA 11.0, whose cuSOLVER is still 10.x (tensorflow/tensorflow#45848).
  auto v240 = sonames("11.0", "8");
  EXPECT_TRUE(v240.count("libcusolver.so.10"));
  EXPECT_FALSE(v240.count("libcusolver.so.11"));
  // CUDA 12: cuFFT 11.x, cuRAND 10.x, cuSOLVER 11.x, cuSPARSE 12.x (the [and-cuda] wheels of 2.15
  // and 2.21).
  auto v221 = sonames("12.5.1", "9");
  EXPECT_TRUE(v221.count("libcudart.so.12") && v221.count("libcufft.so.11") &&
              v221.count("libcusparse.so.12") && v221.count("libcudnn.so.9"));
  EXPECT_EQ(v221.size(), 8u);
  EXPECT_EQ(sonames("13.0", "9"), std::set<std::string>{"libcudnn.so.9"});  // no CUDA 13 rows
  EXPECT_TRUE(sonames("", "").empty());
  EXPECT_TRUE(sonames("10.1", "7").empty());  // CUDA 10 builds are not in the table
}

TEST(Knowledge, MinimumDriverForCuda) {
  const auto& k = embedded();
  auto r120 = k.min_driver_for_cuda("12.0");
  ASSERT_TRUE(r120);
  EXPECT_EQ(r120->release.release, "12.0 GA");
  EXPECT_EQ(r120->release.linux_min, "525.60.13");
  EXPECT_EQ(r120->release.windows_min, "527.41");
  ASSERT_TRUE(r120->minor_compat);
  EXPECT_EQ(r120->minor_compat->linux_min, "525");

  auto r125 = k.min_driver_for_cuda("12.5");
  ASSERT_TRUE(r125);
  EXPECT_EQ(r125->release.linux_min, "555.42.02");  // the GA, not Update 1's 555.42.06
  EXPECT_EQ(k.min_driver_for_cuda("12.5.1")->release.linux_min, "555.42.02");
  // 11.0's GA is 11.0.2; the 11.0.1 RC is not a floor.
  EXPECT_EQ(k.min_driver_for_cuda("11.0")->release.linux_min, "450.51.05");
  EXPECT_EQ(k.min_driver_for_cuda("11.2")->minor_compat->linux_min, "450.80.02");
  auto r132 = k.min_driver_for_cuda("13.2");
  EXPECT_EQ(r132->release.linux_min, "595.45.04");
  EXPECT_EQ(r132->release.windows_min, "");  // not bundled for Windows
  EXPECT_EQ(r132->minor_compat->linux_min, "580");
  EXPECT_FALSE(k.min_driver_for_cuda("10.1")->minor_compat);  // before CUDA 11
  EXPECT_FALSE(k.min_driver_for_cuda("12.7"));                // no such toolkit
  EXPECT_FALSE(k.min_driver_for_cuda("12"));
}

TEST(Knowledge, NewestCudaForDriver) {
  const auto& k = embedded();
  // 11.4 Update 4 needs exactly 470.82.01; the next release, 11.5 GA, needs 495.29.05.
  auto r = k.newest_cuda_for_driver("470.82.01");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->release, "11.4 Update 4");
  // One step below: Updates 3 and 4 need 470.82.01, Update 2 needs 470.57.02.
  EXPECT_EQ(k.newest_cuda_for_driver("470.82.00")->release, "11.4 Update 2");
  EXPECT_EQ(k.newest_cuda_for_driver("580.65.06")->release, "13.0 GA");
  // 570.100 is above 12.8 GA's 570.26 and below 12.8 Update 1's 570.124.06.
  EXPECT_EQ(k.newest_cuda_for_driver("570.100")->release, "12.8 GA");
  EXPECT_EQ(k.newest_cuda_for_driver("999.1")->release, "13.2 Update 2");
  EXPECT_FALSE(k.newest_cuda_for_driver("384.80"));  // below 9.0's 384.81
  EXPECT_FALSE(k.newest_cuda_for_driver("garbage"));
}

TEST(Knowledge, MinorCompatFloorsForDriver) {
  const auto& k = embedded();
  auto majors = [&](const char* driver) {
    std::vector<std::string> out;
    for (const auto* m : k.minor_compat_for_driver(driver)) out.push_back(m->cuda_major);
    return out;
  };
  EXPECT_EQ(majors("470.82.01"), std::vector<std::string>{"11"});
  EXPECT_EQ(majors("450.80.01"), std::vector<std::string>{});  // the 11.x floor is 450.80.02
  EXPECT_EQ(majors("595.71.05"), (std::vector<std::string>{"13", "12", "11"}));
}

TEST(Knowledge, ComputeCapabilityByName) {
  const auto& k = embedded();
  auto cc = [&](const char* name) {
    auto g = k.compute_capability_for(name);
    return g ? g->compute_capability : std::string("none");
  };
  EXPECT_EQ(cc("NVIDIA GeForce RTX 4090"), "8.9");
  EXPECT_EQ(cc("Tesla V100-SXM2-16GB"), "7.0");
  EXPECT_EQ(cc("NVIDIA A100-SXM4-80GB"), "8.0");
  EXPECT_EQ(cc("NVIDIA A10"), "8.6");  // not A100
  EXPECT_EQ(cc("NVIDIA H100 80GB HBM3"), "9.0");
  EXPECT_EQ(k.compute_capability_for("NVIDIA GH200 480GB")->model, "GH200");
  EXPECT_EQ(cc("Tesla T4"), "7.5");
  EXPECT_EQ(cc("NVIDIA L40S"), "8.9");
  EXPECT_EQ(cc("NVIDIA B300"), "10.3");
  EXPECT_EQ(cc("GeForce GTX TITAN X"), "5.2");  // Maxwell
  EXPECT_EQ(cc("NVIDIA TITAN X (Pascal)"), "6.1");
  EXPECT_EQ(cc("NVIDIA TITAN Xp"), "6.1");
  EXPECT_EQ(cc("Quadro RTX 6000"), "7.5");
  EXPECT_EQ(cc("NVIDIA RTX 6000 Ada Generation"), "8.9");
  EXPECT_EQ(cc("NVIDIA RTX A6000"), "8.6");
  EXPECT_EQ(cc("NVIDIA GeForce RTX 3060 Laptop GPU"), "8.6");
  EXPECT_EQ(cc("Tesla P4"), "6.1");
  EXPECT_EQ(cc("Tesla P40"), "6.1");
  EXPECT_EQ(cc("Jetson AGX Xavier"), "7.2");
  EXPECT_EQ(cc("Some Other GPU"), "none");
  EXPECT_EQ(cc(""), "none");
}

TEST(Knowledge, SassRangeOfToolkit) {
  const auto& k = embedded();
  auto range = [&](const char* toolkit) {
    const SassRange* r = k.sass_range(toolkit);
    return r ? r->sass_min + "-" + r->sass_max : std::string("none");
  };
  EXPECT_EQ(range("12.2"), "5.0-9.0");
  EXPECT_EQ(range("12.2.140"), "5.0-9.0");
  EXPECT_EQ(range("11.8"), "3.5-9.0");
  EXPECT_EQ(range("12.8"), "5.0-12.0");
  EXPECT_EQ(range("13.0"), "7.5-12.1");
  EXPECT_EQ(range("10.1"), "3.0-7.5");
  EXPECT_EQ(range("13.2"), "none");  // not sourced
  EXPECT_EQ(range("9.0"), "none");   // sources disagree on sm_72
}

TEST(Knowledge, TorchReleases) {
  const auto& k = embedded();
  auto cudas = [&](const char* version) {
    std::vector<std::string> out;
    for (const auto* v : k.torch_release(version)) out.push_back(v->cuda);
    return out;
  };
  EXPECT_EQ(cudas("2.3.0"), (std::vector<std::string>{"11.8", "12.1"}));
  EXPECT_EQ(cudas("2.3.1+cu121"), (std::vector<std::string>{"11.8", "12.1"}));
  EXPECT_EQ(cudas("2.3"), (std::vector<std::string>{"11.8", "12.1"}));
  EXPECT_EQ(cudas("9.9"), std::vector<std::string>{});
  EXPECT_EQ(k.torch_release("2.3.0")[1]->index_tag(), "cu121");
  auto releases = k.torch_releases();
  EXPECT_EQ(releases.front(), "2.15");
  EXPECT_EQ(releases.back(), "1.12");
}

TEST(Knowledge, JaxExtraAvailability) {
  const auto& k = embedded();
  auto find = [&](const char* extra) -> const JaxExtra& {
    for (const auto& e : k.jax_extras()) {
      if (e.extra == extra) return e;
    }
    ADD_FAILURE() << extra;
    return k.jax_extras().front();
  };
  EXPECT_EQ(Knowledge::jax_extra_available(find("cuda13"), "0.4.30"), Availability::no);
  EXPECT_EQ(Knowledge::jax_extra_available(find("cuda13"), "0.7.0"), Availability::yes);
  EXPECT_EQ(Knowledge::jax_extra_available(find("cuda12"), "0.4.30"), Availability::yes);
  EXPECT_EQ(Knowledge::jax_extra_available(find("cuda12"), "0.4.20"), Availability::unknown);
  EXPECT_EQ(Knowledge::jax_extra_available(find("cuda12_local"), "0.6.0"), Availability::no);
  EXPECT_EQ(Knowledge::jax_extra_available(find("cuda12-local"), "0.6.0"), Availability::yes);
}

TEST(KnowledgeOverride, ReplacesOnlyTheFilesPresent) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  std::string driver =
      read_file(std::filesystem::path(ONGPU_SOURCE_DIR) / "knowledge" / "cuda_driver.csv");
  auto pos = driver.find("12.0,12.0 GA,0,525.60.13");
  ASSERT_NE(pos, std::string::npos);
  driver.replace(pos, 24, "12.0,12.0 GA,0,999.1.2");
  dir.write("cuda_driver.csv", driver);
  auto k = Knowledge::load(dir.path());
  ASSERT_TRUE(k) << k.error();
  EXPECT_EQ(k->min_driver_for_cuda("12.0")->release.linux_min, "999.1.2");
  EXPECT_EQ(k->table_origins().at("cuda_driver.csv"),
            (std::filesystem::path(dir.path()) / "cuda_driver.csv").string());
  // A file missing in DIR falls back to the embedded one.
  EXPECT_EQ(k->table_origins().at("tensorflow_gpu.csv"), "embedded");
  EXPECT_EQ(k->tensorflow_build("2.15.0").build->cuda, "12.2");
}

TEST(KnowledgeOverride, MalformedFileIsAnErrorWithFileAndLine) {
  TempDir dir;
  dir.write("tensorflow_gpu.csv",
            "version,python_min,python_max,python_also,cudnn,cuda,source\n"
            "2.15.0,3.9,3.11,,8.9,12.2,test\n"
            "2.16.1,3.9,3.12,,8.9\n");
  auto k = Knowledge::load(dir.path());
  ASSERT_FALSE(k);
  EXPECT_NE(k.error().find("tensorflow_gpu.csv:3:"), std::string::npos) << k.error();
  EXPECT_NE(k.error().find(dir.path()), std::string::npos) << k.error();
}

TEST(KnowledgeOverride, RowWithoutSourceOrWithABadVersionIsRejected) {
  auto no_source = Knowledge::from_texts(
      {{"cuda_minor_compat.csv",
        "cuda_major,linux_min,windows_min,range_upper,caveat,source\n13,580,,,limits,\n"}});
  ASSERT_FALSE(no_source);
  EXPECT_NE(no_source.error().find("cuda_minor_compat.csv:2:"), std::string::npos);
  EXPECT_NE(no_source.error().find("source"), std::string::npos) << no_source.error();

  auto bad_version =
      Knowledge::from_texts({{"cuda_driver.csv",
                              "cuda,release,update,linux_x86_64_min,windows_x86_64_min,source\n"
                              "12.0,12.0 GA,0,525.60.13,,x\n"
                              "12.1,12.1 GA,0,five-thirty,,x\n"}});
  ASSERT_FALSE(bad_version);
  EXPECT_NE(bad_version.error().find("cuda_driver.csv:3: column 'linux_x86_64_min'"),
            std::string::npos)
      << bad_version.error();

  auto missing_column = Knowledge::from_texts({{"cuda_arch.csv", "toolkit_from,source\n12.0,x\n"}});
  ASSERT_FALSE(missing_column);
  EXPECT_NE(missing_column.error().find("no column 'toolkit_to'"), std::string::npos);
}

TEST(KnowledgeOverride, PathfinderRowsAreChecked) {
  const std::string head = "library,sonames,site_dirs,dependencies,source\n";
  auto ok = Knowledge::from_texts(
      {{"cuda_pathfinder.csv",
        head + "libcublas,libcublas.so.13 libcublas.so.12,nvidia/cublas/lib,libcublasLt,x\n"}});
  ASSERT_TRUE(ok) << ok.error();
  const auto* row = ok->pathfinder_library("libcublas");
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->sonames, (std::vector<std::string>{"libcublas.so.13", "libcublas.so.12"}));
  EXPECT_EQ(row->dependencies, std::vector<std::string>{"libcublasLt"});
  for (const std::string bad :
       {"libcublas,libcufft.so.11,nvidia/cublas/lib,,x\n",  // another library's soname
        "libcublas,libcublas.so.13,/usr/lib,,x\n",          // outside site-packages
        "libcublas,libcublas.so.13,../x,,x\n",
        "libcublas,libcublas.so.13,nvidia/cublas/lib,cublasLt.so,x\n",
        "cublas,libcublas.so.13,nvidia/cublas/lib,,x\n"}) {
    auto k = Knowledge::from_texts({{"cuda_pathfinder.csv", head + bad}});
    EXPECT_FALSE(k) << bad;
  }
  // The module column is read for pathfinder rows only, inside site-packages.
  const std::string fw = "framework,from,before,library,role,loader,fallback,object,source\n";
  EXPECT_TRUE(Knowledge::from_texts(
      {{"framework_libraries.csv",
        fw + "cupy,14.2.0,,libcublas,later,pathfinder,,cupy_backends/cuda/libs/cublas,x\n"}}));
  EXPECT_FALSE(Knowledge::from_texts(
      {{"framework_libraries.csv", fw + "cupy,14.2.0,,libcublas,later,dlopen,,cupy/x,x\n"}}));
  EXPECT_FALSE(Knowledge::from_texts(
      {{"framework_libraries.csv", fw + "cupy,14.2.0,,libcublas,later,pathfinder,,/abs/x,x\n"}}));
  EXPECT_FALSE(Knowledge::from_texts(
      {{"framework_libraries.csv", fw + "cupy,14.2.0,,libcublas,sometimes,pathfinder,,,x\n"}}));
}

TEST(KnowledgeOverride, NotADirectory) {
  auto k = Knowledge::load("/nonexistent/ongpu-knowledge");
  ASSERT_FALSE(k);
  EXPECT_NE(k.error().find("not a directory"), std::string::npos);
}

}  // namespace ongpu::knowledge
