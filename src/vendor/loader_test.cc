#include "vendor/loader.h"

#include <gtest/gtest.h>

namespace ongpu::vendor {

TEST(Loader, VersionFromRealFileName) {
  EXPECT_EQ(version_from_file_name("/usr/lib/x86_64-linux-gnu/libcuda.so.580.65.06", "libcuda.so"),
            "580.65.06");
  EXPECT_EQ(version_from_file_name("/x/libnvidia-ml.so.550.54.15", "libnvidia-ml.so"), "550.54.15");
  EXPECT_EQ(version_from_file_name("/x/libcuda.so.1", "libcuda.so"), "");
  EXPECT_EQ(version_from_file_name("/x/libcuda.so", "libcuda.so"), "");
  EXPECT_EQ(version_from_file_name("/x/libcuda.so.1.bak", "libcuda.so"), "");
}

TEST(Loader, StubPaths) {
  EXPECT_TRUE(is_stub_path("/usr/local/cuda/lib64/stubs/libcuda.so"));
  EXPECT_FALSE(is_stub_path("/usr/lib/x86_64-linux-gnu/libcuda.so.1"));
}

TEST(Loader, MatchingSearchEntry) {
  EXPECT_EQ(matching_search_entry("/a:/tmp:/b", "/tmp"), "/tmp");
  EXPECT_EQ(matching_search_entry("/a::/b", "/tmp"), "");
}

TEST(Loader, MissingLibraryIsAFactNotACrash) {
  auto lib = open_library("libongpu-does-not-exist.so.1");
  EXPECT_EQ(lib.handle, nullptr);
  EXPECT_FALSE(lib.fact.loaded);
  EXPECT_FALSE(lib.fact.load_error.empty());
  EXPECT_FALSE(lib.fact.path.has());
}

}  // namespace ongpu::vendor
