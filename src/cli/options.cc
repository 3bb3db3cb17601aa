#include "cli/options.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "facts/collect.h"
#include "facts/json.h"

namespace ongpu::cli {

std::optional<int> parse_arguments(CLI::App& app, std::vector<std::string> args) {
  try {
    std::reverse(args.begin(), args.end());  // CLI11 takes the arguments in reverse order
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  return std::nullopt;
}

void add_fact_options(CLI::App& app, FactOptions& o) {
  app.add_flag("--json", o.json, "print one JSON document (docs/json-schema.md)");
  app.add_flag("-v,--verbose", o.verbose, "show every fact and each probe's time");
  app.add_option("--timeout", o.timeout_s, "deadline in seconds for the vendor probes")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  app.add_option("--save-facts", o.save_facts, "also write the collected facts to FILE")
      ->type_name("FILE");
  app.add_option("--facts-from", o.facts_from, "judge facts saved earlier instead of this machine")
      ->type_name("FILE");
  if (o.python_environments) {
    auto* python =
        app.add_option("--python", o.python, "also check this Python interpreter (repeatable)")
            ->type_name("PATH")
            ->take_all();
    app.add_flag("--python-only", o.python_only,
                 "check only the interpreters named by --python: no search of VIRTUAL_ENV, "
                 "CONDA_PREFIX, PATH or the environment ongpu is installed in")
        ->needs(python);
    app.add_option("--python-answer", o.python_answer,
                   "instead of starting the one --python interpreter to ask about itself, read "
                   "its answer from FILE ('-': standard input); the Python API answers so for "
                   "the calling interpreter")
        ->type_name("FILE")
        ->needs(python);
    app.add_flag("--library-versions", o.library_versions,
                 "also load each CUDA library the frameworks resolve to, in a child process, and "
                 "ask its own version");
    app.add_flag("--no-python", o.no_python,
                 "check the driver stack only: no Python environments, no framework verdicts");
  }
  if (o.python_environments) {
    app.add_option("--knowledge", o.knowledge_dir, "read newer knowledge tables (*.csv) from DIR")
        ->type_name("DIR")
        ->check(CLI::ExistingDirectory);
  }
  app.add_option("--root", o.root, "read /proc, /sys and /dev under DIR (a captured machine)")
      ->type_name("DIR")
      ->check(CLI::ExistingDirectory);
}

namespace {

// --python-answer's text: what python/ongpu/_query.py prints, a few hundred
// bytes; a wrong file or an endless stream is refused, not read on.
Result<std::string> read_python_answer(const FactOptions& o) {
  if (o.python.size() != 1)
    return make_error("--python-answer needs exactly one --python (got " +
                      std::to_string(o.python.size()) + ")");
  constexpr size_t kMaxAnswer = 1 << 20;
  const bool from_stdin = o.python_answer == "-";
  if (from_stdin && ::isatty(STDIN_FILENO))
    return make_error(
        "--python-answer -: standard input is a terminal; pipe the answer in, or name a FILE");
  std::ifstream file;
  if (!from_stdin) {
    file.open(o.python_answer, std::ios::binary);
    if (!file) return make_error("cannot read --python-answer " + one_line(o.python_answer));
  }
  std::istream& in = from_stdin ? std::cin : file;
  std::string text;
  std::vector<char> chunk(1 << 16);
  while (in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || in.gcount() > 0) {
    text.append(chunk.data(), static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxAnswer)
      return make_error("--python-answer " + one_line(o.python_answer) +
                        " is larger than 1 MiB: not an interpreter's answer");
  }
  if (in.bad()) return make_error("cannot read --python-answer " + one_line(o.python_answer));
  return text;
}

}  // namespace

Result<FactSet> obtain_facts(const FactOptions& o, const knowledge::LoadOnce* tables) {
  FactSet facts;
  if (!o.facts_from.empty()) {
    std::ifstream in(o.facts_from, std::ios::binary);
    if (!in) return make_error("cannot read " + o.facts_from);
    // A facts file is a few MB; /dev/zero or a wrong file must not grow
    // without bound.
    constexpr size_t kMaxFacts = 64 << 20;
    std::string text;
    std::vector<char> chunk(1 << 16);
    while (in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || in.gcount() > 0) {
      text.append(chunk.data(), static_cast<size_t>(in.gcount()));
      if (text.size() > kMaxFacts)
        return make_error(o.facts_from + " is larger than 64 MiB: not a facts file");
    }
    json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return make_error(o.facts_from + " is not valid JSON");
    auto parsed = facts_from_json(doc);
    if (!parsed) return make_error(o.facts_from + ": " + parsed.error());
    facts = std::move(parsed).value();
  } else {
    CollectOptions c;
    c.root = o.root;
    // CLI11's range check lets NaN through; the conversion below must not see it.
    const double seconds = std::isfinite(o.timeout_s) ? std::clamp(o.timeout_s, 0.1, 3600.0) : 10.0;
    c.deadline = std::chrono::milliseconds(static_cast<long>(seconds * 1000));
    c.python = o.no_python ? std::vector<std::string>{} : o.python;
    c.discover_python =
        o.python_environments && !o.no_python && o.discover_python && !o.python_only;
    c.library_versions = o.library_versions;
    if (!o.python_answer.empty() && !o.no_python) {
      auto answer = read_python_answer(o);
      if (!answer) return make_error(answer.error());
      c.python_answers[o.python.front()] = std::move(answer).value();
    }
    std::optional<knowledge::LoadOnce> own;  // --knowledge holds without the caller's tables too
    c.knowledge = tables ? tables : &own.emplace(o.knowledge_dir);
    facts = collect_all(c);
  }
  if (!o.save_facts.empty()) {
    // Not writable: say so, and still give the report (exit 70 at the end).
    errno = 0;
    std::ofstream out(o.save_facts);
    if (out)
      out << facts_to_json(facts).dump(2, ' ', false, json::error_handler_t::replace) << "\n";
    if (out) out.close();
    if (!out) {
      const int err = errno;
      std::cerr << "ongpu: cannot write --save-facts " << one_line(o.save_facts)
                << (err ? std::string(": ") + std::strerror(err) : std::string())
                << "; the report follows\n";
      note_output_failure();
    }
  }
  return facts;
}

}  // namespace ongpu::cli
