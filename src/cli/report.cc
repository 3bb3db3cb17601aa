// `ongpu report`: one markdown document for a GitHub issue or a support
// ticket, from the doctor's report (and, with --verify, verify's live
// proof); --redact hides the names that identify a person or a machine.
#include "rules/report.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <iostream>
#include <optional>

#include "cli/commands.h"
#include "cli/live_checks.h"
#include "cli/options.h"
#include "facts/collect.h"
#include "facts/identity.h"
#include "knowledge/knowledge.h"
#include "render/redact.h"
#include "render/report_md.h"
#include "sys/fs.h"
#include "util/strings.h"
#include "verify/verify_rules.h"

namespace ongpu::cli {
namespace {

// The file named by -o, opened before any work so that a path that cannot
// be written fails at once (not after a minutes-long --verify). Nothing but
// that path is written; a file this run created is removed again when no
// report is written to it.
class OutputFile {
 public:
  ~OutputFile() {
    if (fd_ >= 0) ::close(fd_);
    if (created_ && !written_) ::unlink(path_.c_str());
  }
  // "" when it is open; otherwise why not.
  std::string open(const std::string& path) {
    path_ = path;
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0666);
    created_ = fd_ >= 0;
    if (fd_ < 0 && errno == EEXIST) {
      // An existing file is written only when it is a regular file of this
      // user's, reached without a symbolic link: in /tmp, another user could
      // have put one there to read the report or to have another file
      // overwritten.
      fd_ = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
      if (fd_ < 0) return errno == ELOOP ? "it is a symbolic link" : std::strerror(errno);
      struct stat st {};
      if (::fstat(fd_, &st) != 0) return std::strerror(errno);
      if (S_ISREG(st.st_mode) && st.st_uid != ::geteuid()) return "it belongs to another user";
      if (S_ISDIR(st.st_mode)) return "it is a directory";
    }
    return fd_ >= 0 ? "" : std::strerror(errno);
  }
  // "" when the whole text is in the file.
  std::string write(const std::string& text) {
    if (::ftruncate(fd_, 0) != 0 && errno != EINVAL) return std::strerror(errno);  // EINVAL: a FIFO
    size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return std::strerror(n < 0 ? errno : EIO);
      done += static_cast<size_t>(n);
    }
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return std::strerror(errno);
    written_ = true;
    return "";
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool created_ = false;
  bool written_ = false;
};

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  char buf[64] = "";
  if (::gmtime_r(&now, &tm) != nullptr) std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

}  // namespace

int run_report(std::vector<std::string> args) {
  CLI::App app{
      "One markdown document for a GitHub issue or a support ticket: the verdict, the root cause "
      "and its fix, the chain, each framework's verdict, and the details folded away.",
      "ongpu report"};
  FactOptions o;
  add_fact_options(app, o);
  // Markdown is the output: the doctor's --json and -v do not apply.
  app.remove_option(app.get_option("--json"));
  app.remove_option(app.get_option("--verbose"));
  bool live = false, redact = false;
  std::string output;
  LiveCheckOptions checks;
  app.add_flag("--verify", live,
               "also prove it: import each framework found and multiply matrices on the GPU and "
               "the CPU (ongpu verify; up to 120 s per framework)")
      ->excludes("--facts-from");
  app.add_flag("--redact", redact,
               "replace user and host names, home directories and GPU UUIDs with placeholders "
               "(docs/report.md says what it does not catch)");
  app.add_option("-o,--output", output, "write the report to FILE instead of standard output")
      ->type_name("FILE");
  app.footer(
      "Exit codes: the verdict's, as the doctor's (with --verify, the live proof's): 0 a GPU is\n"
      "usable, 1 usable with warnings or by only some frameworks, 2 not usable; 64 usage error;\n"
      "70 internal error, or FILE cannot be written.");
  if (auto rc = parse_arguments(app, std::move(args))) return *rc;

  std::optional<OutputFile> file;
  if (!output.empty() && output != "-") {
    if (auto why = file.emplace().open(output); !why.empty()) {
      std::cerr << "ongpu report: cannot write " << one_line(output) << ": " << why << "\n";
      return kExitInternal;
    }
  }
  const knowledge::LoadOnce tables(o.knowledge_dir);
  auto facts = obtain_facts(o, &tables);
  if (!facts) {
    std::cerr << "ongpu report: " << facts.error() << "\n";
    return o.facts_from.empty() && o.python_answer.empty() ? kExitInternal : kExitUsage;
  }
  const auto& k = tables.get();
  if (!k) {
    std::cerr << "ongpu report: " << k.error() << "\n";
    return kExitUsage;
  }
  // With --verify the report is the live proof's, which holds the doctor's.
  std::optional<verify::VerifyReport> proof;
  std::optional<Report> doctor;
  if (live) {
    auto runs = run_live_checks(plan_live_checks(*facts, checks), checks.timeout_s);
    proof =
        verify::build_verify_report(build_report(std::move(facts).value(), *k), std::move(runs));
  } else {
    doctor = build_report(std::move(facts).value(), *k);
  }
  Report& report = proof ? proof->doctor : *doctor;
  // The live proof decides where it checked something; with nothing to
  // check (no framework found), the doctor's verdict stands.
  const int exit_code =
      proof && !proof->frameworks.empty() ? proof->verdict.exit_code : report.verdict.exit_code;

  std::optional<Redactor> redactor;
  if (redact) {
    redactor.emplace(collect_redaction_names(*sys::make_file_system("/"), current_environment()),
                     report.facts);
    if (proof)
      redact_verify_report(*proof, *redactor);
    else
      redact_report(report, *redactor);
  }
  std::string text =
      render_report_markdown({report, proof ? &*proof : nullptr, ONGPU_VERSION, utc_now(), redact});
  if (redactor) text = redact_markdown(text, *redactor);

  if (file) {
    if (auto why = file->write(text); !why.empty()) {
      std::cerr << "ongpu report: cannot write " << one_line(output) << ": " << why
                << "; the report follows\n";
      note_output_failure();
      std::cout << text;
    }
  } else {
    std::cout << text;
  }
  return exit_code;
}

}  // namespace ongpu::cli
