// Reading the knowledge tables: embedded text or an override file -> CSV ->
// typed rows, each checked (a source on every row, versions that parse).
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <type_traits>

#include "knowledge/csv.h"
#include "knowledge/embedded.h"
#include "knowledge/knowledge.h"
#include "knowledge/version.h"
#include "util/strings.h"

namespace ongpu::knowledge {
namespace {

enum class Need { any, text, version, optional_version, integer, yes_no, optional_yes };

// One record being read; remembers the first problem so a table reader can
// take all its fields and check once.
class RowReader {
 public:
  RowReader(const CsvTable& table, const CsvRow& row) : table_(table), row_(row) {}

  std::string get(std::string_view column, Need need) {
    auto index = table_.column(column);
    if (!index) return fail(column, "", "is missing");  // checked per table; defensive
    const std::string& value = row_.fields[*index];
    switch (need) {
      case Need::any:
        break;
      case Need::text:
        if (trim(value).empty()) return fail(column, value, "is empty");
        break;
      case Need::version:
        if (!parse_version(value)) return fail(column, value, "is not a dotted version");
        break;
      case Need::optional_version:
        if (!value.empty() && !parse_version(value)) {
          return fail(column, value, "is not a dotted version (or empty)");
        }
        break;
      case Need::integer: {
        std::string_view v = value;
        bool negative = !v.empty() && v[0] == '-';
        if (negative) v.remove_prefix(1);
        if (v.empty() || v.find_first_not_of("0123456789") != std::string_view::npos ||
            !parse_number<int>(v)) {
          return fail(column, value, "is not an integer");
        }
        break;
      }
      case Need::yes_no:
        if (value != "yes" && value != "no") return fail(column, value, "is not yes or no");
        break;
      case Need::optional_yes:
        if (!value.empty() && value != "yes") return fail(column, value, "is not yes (or empty)");
        break;
    }
    // A table may come from --knowledge DIR: its text reaches the terminal, so
    // no control byte or escape sequence in it survives.
    return one_line(value);
  }

  // A list of versions separated by ';' ("7.5;8.0;12.0"); empty = none.
  std::vector<std::string> versions(std::string_view column) {
    std::string value = get(column, Need::any);
    std::vector<std::string> out;
    if (value.empty()) return out;
    for (auto part : split(value, ';')) {
      if (!parse_version(part)) {
        fail(column, value, "is not a ';'-separated list of versions");
        return {};
      }
      out.emplace_back(part);
    }
    return out;
  }

  std::string source() { return get("source", Need::text); }
  Origin origin() const { return Origin{table_.name, row_.line}; }
  const std::optional<Error>& error() const { return error_; }

  // Records the first error of the row; returns "" for the caller to return.
  std::string fail(std::string_view column, std::string_view value, std::string_view what) {
    if (!error_) {
      error_ = make_error(fmt::format("{}:{}: column '{}' ('{}') {}", table_.name, row_.line,
                                      column, one_line(value), what));
    }
    return "";
  }

 private:
  const CsvTable& table_;
  const CsvRow& row_;
  std::optional<Error> error_;
};

template <class T>
using RowParser = std::function<T(RowReader&)>;

template <class T>
Result<std::vector<T>> read_rows(const CsvTable& table, const std::vector<std::string>& columns,
                                 const RowParser<T>& parse) {
  for (const auto& c : columns) {
    if (!table.column(c)) return make_error(fmt::format("{}: no column '{}'", table.name, c));
  }
  if (!table.column("source")) return make_error(fmt::format("{}: no column 'source'", table.name));
  std::vector<T> out;
  for (const auto& row : table.rows) {
    RowReader reader(table, row);
    T value = parse(reader);
    reader.source();
    if (reader.error()) return *reader.error();
    out.push_back(std::move(value));
  }
  if (out.empty()) return make_error(fmt::format("{}: no rows", table.name));
  return out;
}

TfBuild parse_tf(RowReader& r) {
  TfBuild b;
  b.version = r.get("version", Need::version);
  b.python_min = r.get("python_min", Need::version);
  b.python_max = r.get("python_max", Need::version);
  b.python_also = r.versions("python_also");
  b.cudnn = r.get("cudnn", Need::version);
  b.cuda = r.get("cuda", Need::version);
  b.source = r.source();
  b.origin = r.origin();
  return b;
}

FrameworkNote parse_note(RowReader& r) {
  FrameworkNote n;
  n.package = r.get("package", Need::text);
  n.key = r.get("key", Need::text);
  n.from = r.get("from", Need::version);
  n.before = r.get("before", Need::optional_version);
  n.text = r.get("text", Need::text);
  n.source = r.source();
  n.origin = r.origin();
  return n;
}

TfLibrary parse_tf_library(RowReader& r) {
  TfLibrary l;
  l.component = r.get("component", Need::text);
  l.from = r.get("from", Need::version);
  l.before = r.get("before", Need::version);
  l.soname = r.get("soname", Need::text);
  l.source = r.source();
  l.origin = r.origin();
  return l;
}

FrameworkLibrary parse_framework_library(RowReader& r) {
  FrameworkLibrary l;
  l.framework = r.get("framework", Need::text);
  l.from = r.get("from", Need::version);
  l.before = r.get("before", Need::optional_version);
  l.library = r.get("library", Need::text);
  const std::string role = r.get("role", Need::text);
  if (auto v = enum_from_name<LibraryRole>(role))
    l.role = *v;
  else if (!role.empty())
    r.fail("role", role, "is not gpu, later or optional");
  const std::string loader = r.get("loader", Need::text);
  if (auto v = enum_from_name<LibraryLoader>(loader))
    l.loader = *v;
  else if (!loader.empty())
    r.fail("loader", loader, "is not dlopen, preload or pathfinder");
  const std::string fallback = r.get("fallback", Need::any);  // split() views into it
  for (auto part : split(fallback, ' ')) {
    if (part.empty()) continue;
    if (part.find(".so") == std::string_view::npos || part.find('/') != std::string_view::npos) {
      r.fail("fallback", part, "is not a soname");
      break;
    }
    l.fallback.emplace_back(part);
  }
  l.object = r.get("object", Need::any);
  if (!l.object.empty() && (l.object.front() == '/' || l.object.find("..") != std::string::npos)) {
    r.fail("object", l.object, "is not a path inside site-packages");
  }
  if (!l.object.empty() && l.loader != LibraryLoader::pathfinder)
    r.fail("object", l.object, "is read for pathfinder rows only");
  l.source = r.source();
  l.origin = r.origin();
  return l;
}

// A space-separated list of names, each checked by `ok`.
std::vector<std::string> words(RowReader& r, std::string_view column, Need need,
                               bool (*ok)(std::string_view), std::string_view what) {
  const std::string text = r.get(column, need);  // split() views into it
  std::vector<std::string> out;
  for (auto part : split(text, ' ')) {
    if (part.empty()) continue;
    if (!ok(part)) {
      r.fail(column, part, what);
      break;
    }
    out.emplace_back(part);
  }
  return out;
}

PathfinderLibrary parse_pathfinder(RowReader& r) {
  PathfinderLibrary l;
  l.library = r.get("library", Need::text);
  if (!starts_with(l.library, "lib") || l.library.find(".so") != std::string::npos) {
    r.fail("library", l.library, "is not a soname's stem (libcublas)");
  }
  const std::string stem = l.library;
  l.sonames = words(
      r, "sonames", Need::text,
      [](std::string_view s) {
        return s.find(".so.") != std::string_view::npos && s.find('/') == std::string_view::npos;
      },
      "is not a soname");
  for (const auto& so : l.sonames) {
    if (!starts_with(so, stem + ".so."))
      r.fail("sonames", so, "is not a soname of the row's library");
  }
  l.site_dirs = words(
      r, "site_dirs", Need::any,
      [](std::string_view s) { return s.front() != '/' && s.find("..") == std::string_view::npos; },
      "is not a directory inside site-packages");
  l.dependencies = words(
      r, "dependencies", Need::any,
      [](std::string_view s) {
        return starts_with(s, "lib") && s.find(".so") == std::string_view::npos;
      },
      "is not a soname's stem");
  l.source = r.source();
  l.origin = r.origin();
  return l;
}

CudaRelease parse_cuda(RowReader& r) {
  CudaRelease c;
  c.cuda = r.get("cuda", Need::version);
  c.release = r.get("release", Need::text);
  c.update = parse_number<int>(r.get("update", Need::integer)).value_or(0);
  c.linux_min = r.get("linux_x86_64_min", Need::version);
  c.windows_min = r.get("windows_x86_64_min", Need::optional_version);
  c.source = r.source();
  c.origin = r.origin();
  return c;
}

MinorCompat parse_minor(RowReader& r) {
  MinorCompat m;
  m.cuda_major = r.get("cuda_major", Need::integer);
  m.linux_min = r.get("linux_min", Need::version);
  m.windows_min = r.get("windows_min", Need::optional_version);
  m.range_upper = r.get("range_upper", Need::optional_version);
  m.caveat = r.get("caveat", Need::text);
  m.source = r.source();
  m.origin = r.origin();
  return m;
}

SassRange parse_sass(RowReader& r) {
  SassRange s;
  s.toolkit_from = r.get("toolkit_from", Need::version);
  s.toolkit_to = r.get("toolkit_to", Need::version);
  s.sass_min = r.get("sass_min", Need::version);
  s.sass_max = r.get("sass_max", Need::version);
  s.source = r.source();
  s.origin = r.origin();
  return s;
}

GpuCapability parse_gpu(RowReader& r) {
  GpuCapability g;
  g.model = r.get("model", Need::text);
  g.compute_capability = r.get("compute_capability", Need::version);
  g.source = r.source();
  g.origin = r.origin();
  return g;
}

TorchVariant parse_torch(RowReader& r) {
  TorchVariant t;
  t.torch = r.get("torch", Need::version);
  t.python_min = r.get("python_min", Need::version);
  t.python_max = r.get("python_max", Need::version);
  t.cuda = r.get("cuda", Need::version);
  t.channel = r.get("channel", Need::text);
  t.cudnn = r.get("cudnn", Need::optional_version);
  t.pypi_default = r.get("pypi_default", Need::optional_yes) == "yes";
  t.sass_archs = r.versions("sass_archs");
  t.ptx_archs = r.versions("ptx_archs");
  t.source = r.source();
  t.origin = r.origin();
  return t;
}

JaxPython parse_jax_python(RowReader& r) {
  JaxPython j;
  j.from = r.get("from", Need::version);
  j.before = r.get("before", Need::optional_version);
  j.python_min = r.get("python_min", Need::version);
  j.python_max = r.get("python_max", Need::version);
  j.source = r.source();
  j.origin = r.origin();
  return j;
}

JaxExtra parse_jax(RowReader& r) {
  JaxExtra j;
  j.extra = r.get("extra", Need::text);
  j.cuda_major = r.get("cuda_major", Need::integer);
  j.installs = r.get("installs", Need::text);
  j.nvidia_wheels = r.get("nvidia_wheels", Need::yes_no) == "yes";
  j.available_from = r.get("available_from", Need::optional_version);
  j.documented_in = r.get("documented_in", Need::optional_version);
  j.removed_in = r.get("removed_in", Need::optional_version);
  j.driver_min_linux = r.get("driver_min_linux", Need::version);
  j.sm_min = r.get("sm_min", Need::version);
  j.note = r.get("note", Need::any);
  j.source = r.source();
  j.origin = r.origin();
  return j;
}

std::string_view embedded_text(std::string_view name) {
  for (const auto& f : embedded_files()) {
    if (f.name == name) return f.text;
  }
  return {};
}

// The text of one table and the name to show in messages.
struct TableText {
  std::string text;
  std::string shown_as;  // "embedded:x.csv" or the override path
  std::string origin;    // "embedded" or the override path
};

Result<TableText> table_text(const std::string& name, const std::string& override_dir,
                             const std::map<std::string, std::string>& texts) {
  if (auto it = texts.find(name); it != texts.end()) return TableText{it->second, name, name};
  if (!override_dir.empty()) {
    std::filesystem::path path = std::filesystem::path(override_dir) / name;
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) {
      if (!std::filesystem::is_regular_file(path, ec)) {
        return make_error(fmt::format("{}: not a regular file", path.string()));
      }
      std::ifstream in(path, std::ios::binary);
      if (!in) return make_error(fmt::format("cannot read {}", path.string()));
      std::stringstream buf;
      buf << in.rdbuf();
      return TableText{buf.str(), path.string(), path.string()};
    }
  }
  std::string_view text = embedded_text(name);
  if (text.empty()) return make_error(fmt::format("{} is not embedded (a build problem)", name));
  return TableText{std::string(text), "embedded:" + name, "embedded"};
}

template <class T>
Result<std::vector<T>> load_table(const std::string& name, const std::vector<std::string>& columns,
                                  const RowParser<T>& parse, const std::string& override_dir,
                                  const std::map<std::string, std::string>& texts,
                                  std::map<std::string, std::string>& origins) {
  auto text = table_text(name, override_dir, texts);
  if (!text) return Error{text.error()};
  auto csv = parse_csv(text->text, text->shown_as);
  if (!csv) return Error{csv.error()};
  origins[name] = text->origin;
  return read_rows<T>(*csv, columns, parse);
}

}  // namespace

const std::vector<std::string>& Knowledge::table_names() {
  static const std::vector<std::string> names = {
      "tensorflow_gpu.csv",      "tensorflow_notes.csv", "cuda_driver.csv",
      "cuda_minor_compat.csv",   "cuda_arch.csv",        "gpu_compute_capability.csv",
      "pytorch_cuda.csv",        "jax_cuda.csv",         "tensorflow_cuda_libraries.csv",
      "framework_libraries.csv", "cuda_pathfinder.csv",  "jax_python.csv"};
  return names;
}

Result<Knowledge> Knowledge::load(const std::string& override_dir) {
  if (!override_dir.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(override_dir, ec)) {
      return make_error(fmt::format("--knowledge {}: not a directory", override_dir));
    }
  }
  return build(override_dir, {});
}

const Result<Knowledge>& LoadOnce::get() const {
  std::call_once(once_, [this] { tables_.emplace(Knowledge::load(dir_)); });
  return *tables_;
}

Result<Knowledge> Knowledge::from_texts(const std::map<std::string, std::string>& texts) {
  return build("", texts);
}

Result<Knowledge> Knowledge::build(const std::string& dir,
                                   const std::map<std::string, std::string>& texts) {
  Knowledge k;
  std::optional<Error> failed;
  auto load = [&](auto& member, const std::string& file, auto parser,
                  const std::vector<std::string>& columns) {
    if (failed) return;
    using Row = typename std::decay_t<decltype(member)>::value_type;
    auto rows = load_table<Row>(file, columns, parser, dir, texts, k.origins_);
    if (!rows) {
      failed = Error{rows.error()};
      return;
    }
    member = std::move(rows).value();
  };
  load(k.tf_, "tensorflow_gpu.csv", parse_tf,
       {"version", "python_min", "python_max", "python_also", "cudnn", "cuda"});
  load(k.tf_notes_, "tensorflow_notes.csv", parse_note,
       {"package", "key", "from", "before", "text"});
  load(k.tf_libs_, "tensorflow_cuda_libraries.csv", parse_tf_library,
       {"component", "from", "before", "soname"});
  load(k.fw_libs_, "framework_libraries.csv", parse_framework_library,
       {"framework", "from", "before", "library", "role", "loader", "fallback", "object"});
  load(k.pathfinder_, "cuda_pathfinder.csv", parse_pathfinder,
       {"library", "sonames", "site_dirs", "dependencies"});
  load(k.cuda_, "cuda_driver.csv", parse_cuda,
       {"cuda", "release", "update", "linux_x86_64_min", "windows_x86_64_min"});
  load(k.minor_, "cuda_minor_compat.csv", parse_minor,
       {"cuda_major", "linux_min", "windows_min", "range_upper", "caveat"});
  load(k.sass_, "cuda_arch.csv", parse_sass,
       {"toolkit_from", "toolkit_to", "sass_min", "sass_max"});
  load(k.gpus_, "gpu_compute_capability.csv", parse_gpu, {"model", "compute_capability"});
  load(k.torch_, "pytorch_cuda.csv", parse_torch,
       {"torch", "python_min", "python_max", "cuda", "channel", "cudnn", "pypi_default",
        "sass_archs", "ptx_archs"});
  load(k.jax_python_, "jax_python.csv", parse_jax_python,
       {"from", "before", "python_min", "python_max"});
  load(k.jax_, "jax_cuda.csv", parse_jax,
       {"extra", "cuda_major", "installs", "nvidia_wheels", "available_from", "documented_in",
        "removed_in", "driver_min_linux", "sm_min", "note"});
  if (failed) return *failed;
  return k;
}

}  // namespace ongpu::knowledge
