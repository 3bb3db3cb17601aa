#include "knowledge/compat.h"

#include <gtest/gtest.h>

#include <set>

namespace ongpu::knowledge {
namespace {

const Knowledge& k() {
  static const Knowledge loaded = std::move(Knowledge::load()).value();
  return loaded;
}

const Section* section(const CompatAnswer& a, const std::string& key) {
  for (const auto& s : a.sections) {
    if (s.key == key) return &s;
  }
  return nullptr;
}

const Item* item(const CompatAnswer& a, const std::string& section_key, const std::string& key) {
  const Section* s = section(a, section_key);
  if (!s) return nullptr;
  for (const auto& i : s->items) {
    if (i.key == key) return &i;
  }
  return nullptr;
}

std::string field(const Item* i, const std::string& name) {
  if (!i) return "<no item>";
  for (const auto& [n, v] : i->fields) {
    if (n == name) return v;
  }
  return "<no field>";
}

CompatAnswer ask(const std::string& spec) {
  auto parsed = parse_framework_spec(spec);
  EXPECT_TRUE(parsed) << parsed.error();
  auto a = framework_compat(k(), *parsed);
  EXPECT_TRUE(a) << a.error();
  return a ? *a : CompatAnswer{};
}

}  // namespace

TEST(Compat, ParsesSpecs) {
  EXPECT_EQ(parse_framework_spec("tensorflow==2.15.0")->framework, "tensorflow");
  EXPECT_EQ(parse_framework_spec("tf==2.15")->version, "2.15");
  EXPECT_EQ(parse_framework_spec("PyTorch==2.3.0")->framework, "torch");
  EXPECT_EQ(parse_framework_spec("tensorflow_gpu==2.12.0")->framework, "tensorflow-gpu");
  EXPECT_EQ(parse_framework_spec("torch==2.3.1+cu121")->version, "2.3.1+cu121");
  auto unknown = parse_framework_spec("caffe==1.0");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().find("known: tensorflow"), std::string::npos);
  EXPECT_FALSE(parse_framework_spec("tensorflow"));
  EXPECT_FALSE(parse_framework_spec("tensorflow==abc"));
  EXPECT_FALSE(parse_framework_spec("tensorflow=="));
}

TEST(Compat, TensorflowNeeds) {
  auto a = ask("tensorflow==2.15.0");
  EXPECT_EQ(a.match, CompatMatch::exact);
  EXPECT_EQ(field(item(a, "requirements", "cuda"), "version"), "12.2");
  EXPECT_EQ(field(item(a, "requirements", "cudnn"), "version"), "8.9");
  EXPECT_EQ(field(item(a, "requirements", "python"), "min"), "3.9");
  EXPECT_EQ(field(item(a, "requirements", "python"), "max"), "3.11");
  // Built with CUDA 12.2: the 12.2 GA driver, and the 12.x minor-compat floor.
  EXPECT_EQ(field(item(a, "requirements", "driver"), "linux_min"), "535.54.03");
  EXPECT_EQ(field(item(a, "requirements", "driver"), "cuda_release"), "12.2 GA");
  EXPECT_EQ(field(item(a, "requirements", "driver_minor_compat"), "linux_min"), "525");
  EXPECT_EQ(field(item(a, "requirements", "gpu_architectures"), "toolkit_sass_max"), "9.0");
  EXPECT_TRUE(item(a, "notes", "and_cuda"));
  EXPECT_TRUE(item(a, "notes", "no_windows_native_gpu"));
  for (const auto& s : a.sections) {
    for (const auto& i : s.items) EXPECT_FALSE(i.source.empty()) << s.key << "." << i.key;
  }
}

TEST(Compat, TensorflowSeriesAndUnknownVersions) {
  auto a = ask("tensorflow==2.15.1");
  EXPECT_EQ(a.match, CompatMatch::series);
  EXPECT_EQ(a.matched, "2.15.0");
  auto unknown = framework_compat(k(), *parse_framework_spec("tensorflow==2.99"));
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().find("known: 2.0.0 … 2.21.0"), std::string::npos) << unknown.error();
}

TEST(Compat, TensorflowGpuStub) {
  auto stub = ask("tensorflow-gpu==2.12.0");
  EXPECT_FALSE(section(stub, "requirements"));
  EXPECT_TRUE(item(stub, "notes", "stub"));
  auto old = ask("tensorflow-gpu==2.10.0");
  EXPECT_EQ(field(item(old, "requirements", "cuda"), "version"), "11.2");
  EXPECT_TRUE(item(old, "notes", "same_package"));
}

TEST(Compat, TorchVariants) {
  auto a = ask("torch==2.3.0");
  EXPECT_EQ(a.matched, "2.3");
  ASSERT_TRUE(section(a, "cu118"));
  ASSERT_TRUE(section(a, "cu121"));
  EXPECT_EQ(field(item(a, "cu121", "driver"), "linux_min"), "530.30.02");  // 12.1 GA
  EXPECT_EQ(field(item(a, "cu118", "driver"), "linux_min"), "520.61.05");  // 11.8 GA
  EXPECT_EQ(field(item(a, "cu121", "cudnn"), "version"), "8.9.2.26");

  auto one = ask("torch==2.3.1+cu121");
  EXPECT_FALSE(section(one, "cu118"));
  EXPECT_TRUE(section(one, "cu121"));
  EXPECT_TRUE(item(ask("torch==2.3.0+cpu"), "requirements", "cpu_only"));
  EXPECT_FALSE(framework_compat(k(), *parse_framework_spec("torch==2.3.0+cu999")));
  EXPECT_FALSE(framework_compat(k(), *parse_framework_spec("torch==0.4.0")));

  auto archs = ask("torch==2.9.0");
  EXPECT_EQ(field(item(archs, "cu130", "gpu_architectures"), "sass"), "7.5;8.0;8.6;9.0;10.0;12.0");
  EXPECT_EQ(field(item(archs, "cu130", "gpu_architectures"), "ptx"), "12.0");
}

TEST(Compat, JaxExtras) {
  auto a = ask("jax==0.4.30");
  EXPECT_EQ(field(item(a, "extras", "cuda12"), "available"), "yes");
  EXPECT_EQ(field(item(a, "extras", "cuda13"), "available"), "no");
  EXPECT_EQ(field(item(a, "extras", "cuda13"), "driver_min_linux"), "580");
}

// What people type: extras are taken, a range or a bare name is answered
// with what to type instead.
TEST(Compat, ParsesExtrasAndExplainsRanges) {
  auto jax = parse_framework_spec("jax[cuda12]==0.10.2");
  ASSERT_TRUE(jax) << jax.error();
  EXPECT_EQ(jax->framework, "jax");
  EXPECT_EQ(jax->version, "0.10.2");
  EXPECT_EQ(jax->extras, std::vector<std::string>{"cuda12"});
  EXPECT_EQ(parse_framework_spec(" tensorflow[and-cuda] == 2.21.0 ")->version, "2.21.0");
  for (const char* range : {"torch>=2.5", "torch~=2.5", "torch!=2.5", "torch<3", "torch===2.5.0"}) {
    auto r = parse_framework_spec(range);
    ASSERT_FALSE(r) << range;
    EXPECT_NE(r.error().find("torch==VERSION"), std::string::npos) << r.error();
  }
  auto bare = parse_framework_spec("jax[cuda12]");
  ASSERT_FALSE(bare);
  EXPECT_NE(bare.error().find("jax[cuda12]==VERSION"), std::string::npos) << bare.error();
  EXPECT_FALSE(parse_framework_spec("jax[cuda12==0.10.2"));
}

TEST(Compat, JaxPythonRangeAndOneExtra) {
  auto a = ask("jax[cuda12]==0.10.2");
  EXPECT_EQ(field(item(a, "requirements", "python"), "min"), "3.11");
  EXPECT_EQ(field(item(a, "requirements", "python"), "max"), "3.14");
  EXPECT_NE(item(a, "extras", "cuda12"), nullptr);
  EXPECT_EQ(item(a, "extras", "cuda13"), nullptr);  // only the extra asked for
  EXPECT_EQ(field(item(ask("jax==0.4.31"), "requirements", "python"), "min"), "3.10");
  EXPECT_EQ(field(item(ask("jax==0.11.0"), "requirements", "python"), "min"), "3.12");
  auto unknown_extra = parse_framework_spec("jax[rocm]==0.10.2");
  ASSERT_TRUE(unknown_extra);
  EXPECT_FALSE(framework_compat(k(), *unknown_extra));
}

// torch 2.15.0 is what `pip install torch` gives (tests/ground_truth/envs/torch-2.15.txt).
TEST(Compat, TorchOfToday) {
  auto a = ask("torch==2.15.0");
  EXPECT_EQ(field(item(a, "requirements", "python"), "min"), "3.11");
}

TEST(Compat, Driver470) {
  auto a = driver_compat(k(), "470.82.01");
  ASSERT_TRUE(a) << a.error();
  EXPECT_EQ(field(item(*a, "cuda", "newest_toolkit"), "release"), "11.4 Update 4");
  EXPECT_EQ(field(item(*a, "cuda", "minor_compat"), "cuda_major"), "11");
  // TF 2.11.0 is the newest built with CUDA 11.2 (GA needs 460.27.03 <= 470.82.01);
  // 2.12.0 uses CUDA 11.8, whose GA needs 520.61.05.
  EXPECT_EQ(field(item(*a, "frameworks", "tensorflow"), "version"), "2.11.0");
  // Through 11.x minor-version compatibility (floor 450.80.02): the newest
  // CUDA 11 build, 2.14.0 (11.8); 2.15.0 uses 12.2.
  EXPECT_EQ(field(item(*a, "frameworks", "tensorflow_minor_compat"), "version"), "2.14.0");
  // PyTorch: 1.12's cu113 needs 465.19.01; 1.13's oldest, 11.6, needs 510.39.01.
  EXPECT_EQ(field(item(*a, "frameworks", "torch"), "index_tag"), "cu113");
  // Through minor compat: 2.7 is the newest with a CUDA 11 (11.8) variant.
  EXPECT_EQ(field(item(*a, "frameworks", "torch_minor_compat"), "version"), "2.7");
  EXPECT_EQ(field(item(*a, "frameworks", "jax"), "extra"), "<no field>");  // JAX needs >= 525

  EXPECT_FALSE(driver_compat(k(), "four-seventy"));
}

TEST(Compat, DriverNew) {
  auto a = driver_compat(k(), "580.65.06");
  ASSERT_TRUE(a);
  EXPECT_EQ(field(item(*a, "cuda", "newest_toolkit"), "release"), "13.0 GA");
  EXPECT_EQ(field(item(*a, "cuda", "minor_compat"), "cuda_major"), "13");
  EXPECT_EQ(field(item(*a, "frameworks", "tensorflow"), "version"), "2.21.0");
  EXPECT_FALSE(item(*a, "frameworks", "tensorflow_minor_compat"));
  EXPECT_EQ(field(item(*a, "frameworks", "jax"), "extra"), "cuda13");
}

}  // namespace ongpu::knowledge
