#include "knowledge/csv.h"

#include <fmt/format.h>

namespace ongpu::knowledge {

std::optional<size_t> CsvTable::column(std::string_view header_name) const {
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == header_name) return i;
  }
  return std::nullopt;
}

namespace {

// Reads one record starting at `pos`; advances `pos` past its line end and
// counts the lines it consumed.
Result<std::vector<std::string>> read_record(std::string_view text, size_t& pos, int& line,
                                             std::string_view name) {
  std::vector<std::string> fields;
  std::string field;
  const int start_line = line;
  bool in_quotes = false;
  bool was_quoted = false;
  while (pos < text.size()) {
    char c = text[pos];
    if (in_quotes) {
      if (c == '"') {
        if (pos + 1 < text.size() && text[pos + 1] == '"') {
          field += '"';
          pos += 2;
          continue;
        }
        in_quotes = false;
        ++pos;
        continue;
      }
      if (c == '\n') ++line;
      field += c;
      ++pos;
      continue;
    }
    if (c == '"') {
      if (!field.empty() || was_quoted) {
        return make_error(
            fmt::format("{}:{}: a quote inside an unquoted field (quote the whole field "
                        "and double the quote)",
                        name, line));
      }
      in_quotes = true;
      was_quoted = true;
      ++pos;
      continue;
    }
    if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
      was_quoted = false;
      ++pos;
      continue;
    }
    if (c == '\r' && pos + 1 < text.size() && text[pos + 1] == '\n') {
      ++pos;
      continue;
    }
    if (c == '\n') {
      ++pos;
      ++line;
      fields.push_back(std::move(field));
      return fields;
    }
    if (was_quoted) {
      return make_error(fmt::format("{}:{}: text after the closing quote of a field", name, line));
    }
    field += c;
    ++pos;
  }
  if (in_quotes) {
    return make_error(fmt::format("{}:{}: a quoted field is never closed", name, start_line));
  }
  fields.push_back(std::move(field));
  return fields;
}

bool blank(std::string_view text, size_t pos) {
  while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\r')) ++pos;
  return pos >= text.size() || text[pos] == '\n';
}

void skip_line(std::string_view text, size_t& pos, int& line) {
  size_t nl = text.find('\n', pos);
  pos = nl == std::string_view::npos ? text.size() : nl + 1;
  ++line;
}

}  // namespace

Result<CsvTable> parse_csv(std::string_view text, std::string_view name) {
  CsvTable table;
  table.name = std::string(name);
  // A UTF-8 byte-order mark, as spreadsheet programs write it.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  size_t pos = 0;
  int line = 1;
  bool have_header = false;
  while (pos < text.size()) {
    if (blank(text, pos)) {
      skip_line(text, pos, line);
      continue;
    }
    const int record_line = line;
    auto record = read_record(text, pos, line, name);
    if (!record) return Error{record.error()};
    if (!have_header) {
      table.header = std::move(record).value();
      for (const auto& h : table.header) {
        if (h.empty())
          return make_error(fmt::format("{}:{}: an empty column name", name, record_line));
      }
      have_header = true;
      continue;
    }
    if (record->size() != table.header.size()) {
      return make_error(fmt::format("{}:{}: {} fields, but the header has {}", name, record_line,
                                    record->size(), table.header.size()));
    }
    table.rows.push_back(CsvRow{record_line, std::move(record).value()});
  }
  if (!have_header) return make_error(fmt::format("{}: empty file (no header row)", name));
  return table;
}

}  // namespace ongpu::knowledge
