// resolve_library / resolve_tree against the real dynamic loader: `ldd`
// (glibc's loader in trace mode) on libraries built here with `cc` and on the
// CUDA libraries installed on this machine. Skipped where the tools or files
// are missing.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>

#include "libs/resolve.h"
#include "libs/test_elf.h"

namespace ongpu::libs {
namespace {

namespace fsys = std::filesystem;

struct Ran {
  std::string out;
  int status = -1;
};

Ran run(const std::string& cmd) {
  Ran r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  r.status = ::pclose(p);
  return r;
}

bool have(const std::string& tool) {
  return !run("command -v " + tool + " 2>/dev/null").out.empty();
}

// name -> path or "not found", from ldd's "\tname => path (0x...)" lines.
// ldd leaves out the arrow when the path is the name itself: the loader
// found the file relative to the working directory `cwd` (an empty search
// entry). Other lines without "=>" (the vDSO, the loader) are left out.
std::map<std::string, std::string> ldd_map(const std::string& out, const std::string& cwd = "") {
  std::map<std::string, std::string> m;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    auto arrow = line.find(" => ");
    if (arrow == std::string::npos) {
      auto start = line.find_first_not_of(" \t");
      if (start == std::string::npos) continue;
      auto name = line.substr(start, line.find(" (", start) - start);
      if (!cwd.empty() && name.find('/') == std::string::npos && name.rfind("linux-vdso", 0) != 0) {
        m[name] = cwd + "/" + name;
      }
      continue;
    }
    auto name = line.substr(0, arrow);
    name.erase(0, name.find_first_not_of(" \t"));
    auto rest = line.substr(arrow + 4);
    if (rest.rfind("not found", 0) == 0) {
      m[name] = "not found";
    } else {
      m[name] = rest.substr(0, rest.find(" ("));
    }
  }
  return m;
}

std::map<std::string, std::string> tree_map(const ResolvedTree& t) {
  std::map<std::string, std::string> m;
  for (size_t i = 1; i < t.nodes.size(); ++i) {
    const auto& n = t.nodes[i];
    if (n.already_loaded) continue;
    m[n.soname] = n.resolution.outcome == Outcome::found ? n.resolution.path : "not found";
  }
  return m;
}

SearchContext real_context(const sys::FileSystem& fs, const std::string& cwd) {
  SearchContext ctx;
  auto cache = read_ld_cache(fs);
  if (cache) ctx.ld_cache = *cache;
  ctx.default_dirs = guess_default_dirs(fs);
  ctx.cwd = cwd;
  return ctx;
}

TreeOptions with_interpreter() {
  TreeOptions o;
  // The x86-64 psABI's interpreter; ldd lists it without "=>".
  o.preloaded["ld-linux-x86-64.so.2"] = "/lib64/ld-linux-x86-64.so.2";
  return o;
}

class ResolveLoader : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have("cc") || !have("ldd")) GTEST_SKIP() << "needs cc and ldd";
    ASSERT_FALSE(tmp_.path().empty());
    dir_ = tmp_.path();
    write("leaf.c", "int leaf(void) { return 1; }\n");
    write("mid.c", "int leaf(void);\nint mid(void) { return leaf(); }\n");
    write("main.c", "int mid(void);\nint main(void) { return mid() - 1; }\n");
    for (const char* d : {"a", "b", "mid", "oldmid", "gone", "missdir"})
      fsys::create_directories(dir_ + "/" + d);
    cc("-shared -fPIC -Wl,-soname,libleaf.so.1 -o a/libleaf.so.1 leaf.c");
    cc("-shared -fPIC -Wl,-soname,libleaf.so.1 -o b/libleaf.so.1 leaf.c");
    // libmid: DT_RUNPATH $ORIGIN/../b. liboldmid (same code): DT_RPATH $ORIGIN/../a.
    cc("-shared -fPIC -Wl,-soname,libmid.so.1 -o mid/libmid.so.1 mid.c b/libleaf.so.1 "
       "-Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN/../b'");
    cc("-shared -fPIC -Wl,-soname,libmid.so.1 -o oldmid/libmid.so.1 mid.c a/libleaf.so.1 "
       "-Wl,--disable-new-dtags -Wl,-rpath,'$ORIGIN/../a'");
    cc("-o app_runpath main.c mid/libmid.so.1 -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN/mid'");
    cc("-o app_rpath main.c oldmid/libmid.so.1 -Wl,--disable-new-dtags "
       "-Wl,-rpath,'$ORIGIN/oldmid'");
    // libmid in missdir needs libleaf from a directory that is then removed.
    cc("-shared -fPIC -Wl,-soname,libleaf.so.1 -o gone/libleaf.so.1 leaf.c");
    cc("-shared -fPIC -Wl,-soname,libmid.so.1 -o missdir/libmid.so.1 mid.c gone/libleaf.so.1");
    cc("-o app_miss main.c missdir/libmid.so.1 -Wl,-rpath-link,gone -Wl,--enable-new-dtags "
       "-Wl,-rpath,'$ORIGIN/missdir'");
    fsys::remove_all(dir_ + "/gone");
  }

  void write(const std::string& name, const std::string& text) {
    testing::write_file(dir_, "/" + name, text);
  }
  void cc(const std::string& args) {
    auto r = run("cd '" + dir_ + "' && cc " + args + " 2>&1");
    ASSERT_EQ(r.status, 0) << "cc " << args << "\n" << r.out;
  }

  // ldd's view and ours of `app` under LD_LIBRARY_PATH=`llp`.
  void compare(const std::string& app, const std::string& llp) {
    std::string env =
        "env -i PATH=/usr/bin:/bin" + (llp.empty() ? "" : " LD_LIBRARY_PATH='" + llp + "'");
    // An absolute path: invoked as ./app, the loader takes the executable's
    // $ORIGIN from that name and prints paths with "/./" in them.
    auto ldd = run("cd '" + dir_ + "' && " + env + " ldd " + dir_ + "/" + app + " 2>&1");
    auto expected = ldd_map(ldd.out, dir_);
    ASSERT_FALSE(expected.empty()) << ldd.out;

    auto fs = sys::make_file_system("/");
    auto ctx = real_context(*fs, dir_);
    ctx.ld_library_path = split_ld_library_path(llp);
    auto exe = load_object(*fs, dir_ + "/" + app);
    ASSERT_TRUE(exe.ok()) << exe.error();
    ctx.executable = *exe;
    auto tree = resolve_tree(*fs, Requester{*exe, {}}, ctx, with_interpreter());
    EXPECT_EQ(tree_map(tree), expected) << app << " with LD_LIBRARY_PATH=" << llp << "\nldd:\n"
                                        << ldd.out;
    last_ = tree;
  }

  const TreeNode& node(const std::string& soname) {
    for (const auto& n : last_.nodes) {
      if (n.soname == soname && !n.already_loaded) return n;
    }
    ADD_FAILURE() << "no node for " << soname;
    return last_.nodes.front();
  }

  testing::TempDir tmp_{"ongpu-ldd"};
  std::string dir_;
  ResolvedTree last_;
};

TEST_F(ResolveLoader, RunpathChain) {
  compare("app_runpath", "");
  EXPECT_EQ(node("libmid.so.1").resolution.step, SearchStep::dt_runpath);
  EXPECT_EQ(node("libleaf.so.1").resolution.found_by,
            "DT_RUNPATH of " + dir_ + "/mid/libmid.so.1 ($ORIGIN/../b)");
}

TEST_F(ResolveLoader, LdLibraryPathBeforeARunpath) {
  compare("app_runpath", dir_ + "/a");
  const auto& leaf = node("libleaf.so.1");
  EXPECT_EQ(leaf.resolution.step, SearchStep::ld_library_path);
  // The DT_RUNPATH copy is there, and loses.
  bool shadowed = false;
  for (const auto& c : leaf.resolution.copies) shadowed |= c.status == CopyStatus::shadowed;
  EXPECT_TRUE(shadowed);
}

TEST_F(ResolveLoader, RpathBeforeLdLibraryPath) {
  compare("app_rpath", dir_ + "/b:" + dir_ + "/mid");
  const auto& leaf = node("libleaf.so.1");
  EXPECT_EQ(leaf.resolution.step, SearchStep::dt_rpath);
}

TEST_F(ResolveLoader, EmptyEntryIsTheWorkingDirectory) {
  fsys::copy_file(dir_ + "/a/libleaf.so.1", dir_ + "/libleaf.so.1");
  compare("app_runpath", "/nonexistent:");
}

TEST_F(ResolveLoader, OtherClassIsSkipped) {
  if (!fsys::exists("/lib32/libc.so.6")) GTEST_SKIP() << "no 32-bit libc to stand in";
  fsys::create_directories(dir_ + "/c32");
  fsys::copy_file("/lib32/libc.so.6", dir_ + "/c32/libleaf.so.1");
  compare("app_runpath", dir_ + "/c32:" + dir_ + "/a");
  const auto& leaf = node("libleaf.so.1");
  ASSERT_FALSE(leaf.resolution.copies.empty());
  EXPECT_EQ(leaf.resolution.copies[0].status, CopyStatus::skipped);
  EXPECT_EQ(leaf.resolution.copies[0].problem, "wrong ELF class: 32-bit");
}

TEST_F(ResolveLoader, TransitiveMiss) {
  compare("app_miss", "");
  auto misses = last_.misses();
  ASSERT_EQ(misses.size(), 1u);
  EXPECT_EQ(last_.nodes[misses[0]].soname, "libleaf.so.1");
}

TEST_F(ResolveLoader, BrokenFileStopsTheLoader) {
  fsys::create_directories(dir_ + "/broken");
  write("broken/libleaf.so.1", "GROUP ( libleaf.so.1.0 )\n");
  auto ldd = run("cd '" + dir_ + "' && env -i PATH=/usr/bin:/bin LD_LIBRARY_PATH='" + dir_ +
                 "/broken' ldd ./app_runpath 2>&1");
  EXPECT_NE(ldd.out.find("libleaf.so.1: file too short"), std::string::npos) << ldd.out;
  auto fs = sys::make_file_system("/");
  auto ctx = real_context(*fs, dir_);
  ctx.ld_library_path = {dir_ + "/broken"};
  auto mid = load_object(*fs, dir_ + "/mid/libmid.so.1");
  ASSERT_TRUE(mid.ok());
  auto r = resolve_library(*fs, "libleaf.so.1", Requester{*mid, {}}, ctx);
  EXPECT_EQ(r.outcome, Outcome::load_error);
  EXPECT_EQ(r.error, dir_ + "/broken/libleaf.so.1: file too short");
}

// The CUDA 13 toolkit in /usr/local/cuda, as installed on the development
// machine: each library's DT_RUNPATH is $ORIGIN.
TEST(ResolveRealCuda, CublasFindsCublasLtLikeLdd) {
  const std::string cublas = "/usr/local/cuda/lib64/libcublas.so.13";
  auto fs = sys::make_file_system("/");
  if (!fs->exists(cublas) || !have("ldd")) GTEST_SKIP() << "needs ldd and " << cublas;
  auto expected = ldd_map(run("env -i PATH=/usr/bin:/bin ldd " + cublas + " 2>&1").out);
  ASSERT_TRUE(expected.count("libcublasLt.so.13"));
  auto who = load_object(*fs, cublas);
  ASSERT_TRUE(who.ok()) << who.error();
  auto ctx = real_context(*fs, "/");
  int compared = 0;
  for (const auto& name : who->elf.needed) {
    if (!expected.count(name)) continue;  // the interpreter
    auto r = resolve_library(*fs, name, Requester{*who, {}}, ctx);
    EXPECT_EQ(r.outcome == Outcome::found ? r.path : "not found", expected[name]) << name;
    ++compared;
  }
  EXPECT_GE(compared, 5);
  auto lt = resolve_library(*fs, "libcublasLt.so.13", Requester{*who, {}}, ctx);
  EXPECT_EQ(lt.found_by, "DT_RUNPATH of " + cublas + " ($ORIGIN)");
}

TEST(ResolveRealCuda, CudnnTreeLikeLdd) {
  const std::string cnn = "/usr/local/cuda/lib64/libcudnn_cnn.so.9";
  auto fs = sys::make_file_system("/");
  if (!fs->exists(cnn) || !have("ldd")) GTEST_SKIP() << "needs ldd and " << cnn;
  auto expected = ldd_map(run("env -i PATH=/usr/bin:/bin ldd " + cnn + " 2>&1").out);
  auto root = load_object(*fs, cnn);
  ASSERT_TRUE(root.ok()) << root.error();
  auto tree = resolve_tree(*fs, Requester{*root, {}}, real_context(*fs, "/"), with_interpreter());
  EXPECT_EQ(tree_map(tree), expected);
}

// With no DT_RUNPATH to help, the toolkit is found only if ld.so.cache or
// the default directories hold it: what a program without search paths of
// its own (python's ctypes, say) would get.
TEST(ResolveRealCuda, WithoutSearchPathsLikeTheLoader) {
  const std::string probe = "/usr/local/cuda/lib64/libcudart.so.13";
  auto fs = sys::make_file_system("/");
  if (!fs->exists(probe) || !have("cc") || !have("ldd")) GTEST_SKIP() << "needs cc, ldd, " << probe;
  testing::TempDir tmp("ongpu-plain");
  testing::write_file(tmp.path(), "/main.c", "int main(void) { return 0; }\n");
  auto built =
      run("cd '" + tmp.path() + "' && cc -o app main.c -Wl,--no-as-needed " + probe + " 2>&1");
  ASSERT_EQ(built.status, 0) << built.out;
  auto expected = ldd_map(run("env -i PATH=/usr/bin:/bin ldd " + tmp.path() + "/app 2>&1").out);
  auto app = load_object(*fs, tmp.path() + "/app");
  ASSERT_TRUE(app.ok()) << app.error();
  auto ctx = real_context(*fs, tmp.path());
  auto r = resolve_library(*fs, "libcudart.so.13", Requester{*app, {}}, ctx);
  EXPECT_EQ(r.outcome == Outcome::found ? r.path : "not found", expected["libcudart.so.13"]);
}

}  // namespace
}  // namespace ongpu::libs
