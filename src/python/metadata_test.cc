#include "python/metadata.h"

#include <gtest/gtest.h>

namespace ongpu::python {

TEST(CoreMetadata, HeadersUntilTheBody) {
  auto m = parse_core_metadata(
      "Metadata-Version: 2.1\nName: tensorflow\nVersion: 2.21.0\nRequires-Python: >=3.10\n"
      "Requires-Dist: absl-py>=1.0.0\n"
      "Requires-Dist: nvidia-cufft-cu12<12.0,>=11.2.3.61; extra == \"and-cuda\"\n"
      "Description-Content-Type: text/markdown\n\nRequires-Dist: not-a-header\n");
  EXPECT_EQ(m.name, "tensorflow");
  EXPECT_EQ(m.version, "2.21.0");
  EXPECT_EQ(m.requires_python, ">=3.10");
  ASSERT_EQ(m.requires_dist.size(), 2u);
}

TEST(CoreMetadata, ContinuationAndCrlf) {
  auto m = parse_core_metadata("Name: torch\r\nVersion: 2.3.0+cu121\r\nSummary: a\r\n  b\r\n");
  EXPECT_EQ(m.version, "2.3.0+cu121");
}

TEST(Names, Pep503) {
  EXPECT_EQ(normalize_name("Tensorflow_GPU"), "tensorflow-gpu");
  EXPECT_EQ(normalize_name("jax.cuda12__plugin"), "jax-cuda12-plugin");
}

TEST(Requirements, ExtraAndSpecifier) {
  auto r = parse_requirement("nvidia-cufft-cu12<12.0,>=11.2.3.61; extra == \"and-cuda\"");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->name, "nvidia-cufft-cu12");
  EXPECT_EQ(r->specifier, "<12.0,>=11.2.3.61");
  EXPECT_EQ(r->extra, "and-cuda");
  EXPECT_EQ(lowest_allowed_version(r->specifier), "11.2.3.61");
  auto plain = parse_requirement("nvidia-cudnn-cu12==9.1.0.70; platform_system == 'Linux'");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->extra, "");
  EXPECT_EQ(lowest_allowed_version(plain->specifier), "9.1.0.70");
  auto with_extras =
      parse_requirement("jax-cuda12-plugin[with-cuda]<=0.10.2,>=0.10.2; extra == 'cuda12'");
  ASSERT_TRUE(with_extras);
  EXPECT_EQ(with_extras->name, "jax-cuda12-plugin");
  EXPECT_EQ(with_extras->extra, "cuda12");
  EXPECT_FALSE(parse_requirement(""));
  EXPECT_FALSE(parse_requirement(";extra=='x'"));
  EXPECT_FALSE(parse_requirement("-- >=1"));  // found by fuzz/python_metadata_fuzz.cc
}

TEST(PythonAssignments, TensorFlowBuildInfo) {
  // The shape of tensorflow/python/platform/build_info.py in TF 2.21.0.
  auto a = parse_python_assignments(
      "\"\"\"Auto-generated module providing information about the build.\"\"\"\nimport "
      "collections\n\n"
      "build_info = collections.OrderedDict([('cpu_compiler', 'clang'), "
      "('cuda_compute_capabilities', "
      "['sm_60', 'sm_70', 'sm_80', 'sm_89', 'compute_90']), ('cuda_version', '12.5.1'), "
      "('cudnn_version', '9'), "
      "('is_cuda_build', True), ('is_rocm_build', False), ('is_tensorrt_build', False)])\n");
  EXPECT_EQ(a["cuda_version"], "12.5.1");
  EXPECT_EQ(a["cudnn_version"], "9");
  EXPECT_EQ(a["is_cuda_build"], "True");
  EXPECT_EQ(a["cuda_compute_capabilities"], "sm_60,sm_70,sm_80,sm_89,compute_90");
}

TEST(PythonAssignments, TorchVersionPy) {
  auto a = parse_python_assignments(
      "from typing import Optional\n__all__ = ['__version__', 'debug', 'cuda', 'git_version', "
      "'hip']\n"
      "__version__ = '2.3.0+cu121'\ndebug = False\ncuda: Optional[str] = '12.1'\n"
      "git_version = '97ff6cfd9c86c5c09d7ce775ab64ec5c99230f5d'\nhip: Optional[str] = None\n");
  EXPECT_EQ(a["__version__"], "2.3.0+cu121");
  EXPECT_EQ(a["cuda"], "12.1");
  EXPECT_EQ(a["hip"], "None");
}

TEST(PythonAssignments, EmptyKeysAreDropped) {
  // Found by fuzz/python_metadata_fuzz.cc.
  EXPECT_TRUE(parse_python_assignments("x = {'': 1}\n").empty());
}

TEST(PythonAssignments, GarbageIsIgnored) {
  auto a = parse_python_assignments("x = 'unterminated\ny == 3\n = 4\nz = foo(1)\nw = ['a', \nv =");
  EXPECT_TRUE(a.empty());
}

}  // namespace ongpu::python
