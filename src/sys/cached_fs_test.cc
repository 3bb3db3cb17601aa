#include "sys/listing_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace ongpu::sys {

TEST(ListingCache, AnswersLikeTheRealFileSystemFromOneListing) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("ongpu-listing-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "libcudart.so.12") << "x";
  fs::create_symlink("libcudart.so.12", dir / "libcudart.so");
  auto real = make_file_system("/");
  ListingCache cache(*real);
  EXPECT_TRUE(cache.exists((dir / "libcudart.so.12").string()));
  EXPECT_TRUE(cache.exists((dir / "libcudart.so").string()));  // a link: the real stat follows it
  EXPECT_FALSE(cache.exists((dir / "libcudnn.so.9").string()));
  EXPECT_FALSE(cache.exists((dir / "missing-dir" / "libcudnn.so.9").string()));
  EXPECT_EQ(*cache.read_link((dir / "libcudart.so").string()), "libcudart.so.12");
  EXPECT_FALSE(cache.read_link((dir / "nope").string()).ok());
  // The listing is taken once: a file made afterwards is not seen (one run
  // of the doctor is one snapshot).
  std::ofstream(dir / "libcudnn.so.9") << "x";
  EXPECT_FALSE(cache.exists((dir / "libcudnn.so.9").string()));
  EXPECT_TRUE(real->exists((dir / "libcudnn.so.9").string()));
  fs::remove_all(dir);
}

}  // namespace ongpu::sys
