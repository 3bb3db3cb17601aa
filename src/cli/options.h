// Options shared by the commands that collect facts.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "facts/factset.h"
#include "knowledge/knowledge.h"
#include "util/result.h"

namespace ongpu::cli {

struct FactOptions {
  bool json = false;
  bool verbose = false;
  double timeout_s = 10;
  std::string root = "/";
  std::string save_facts;
  std::string facts_from;
  std::vector<std::string> python;  // --python, repeatable
  bool no_python = false;           // --no-python: the driver stack only
  bool python_only = false;         // --python-only: no interpreter but --python's
  std::string python_answer;        // --python-answer: --python's answer, read, not asked
  bool library_versions = false;    // --library-versions
  bool python_environments = true;  // whether the command looks at Python at all
  bool discover_python =
      true;                   // also the active env and python3/python on PATH (not only --python)
  std::string knowledge_dir;  // --knowledge: newer copies of the tables
};

// Parses a command's arguments (those after its name). nullopt: go on; else
// the exit code to return, CLI11's help or error already printed (0 after
// --help, kExitUsage after a usage error).
std::optional<int> parse_arguments(CLI::App& app, std::vector<std::string> args);

void add_fact_options(CLI::App& app, FactOptions& o);
// Collects live facts, or reads them from --facts-from; saves them to --save-facts.
// The collection takes what it needs of the knowledge from `tables`, which the
// command then judges with (one load per run).
Result<FactSet> obtain_facts(const FactOptions& o, const knowledge::LoadOnce* tables = nullptr);

}  // namespace ongpu::cli
