#include "sys/cached_fs.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace ongpu::sys {
namespace {

// Counts the questions that reach the file system underneath.
class CountingFileSystem final : public FileSystem {
 public:
  explicit CountingFileSystem(const FileSystem& inner) : inner_(inner) {}
  Result<std::string> read_file(std::string_view p, size_t n) const override {
    return inner_.read_file(p, n);
  }
  Result<std::string> read_range(std::string_view p, uint64_t o, size_t n) const override {
    return inner_.read_range(p, o, n);
  }
  Result<std::vector<std::string>> list_dir(std::string_view p) const override {
    ++lists;
    return inner_.list_dir(p);
  }
  Result<std::string> read_link(std::string_view p) const override {
    ++links;
    return inner_.read_link(p);
  }
  Result<FileStat> stat(std::string_view p) const override {
    ++stats;
    return inner_.stat(p);
  }
  Access access(std::string_view p) const override { return inner_.access(p); }
  Identity identity() const override { return inner_.identity(); }
  mutable int lists = 0, links = 0, stats = 0;

 private:
  const FileSystem& inner_;
};

class CachedFileSystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("ongpu-cached-fs-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_ / "lib");
    std::ofstream(dir_ / "lib" / "libcudart.so.12") << "x";
    std::filesystem::create_symlink("libcudart.so.12", dir_ / "lib" / "libcudart.so");
    std::filesystem::create_symlink("lib", dir_ / "lib64");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string at(const std::string& rel) const { return (dir_ / rel).string(); }

  std::filesystem::path dir_;
  std::unique_ptr<FileSystem> real_ = make_file_system("/");
  CountingFileSystem counting_{*real_};
  CachedFileSystem cache_{counting_};
};

TEST_F(CachedFileSystemTest, AnswersLikeTheFileSystemUnderneath) {
  for (const char* rel :
       {"lib/libcudart.so.12", "lib/libcudart.so", "lib64/libcudart.so.12", "lib/libcudnn.so.9",
        "missing/libcudnn.so.9", "lib/libcudart.so.12/x", "lib64", "lib/../lib64/libcudart.so"}) {
    SCOPED_TRACE(rel);
    auto want = real_->stat(at(rel));
    auto got = cache_.stat(at(rel));
    ASSERT_EQ(got.ok(), want.ok());
    if (want.ok()) {
      EXPECT_EQ(got->is_dir, want->is_dir);
    }
  }
  EXPECT_EQ(*cache_.read_link(at("lib/libcudart.so")), "libcudart.so.12");
  EXPECT_EQ(*cache_.read_link(at("lib64")), "lib");
  EXPECT_FALSE(cache_.read_link(at("lib/libcudart.so.12")).ok());  // not a link
  EXPECT_FALSE(cache_.read_link(at("missing/nope")).ok());
  EXPECT_EQ(*cache_.list_dir(at("lib")), *real_->list_dir(at("lib")));
  EXPECT_FALSE(cache_.list_dir(at("missing")).ok());
}

TEST_F(CachedFileSystemTest, OddPathsAnswerAsTheKernelDoes) {
  std::filesystem::create_symlink("lib/libcudart.so.12", dir_ / "file-link");
  std::filesystem::create_symlink("nowhere", dir_ / "dangling");
  const std::string cwd = std::filesystem::current_path().string();
  std::filesystem::current_path(dir_);
  for (const std::string& path :
       {std::string("/"), std::string("/tmp"), at("lib/"), at("lib//libcudart.so.12"),
        at("./lib/libcudart.so.12"), at("file-link/x"), at("dangling/x"), at("dangling"),
        std::string("lib/libcudart.so.12"), std::string("lib"), std::string("nope/x")}) {
    SCOPED_TRACE(path);
    auto want = real_->stat(path);
    auto got = cache_.stat(path);
    ASSERT_EQ(got.ok(), want.ok());
    if (want.ok()) {
      EXPECT_EQ(got->is_dir, want->is_dir);
    }
    EXPECT_EQ(cache_.read_link(path).ok(), real_->read_link(path).ok());
  }
  std::filesystem::current_path(cwd);
}

TEST_F(CachedFileSystemTest, AsksOncePerPathAndNotAtAllInsideAMissingDirectory) {
  ASSERT_TRUE(cache_.exists(at("lib/libcudart.so.12")));
  const int after_first = counting_.stats;
  EXPECT_TRUE(cache_.exists(at("lib/libcudart.so.12")));
  EXPECT_FALSE(cache_.exists(at("lib/libcudnn.so.9")));  // the directory is known: one stat
  EXPECT_EQ(counting_.stats, after_first + 1);
  EXPECT_FALSE(cache_.exists(at("nvidia/cublas/lib/libcublas.so.12")));
  const int after_missing = counting_.stats;
  // Every name under a missing directory is answered from the cache.
  for (const char* rel :
       {"nvidia/cublas/lib/libcublasLt.so.12", "nvidia/cublas/lib/libcudart.so.12"}) {
    EXPECT_FALSE(cache_.exists(at(rel)));
    EXPECT_FALSE(cache_.read_link(at(rel)).ok());
  }
  EXPECT_EQ(counting_.stats, after_missing);
  EXPECT_EQ(counting_.links, 0);
  // No directory is read whole to answer a stat.
  EXPECT_EQ(counting_.lists, 0);
  (void)cache_.list_dir(at("lib"));
  (void)cache_.list_dir(at("lib"));
  EXPECT_EQ(counting_.lists, 1);
}

TEST_F(CachedFileSystemTest, OneRunIsOneSnapshot) {
  EXPECT_FALSE(cache_.exists(at("lib/libcudnn.so.9")));
  std::ofstream(dir_ / "lib" / "libcudnn.so.9") << "x";
  EXPECT_FALSE(cache_.exists(at("lib/libcudnn.so.9")));
  EXPECT_TRUE(real_->exists(at("lib/libcudnn.so.9")));
}

}  // namespace
}  // namespace ongpu::sys
