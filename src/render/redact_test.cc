#include "render/redact.h"

#include <gtest/gtest.h>

#include "knowledge/knowledge.h"
#include "knowledge/test_tables.h"
#include "render/report_md.h"
#include "rules/report.h"
#include "rules/test_facts.h"

namespace ongpu {
namespace {

using testing::add_framework;
using testing::healthy_facts;

RedactionNames alice() { return {{"alice"}, {"/home/alice"}, {"gpu-node-17"}}; }

TEST(Redactor, HomeDirectoriesBecomeATilde) {
  Redactor r(alice(), FactSet{});
  EXPECT_EQ(r.apply("/home/alice/venv/bin/python"), "~/venv/bin/python");
  EXPECT_EQ(r.apply("HOME=/home/alice"), "HOME=~");
  EXPECT_EQ(r.apply("LD_LIBRARY_PATH=/home/alice/a:/home/alice/b"), "LD_LIBRARY_PATH=~/a:~/b");
  // Another directory under /home is someone else's: its name is hidden, not the path.
  EXPECT_EQ(r.apply("/home/alice2/x"), "/home/<user-2>/x");
  EXPECT_EQ(r.apply("/var/home/alice/x /export/home/carol/y"),
            "/var/home/<user>/x /export/home/<user-3>/y");
}

TEST(Redactor, NamesAreReplacedWhereTheyStandAlone) {
  Redactor r(alice(), FactSet{});
  EXPECT_EQ(r.apply("alice ran it on gpu-node-17 as alice"), "<user> ran it on <host> as <user>");
  EXPECT_EQ(r.apply("malice alice_b alicee gpu-node-170"), "malice alice_b alicee gpu-node-170");
  EXPECT_EQ(r.apply("/scratch/alice/x alice.txt 'alice'"), "/scratch/<user>/x <user>.txt '<user>'");
}

TEST(Redactor, TheSamePlaceholderForTheSameValue) {
  Redactor r({{"alice", "bob"}, {}, {"node-a", "node-b"}}, FactSet{});
  const std::string once = r.apply("bob node-b alice node-a");
  EXPECT_EQ(once, "<user-2> <host-2> <user> <host>");
  EXPECT_EQ(r.apply("node-a bob"), "<host> <user-2>");
  // Already redacted text stays as it is.
  EXPECT_EQ(r.apply(once), once);
}

TEST(Redactor, NamesThatLookLikePlaceholdersLeaveThemAlone) {
  Redactor r({{"user-2", "bob"}, {}, {"uuid-1"}}, FactSet{});
  const std::string once = r.apply("bob user-2 uuid-1");
  EXPECT_EQ(once, "<user-2> <user> <host>");
  EXPECT_EQ(r.apply(once), once);
  EXPECT_EQ(r.apply("&lt;user-2&gt;", PlaceholderForm::markdown_text), "&lt;user-2&gt;");
}

TEST(Redactor, OnlyWhatCanBeANameIsLookedFor) {
  // $USER or a host name that no system makes is no name to look for.
  Redactor r({{"<b>", ".org", "-x", "jürgen"}, {"/home/<b>"}, {"a b"}}, FactSet{});
  EXPECT_EQ(r.apply("<b> .org -x a b"), "<b> .org -x a b");
  // A name in another script is one, and whole: no part of a longer word.
  EXPECT_EQ(r.apply("jürgen jürgens"), "<user> jürgens");
  // Homebrew's /home/linuxbrew is everyone's.
  EXPECT_EQ(r.apply("/home/linuxbrew/.linuxbrew/bin/python3"),
            "/home/<user-2>/.linuxbrew/bin/python3");
}

TEST(Redactor, WhatWasGluedToAReplacedValueStaysGlued) {
  FactSet f = healthy_facts(1);
  Redactor r({{"alice"}, {}, {}}, f);
  // A known UUID glued to a name: the UUID goes, and the name is no word of its own.
  const std::string once = r.apply("GPU-00000000-1111-2222-3333-444444444444alice");
  EXPECT_EQ(once, "GPU-<uuid-1>alice");
  EXPECT_EQ(r.apply(once), once);
}

TEST(Redactor, AFullyQualifiedHostNameAndItsFirstLabel) {
  FactSet f;
  f.host.hostname = std::string("node17.cluster.example.org");
  Redactor r({}, f);
  EXPECT_EQ(r.apply("node17.cluster.example.org node17 node170"), "<host> <host> node170");
}

TEST(Redactor, RootsNameIsNoSecretButItsHomeIs) {
  Redactor r({{"root", "alice"}, {"/root"}, {}}, FactSet{});
  EXPECT_EQ(r.apply("the root cause is in /root/.cache and /rootfs"),
            "the root cause is in ~/.cache and /rootfs");
  // root takes no number: the next user is the first placeholder.
  EXPECT_EQ(r.apply("alice"), "<user>");
}

TEST(Redactor, ASystemDirectoryIsNoHome) {
  Redactor r({{}, {"/", "/usr/local", "/tmp", "/var/lib", "/usr/lib/daemon", "relative/dir"}, {}},
             FactSet{});
  EXPECT_EQ(r.apply("/usr/local/cuda/lib64 /tmp/x /var/lib/y /usr/lib/daemon/z relative/dir"),
            "/usr/local/cuda/lib64 /tmp/x /var/lib/y /usr/lib/daemon/z relative/dir");
  // A home anywhere else is one: a CI runner's, a service account's.
  Redactor ci({{}, {"/var/lib/jenkins", "/tmp/ci-home"}, {}}, FactSet{});
  EXPECT_EQ(ci.apply("/var/lib/jenkins/venv /tmp/ci-home/x"), "~/venv ~/x");
}

TEST(Redactor, GpuAndMigUuidsAreNumberedInTheFactsOrder) {
  FactSet f = healthy_facts(2);
  f.nvml.gpus[1].mig_device_uuids =
      std::vector<std::string>{"MIG-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"};
  Redactor r({}, f);
  EXPECT_EQ(r.apply("GPU-00000001-1111-2222-3333-444444444444"), "GPU-<uuid-2>");
  EXPECT_EQ(r.apply("GPU-00000000-1111-2222-3333-444444444444,"), "GPU-<uuid-1>,");
  EXPECT_EQ(r.apply("MIG-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"), "MIG-<uuid-3>");
  // Upper case, bare, a prefix as CUDA_VISIBLE_DEVICES takes it, an unknown one.
  EXPECT_EQ(r.apply("GPU-00000001-1111-2222-3333-444444444444"), "GPU-<uuid-2>");
  EXPECT_EQ(r.apply("uuid 00000000-1111-2222-3333-444444444444"), "uuid <uuid-1>");
  // The first digits of one UUID stand for it; of several, for all of them.
  EXPECT_EQ(r.apply("CUDA_VISIBLE_DEVICES=GPU-00000001"), "CUDA_VISIBLE_DEVICES=GPU-<uuid-2>");
  EXPECT_EQ(r.apply("CUDA_VISIBLE_DEVICES=GPU-0000000"), "CUDA_VISIBLE_DEVICES=GPU-<uuid-");
  EXPECT_EQ(r.apply("GPU-DEADBEEF-0000-0000-0000-000000000000"), "GPU-<uuid-4>");
  EXPECT_EQ(r.apply("MIG-GPU-00000000-1111-2222-3333-444444444444/1/0"), "MIG-GPU-<uuid-1>/1/0");
  // A known one glued to a word is still found; an unknown one there is no UUID.
  EXPECT_EQ(
      r.apply("xGPU-00000000-1111-2222-3333-444444444444 id_00000001-1111-2222-3333-444444444444"),
      "xGPU-<uuid-1> id_<uuid-2>");
  EXPECT_EQ(r.apply("x12345678-1111-2222-3333-444444444444"),
            "x12345678-1111-2222-3333-444444444444");
  // Words that only look like the start of one.
  EXPECT_EQ(r.apply("GPU-accelerated GPU-0 GPU-abc"), "GPU-accelerated GPU-0 GPU-abc");
}

TEST(Redactor, LearnsNamesBeforeTheirFirstPath) {
  Redactor r({}, FactSet{});
  r.learn("/home/dave/venv");
  EXPECT_EQ(r.apply("dave's job"), "<user>'s job");
}

TEST(Redactor, MarkdownTextGetsEscapedPlaceholders) {
  Redactor r(alice(), FactSet{});
  EXPECT_EQ(r.apply("/home/alice/x alice", PlaceholderForm::markdown_text), "\\~/x &lt;user&gt;");
  EXPECT_EQ(redact_markdown("alice `alice /home/alice` ~ \n```\nalice\n```\n", r),
            "&lt;user&gt; `<user> ~` ~ \n```\n<user>\n```\n");
}

// ---------------------------------------------------------------------------
// A whole report whose machine names alice, bob and the host in many places.

using testing::tables;

constexpr const char* kHost = "gpu-node-17.cluster.example.org";

FactSet planted() {
  FactSet f = healthy_facts(1);
  f.host.hostname = std::string(kHost);
  f.env.ld_library_path = "/home/alice/cuda/lib64:/home/bob/lib";
  f.env.cuda_visible_devices = "GPU-00000000";
  f.env.debug_variables["CUDA_INJECTION64_PATH"] = "/home/alice/inject.so";
  f.cuda.library.path = std::string("/home/alice/cuda/lib64/libcuda.so.1");
  f.cuda.library.ld_library_path_entry = std::string("/home/alice/cuda/lib64");
  auto& fw = add_framework(f, Framework::tensorflow, "2.21.0");
  auto& env = f.python.environments[0];
  env.interpreter = "/home/alice/venv/bin/python";
  env.executable = std::string("/home/alice/venv/bin/python3.11");
  env.site_packages = {"/home/alice/venv/lib/python3.11/site-packages"};
  fw.package_dir = "/home/alice/venv/lib/python3.11/site-packages/tensorflow";
  LibraryFact cudnn;
  cudnn.soname = "libcudnn.so.9";
  cudnn.requester = fw.package_dir + "/libtensorflow_framework.so.2";
  cudnn.outcome = LibraryOutcome::not_found;
  cudnn.path = Fact<std::string>::missing("not in /home/alice/venv on gpu-node-17");
  cudnn.wheel_copy = "/home/bob/shared/nvidia/cudnn/lib/libcudnn.so.9";
  cudnn.other_copies = {
      {"/home/bob/cudnn/libcudnn.so.9", OtherCopy::Status::not_searched, "owned by bob"}};
  fw.libraries.push_back(cudnn);
  // A second interpreter that could not be checked, whose error names them all.
  PythonEnv broken;
  broken.interpreter = "/home/bob/miniconda3/bin/python";
  broken.source = "--python";
  broken.probe.status = ProbeStatus::exited;
  broken.probe.exit_code = 1;
  broken.probe.stderr_tail =
      "PermissionError: /home/bob/.local by alice@gpu-node-17 "
      "GPU-00000000-1111-2222-3333-444444444444";
  f.python.environments.push_back(broken);
  return f;
}

TEST(RedactReport, NoOriginalIsLeftAnywhere) {
  Report report = build_report(planted(), tables());
  Redactor r({{"alice"}, {"/home/alice"}, {"gpu-node-17"}}, report.facts);
  redact_report(report, r);
  std::string text = render_report_markdown({report, nullptr, "1.0", "2026-12-03 12:00 UTC", true});
  // The structured pass reached every value: the final pass finds nothing.
  EXPECT_EQ(redact_markdown(text, r), text);
  for (const char* original :
       {"alice", "bob", "gpu-node-17", "cluster.example.org", "00000000-1111"}) {
    EXPECT_EQ(text.find(original), std::string::npos) << original << " is left in:\n" << text;
  }
  // What took their places, and what the report still says.
  EXPECT_NE(text.find("~/venv/bin/python"), std::string::npos) << text;
  EXPECT_NE(text.find("`GPU-<uuid-1>`"), std::string::npos) << text;
  EXPECT_NE(text.find("`<host>`"), std::string::npos) << text;
  EXPECT_NE(text.find("libcudnn.so.9"), std::string::npos);
  // Words written from the redacted facts still say what the real ones do:
  // the first digits of GPU 0's UUID in CUDA_VISIBLE_DEVICES select GPU 0.
  EXPECT_NE(text.find("\": visible GPU 0"), std::string::npos) << text;
  EXPECT_NE(text.find("/home/\\<user-2\\>/"), std::string::npos) << text;  // bob's, in text
}

TEST(RedactReport, ScopesStillMatchTheirFrameworks) {
  Report report = build_report(planted(), tables());
  Redactor r(alice(), report.facts);
  redact_report(report, r);
  ASSERT_FALSE(report.frameworks.empty());
  const auto& scope = report.frameworks[0].scope;
  EXPECT_EQ(scope.find("alice"), std::string::npos);
  EXPECT_TRUE(std::any_of(report.findings.begin(), report.findings.end(), [&](const Finding& f) {
    return f.scope == scope;
  })) << scope;
}

}  // namespace
}  // namespace ongpu
