// A small RFC 4180 reader for the knowledge tables: a header row, then one
// record per row; fields may be quoted ("a, b", "say ""hi""") and a quoted
// field may span lines. It never throws; a malformed file is an Error that
// names the file and the line.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace ongpu::knowledge {

struct CsvRow {
  int line = 0;  // 1-based line on which the record starts
  std::vector<std::string> fields;
};

struct CsvTable {
  std::string name;  // the file name, for messages
  std::vector<std::string> header;
  std::vector<CsvRow> rows;

  // Index of a header column, or nullopt.
  std::optional<size_t> column(std::string_view header_name) const;
};

// Blank lines are skipped. Every record must have as many fields as the
// header; fields are kept exactly as written (no trimming).
Result<CsvTable> parse_csv(std::string_view text, std::string_view name);

}  // namespace ongpu::knowledge
