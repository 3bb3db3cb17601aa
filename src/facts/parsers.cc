#include "facts/parsers.h"

#include <cctype>
#include <cstdio>

#include "util/strings.h"

namespace ongpu {
namespace {

bool is_version_token(std::string_view t) {
  // A driver version: digits and dots, at least one dot ("580.65.06", "550.54").
  if (t.empty() || t.find('.') == std::string_view::npos) return false;
  for (char c : t) {
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.')) return false;
  }
  return std::isdigit(static_cast<unsigned char>(t.front())) &&
         std::isdigit(static_cast<unsigned char>(t.back()));
}

}  // namespace

std::optional<uint32_t> parse_device_minor(std::string_view text) {
  constexpr std::string_view kKey = "Device Minor:";
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line.substr(0, kKey.size()) == kKey)
      return parse_number<uint32_t>(line.substr(kKey.size()));
  }
  return std::nullopt;
}

NvidiaVersionFile parse_nvidia_version_file(std::string_view text) {
  NvidiaVersionFile out;
  for (auto raw : split(text, '\n')) {
    auto line = trim(raw);
    if (!starts_with(line, "NVRM version:")) continue;
    out.line = sanitize_text(line);
    if (line.find("Open Kernel Module") != std::string_view::npos) {
      out.flavor = "open";
    } else if (line.find("Kernel Module") != std::string_view::npos) {
      out.flavor = "proprietary";
    }
    // The version is the first token after "Kernel Module" (and after
    // "for <arch>" on the open module) that looks like one.
    auto pos = line.find("Kernel Module");
    std::string_view rest = pos == std::string_view::npos ? line : line.substr(pos);
    for (auto tok : split(rest, ' ')) {
      if (is_version_token(tok)) {
        out.version = std::string(tok);
        break;
      }
    }
    break;
  }
  return out;
}

std::set<std::string> parse_proc_modules(std::string_view text) {
  std::set<std::string> names;
  for (auto line : split(text, '\n')) {
    auto t = trim(line);
    if (t.empty()) continue;
    auto space = t.find(' ');
    auto name = t.substr(0, space);
    bool ok = !name.empty() && name.size() < 64;
    for (char c : name)
      ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-');
    if (ok) names.insert(std::string(name));
  }
  return names;
}

std::map<uint32_t, std::string> parse_etc_group(std::string_view text) {
  std::map<uint32_t, std::string> out;
  for (auto line : split(text, '\n')) {
    auto fields = split(line, ':');
    if (fields.size() < 3 || fields[0].empty()) continue;
    if (auto gid = parse_number<uint32_t>(fields[2])) out.emplace(*gid, sanitize_text(fields[0]));
  }
  return out;
}

std::optional<PasswdEntry> find_passwd_entry(std::string_view text, uint32_t uid) {
  for (auto line : split(text, '\n')) {
    // name:password:uid:gid:gecos:home:shell (passwd(5))
    auto fields = split(line, ':');
    if (fields.size() < 7 || fields[0].empty()) continue;
    auto id = parse_number<uint32_t>(fields[2]);
    if (!id || *id != uid) continue;
    PasswdEntry e{one_line(fields[0]), uid, one_line(fields[5])};
    if (e.name.empty()) continue;  // a NUL first: no name
    return e;
  }
  return std::nullopt;
}

namespace {

// An os-release value: shell-like, optionally in double or single quotes,
// with backslash escapes inside double quotes (os-release(5)).
std::string os_release_value(std::string_view v) {
  v = trim(v);
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) {
    const char quote = v.front();
    v = v.substr(1, v.size() - 2);
    std::string out;
    for (size_t i = 0; i < v.size(); ++i) {
      if (quote == '"' && v[i] == '\\' && i + 1 < v.size()) ++i;
      out += v[i];
    }
    return one_line(out);
  }
  return one_line(v);
}

}  // namespace

std::optional<std::string> parse_os_release_name(std::string_view text) {
  std::string pretty, name, version;
  for (auto line : split(text, '\n')) {
    line = trim(line);
    auto eq = line.find('=');
    if (line.empty() || line.front() == '#' || eq == std::string_view::npos) continue;
    auto key = line.substr(0, eq);
    auto value = os_release_value(line.substr(eq + 1));
    if (key == "PRETTY_NAME") pretty = value;
    if (key == "NAME") name = value;
    if (key == "VERSION_ID") version = value;
  }
  if (!pretty.empty()) return pretty;
  if (!name.empty()) return version.empty() ? name : name + " " + version;
  return std::nullopt;
}

std::optional<uint32_t> parse_sysfs_hex(std::string_view text) {
  return parse_number<uint32_t>(trim(text), 16);
}

std::optional<bool> parse_secure_boot_efivar(std::string_view bytes) {
  if (bytes.size() < 5) return std::nullopt;
  auto v = static_cast<unsigned char>(bytes[4]);
  if (v > 1) return std::nullopt;
  return v == 1;
}

std::optional<std::string> normalize_pci_bus_id(std::string_view id) {
  id = trim(id);
  auto parts = split(id, ':');
  if (parts.size() != 3) return std::nullopt;
  auto dev_fn = split(parts[2], '.');
  if (dev_fn.size() != 2) return std::nullopt;
  auto domain = parse_number<uint32_t>(parts[0], 16);
  auto bus = parse_number<uint32_t>(parts[1], 16);
  auto dev = parse_number<uint32_t>(dev_fn[0], 16);
  auto fn = parse_number<uint32_t>(dev_fn[1], 16);
  if (!domain || !bus || !dev || !fn || *domain > 0xffff || *bus > 0xff || *dev > 0x1f || *fn > 7)
    return std::nullopt;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04x:%02x:%02x.%x", *domain, *bus, *dev, *fn);
  return std::string(buf);
}

}  // namespace ongpu
