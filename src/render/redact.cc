#include "render/redact.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "facts/strings_walk.h"
#include "render/markdown.h"
#include "util/strings.h"
#include "verify/verify_rules.h"

namespace ongpu {
namespace {

// Names that identify nobody, or that the report's own words and the
// placeholders use: replacing them alone would garble the report ("root
// cause", "&lt;user&gt;", "/home/&lt;user-2&gt;", "GPU-&lt;uuid-1&gt;").
// Their home directories are still replaced. linuxbrew: Homebrew on Linux
// lives in /home/linuxbrew for every user.
constexpr std::array<std::string_view, 13> kNotRedacted = {
    "root", "nobody",    "user", "host", "uuid", "lt",       "gt",
    "amp",  "localhost", "home", "GPU",  "MIG",  "linuxbrew"};

bool is_word_char(char c) {
  // Bytes of UTF-8 sequences are letters of a word too (a name in any script).
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' ||
         static_cast<unsigned char>(c) >= 0x80;
}
// What continues a path component: a home directory ends where these do not.
bool is_path_char(char c) { return is_word_char(c) || c == '.'; }
// What a user name under /home/ is made of (useradd's names, and
// "name@domain" of directory services).
bool is_home_name_char(char c) { return is_path_char(c) || c == '@' || c == '$'; }
bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// A user or host name as systems make them (useradd, RFC 1123, directory
// services' name@domain and non-ASCII names); anything else in $USER or a
// host name is no name to look for.
bool plausible_name(std::string_view name) {
  // It starts and ends with a letter, digit or '_' (names are matched
  // where a word begins and ends).
  auto edge = [](char c) { return is_word_char(c) && c != '-'; };
  return !name.empty() && edge(name.front()) && edge(name.back()) &&
         std::all_of(name.begin(), name.end(), [](char c) { return is_home_name_char(c); });
}

bool standalone_name(std::string_view name) {
  return name.size() >= 2 &&
         std::find(kNotRedacted.begin(), kNotRedacted.end(), name) == kNotRedacted.end();
}

// A home directory worth replacing: absolute, not a system directory (a
// daemon's HOME=/ or /tmp would otherwise turn every path into "~"), and
// not inside the trees where the system's own files are.
bool usable_home(std::string_view home) {
  if (home.size() < 2 || home.front() != '/') return false;
  if (home.find_first_of("<>") != std::string_view::npos) return false;  // no placeholder's
  for (std::string_view dir : {"/tmp", "/var", "/opt", "/srv", "/home", "/mnt", "/media", "/run",
                               "/nonexistent", "/var/tmp", "/var/lib", "/usr/local"}) {
    if (home == dir) return false;
  }
  for (std::string_view tree : {"/usr", "/proc", "/sys", "/dev", "/etc", "/lib", "/lib32", "/lib64",
                                "/libx32", "/bin", "/sbin", "/boot"}) {
    if (home == tree || starts_with(home, std::string(tree) + "/")) return false;
  }
  return true;
}

std::string markdown_placeholder(std::string_view p) {
  std::string out;
  for (char c : p) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '~')
      out += "\\~";
    else
      out += c;
  }
  return out;
}

// The inside of a placeholder: user, host, uuid, with "-N" or not.
bool is_placeholder(std::string_view inner) {
  for (std::string_view kind : {"user", "host", "uuid"}) {
    if (!starts_with(inner, kind)) continue;
    auto rest = inner.substr(kind.size());
    if (rest.empty()) return true;
    if (rest.front() != '-') return false;
    rest.remove_prefix(1);
    return !rest.empty() && std::all_of(rest.begin(), rest.end(), [](char c) {
      return std::isdigit(static_cast<unsigned char>(c)) != 0;
    });
  }
  return false;
}

constexpr std::pair<std::string_view, std::string_view> kPlaceholderForms[] = {{"<", ">"},
                                                                               {"&lt;", "&gt;"}};

// Whether a placeholder ("<uuid-1>", "&lt;user-2&gt;") ends just before
// t[i], or begins at t[i]. What was glued to a name or UUID before it was
// replaced is still glued to it: no word begins or ends there, so that a
// second pass finds nothing the first did not.
bool after_placeholder(std::string_view t, size_t i) {
  const auto before = t.substr(0, i);
  for (auto [open, close] : kPlaceholderForms) {
    if (!ends_with(before, close)) continue;
    const auto inner_end = before.size() - close.size();
    const auto at = before.rfind(open, inner_end);
    if (at != std::string_view::npos &&
        is_placeholder(before.substr(at + open.size(), inner_end - at - open.size())))
      return true;
  }
  return false;
}

bool placeholder_at(std::string_view t, size_t i) {
  const auto rest = t.substr(std::min(i, t.size()));
  for (auto [open, close] : kPlaceholderForms) {
    if (!starts_with(rest, open)) continue;
    const auto end = rest.find(close, open.size());
    if (end != std::string_view::npos &&
        is_placeholder(rest.substr(open.size(), end - open.size())))
      return true;
  }
  return false;
}

// The 8-4-4-4-12 hex digits of a UUID at t[i], or 0.
size_t uuid_length(std::string_view t, size_t i) {
  constexpr std::array<size_t, 5> groups = {8, 4, 4, 4, 12};
  size_t p = i;
  for (size_t g = 0; g < groups.size(); ++g) {
    for (size_t k = 0; k < groups[g]; ++k, ++p) {
      if (p >= t.size() || !is_hex(t[p])) return 0;
    }
    if (g + 1 < groups.size()) {
      if (p >= t.size() || t[p] != '-') return 0;
      ++p;
    }
  }
  return p - i;
}

}  // namespace

Redactor::Redactor(const RedactionNames& names, const FactSet& facts) {
  for (const auto& h : names.homes) {
    std::string home = h;
    while (home.size() > 1 && home.back() == '/') home.pop_back();
    if (usable_home(home) && std::find(homes_.begin(), homes_.end(), home) == homes_.end())
      homes_.push_back(home);
  }
  std::stable_sort(homes_.begin(), homes_.end(),
                   [](const auto& a, const auto& b) { return a.size() > b.size(); });
  // Names that identify nobody (root) take no number: this user is <user>.
  for (const auto& u : names.users) {
    if (plausible_name(u) && standalone_name(u)) user(u);  // no number for root
  }
  // A home under /home/ names its user, also when no variable did.
  for (const auto& home : homes_) {
    size_t used = 0;
    std::string ignored;
    if (auto at = home.find("/home/"); at != std::string::npos)
      match_home_path(home, at, &used, &ignored);
  }
  if (facts.host.hostname) add_host(*facts.host.hostname);
  for (const auto& h : names.hosts) add_host(h);
  auto add_uuid = [&](const Fact<std::string>& id) {
    if (id) learn(*id);
  };
  for (const auto& g : facts.nvml.gpus) {
    add_uuid(g.uuid);
    for (const auto& mig : g.mig_device_uuids.value_or({})) learn(mig);
  }
  for (const auto* cuda : {&facts.cuda, &facts.cuda_all}) {
    for (const auto& d : cuda->devices) add_uuid(d.uuid);
  }
}

std::string Redactor::user(std::string_view name) {
  for (const auto& u : users_) {
    if (u.value == name) return u.placeholder;
  }
  const size_t n = users_.size() + 1;
  std::string placeholder = n == 1 ? "<user>" : fmt::format("<user-{}>", n);
  users_.push_back({std::string(name), placeholder, plausible_name(name) && standalone_name(name)});
  // Longest first: "john.doe" is not "john" followed by ".doe".
  std::stable_sort(users_.begin(), users_.end(),
                   [](const Name& a, const Name& b) { return a.value.size() > b.value.size(); });
  return placeholder;
}

void Redactor::add_host(std::string_view host) {
  const std::string h = one_line(trim(host));
  if (!plausible_name(h) || h == "(none)" || h == "localhost") return;
  for (const auto& known : hosts_) {
    if (known.value == h) return;
  }
  const size_t n = hosts_.size() + 1;
  const std::string placeholder = n == 1 ? "<host>" : fmt::format("<host-{}>", n);
  hosts_.push_back({h, placeholder, standalone_name(h)});
  // A fully qualified name: its first label names the host alone too.
  const auto dot = h.find('.');
  if (dot != std::string::npos && dot > 0) {
    const std::string label = h.substr(0, dot);
    if (std::none_of(hosts_.begin(), hosts_.end(), [&](const Name& k) { return k.value == label; }))
      hosts_.push_back({label, placeholder, standalone_name(label)});
  }
  std::stable_sort(hosts_.begin(), hosts_.end(),
                   [](const Name& a, const Name& b) { return a.value.size() > b.value.size(); });
}

std::string Redactor::uuid(std::string_view prefix, std::string_view body) {
  const std::string key = to_lower(body);
  for (size_t k = 0; k < uuids_.size(); ++k) {
    if (uuids_[k] == key) return fmt::format("{}<uuid-{}>", prefix, k + 1);
  }
  // CUDA_VISIBLE_DEVICES takes the first digits of a UUID. The placeholder
  // keeps what they select, so that the words written from the redacted facts
  // (which GPUs are visible) stay true: the one GPU's placeholder; for digits
  // several UUIDs begin with, "<uuid-", which begins all their placeholders.
  std::vector<size_t> begins;
  for (size_t k = 0; k < uuids_.size(); ++k) {
    if (key.size() < uuids_[k].size() && starts_with(uuids_[k], key)) begins.push_back(k);
  }
  if (begins.size() == 1) return fmt::format("{}<uuid-{}>", prefix, begins.front() + 1);
  if (begins.size() > 1) return fmt::format("{}<uuid-", prefix);
  uuids_.push_back(key);
  return fmt::format("{}<uuid-{}>", prefix, uuids_.size());
}

void Redactor::learn(std::string_view t) {
  size_t used = 0;
  std::string ignored;
  for (size_t i = 0; i < t.size(); ++i) {
    if (match_home(t, i, &used)) {
      i += used - 1;
    } else if (match_home_path(t, i, &used, &ignored) || match_uuid(t, i, &used, &ignored)) {
      i += used - 1;
    }
  }
}

bool Redactor::match_home(std::string_view t, size_t i, size_t* used) const {
  if (i > 0 &&
      (is_path_char(t[i - 1]) || t[i - 1] == '/' || t[i - 1] == '~' || after_placeholder(t, i)))
    return false;
  for (const auto& home : homes_) {
    if (t.substr(i, home.size()) != home) continue;
    const size_t end = i + home.size();
    if (end < t.size() && (is_path_char(t[end]) || placeholder_at(t, end))) continue;
    *used = home.size();
    return true;
  }
  return false;
}

// "/home/NAME": anywhere a path holds it (/home, /var/home, /export/home).
bool Redactor::match_home_path(std::string_view t, size_t i, size_t* used, std::string* out) {
  constexpr std::string_view kHome = "/home/";
  if (t.substr(i, kHome.size()) != kHome) return false;
  size_t end = i + kHome.size();
  while (end < t.size() && is_home_name_char(t[end])) ++end;
  const auto name = t.substr(i + kHome.size(), end - i - kHome.size());
  if (name.empty() || name == "." || name == "..") return false;
  *out = std::string(kHome) + user(name);
  *used = end - i;
  return true;
}

bool Redactor::match_uuid(std::string_view t, size_t i, size_t* used, std::string* out) {
  const bool word_before = i > 0 && (std::isalnum(static_cast<unsigned char>(t[i - 1])) ||
                                     t[i - 1] == '_' || after_placeholder(t, i));
  const auto prefix = t.substr(i, 4);
  if (!word_before && (prefix == "GPU-" || prefix == "MIG-")) {
    // A whole UUID, or the first digits of one (CUDA_VISIBLE_DEVICES=GPU-8932f937).
    size_t end = i + 4, digits = 0;
    while (end < t.size() && (is_hex(t[end]) || t[end] == '-')) digits += t[end++] != '-';
    while (end > i + 4 && t[end - 1] == '-') --end;
    if (digits >= 4 && (end >= t.size() || !(std::isalnum(static_cast<unsigned char>(t[end])) ||
                                             t[end] == '_' || placeholder_at(t, end)))) {
      *out = uuid(prefix, t.substr(i + 4, end - i - 4));
      *used = end - i;
      return true;
    }
  }
  const size_t n = uuid_length(t, i);
  if (n == 0) return false;
  // A UUID the facts hold goes wherever it stands, glued to a word or not
  // ("xGPU-…", "id_…"); another one only where it stands alone.
  const std::string key = to_lower(t.substr(i, n));
  for (size_t k = 0; k < uuids_.size(); ++k) {
    if (uuids_[k] != key) continue;
    *out = fmt::format("<uuid-{}>", k + 1);
    *used = n;
    return true;
  }
  if (word_before || (i > 0 && t[i - 1] == '-')) return false;
  if (i + n < t.size() && (is_word_char(t[i + n]) || placeholder_at(t, i + n))) return false;
  *out = uuid("", t.substr(i, n));
  *used = n;
  return true;
}

bool Redactor::match_name(std::string_view t, size_t i, size_t* used, std::string* out) const {
  if (i > 0 && (is_word_char(t[i - 1]) || after_placeholder(t, i))) return false;
  for (const auto* names : {&users_, &hosts_}) {
    for (const auto& n : *names) {
      if (!n.standalone || t.substr(i, n.value.size()) != n.value) continue;
      const size_t end = i + n.value.size();
      if (end < t.size() && (is_word_char(t[end]) || placeholder_at(t, end))) continue;
      // A placeholder already ("<user-2>" where a user is called user-2).
      if ((i > 0 && t[i - 1] == '<' && end < t.size() && t[end] == '>') ||
          (i >= 4 && t.substr(i - 4, 4) == "&lt;" && t.substr(end, 4) == "&gt;"))
        continue;
      *out = n.placeholder;
      *used = n.value.size();
      return true;
    }
  }
  return false;
}

std::string Redactor::apply(std::string_view t, PlaceholderForm form) {
  std::string out;
  out.reserve(t.size());
  size_t i = 0;
  while (i < t.size()) {
    size_t used = 0;
    std::string replacement;
    if (match_home(t, i, &used)) {
      replacement = "~";
    } else if (!match_home_path(t, i, &used, &replacement) &&
               !match_uuid(t, i, &used, &replacement)) {
      match_name(t, i, &used, &replacement);
    }
    if (used == 0) {
      out += t[i++];
      continue;
    }
    out += form == PlaceholderForm::raw ? replacement : markdown_placeholder(replacement);
    i += used;
  }
  return out;
}

namespace {

// Every string of the report that came from the machine, in a fixed order.
template <class F>
void for_each_report_string(Report& r, F& f) {
  for_each_string(r.facts, f);
  for (auto& finding : r.findings) {
    finding.args.for_each_value(f);
    for (auto& e : finding.evidence) f(e.value);
    f(finding.scope);
  }
  for (auto& v : r.frameworks) {
    f(v.interpreter);
    f(v.python_version);
    f(v.distribution);
    f(v.version);
    f(v.scope);
  }
}

template <class F>
void for_each_verify_string(verify::VerifyReport& r, F& f) {
  for_each_report_string(r.doctor, f);
  for (auto& v : r.frameworks) {
    for_each_string(v.run, f);
    if (v.predicted) {
      f(v.predicted->interpreter);
      f(v.predicted->python_version);
      f(v.predicted->distribution);
      f(v.predicted->version);
      f(v.predicted->scope);
    }
    auto finding = [&](Finding& x) {
      x.args.for_each_value(f);
      for (auto& e : x.evidence) f(e.value);
      f(x.scope);
    };
    if (v.cause) finding(*v.cause);
    for (auto& x : v.findings) finding(x);
    f(v.scope);
  }
  for (auto& i : r.interpreters) f(i);
}

}  // namespace

void redact_report(Report& report, Redactor& r) {
  auto learn = [&](std::string& s) { r.learn(s); };
  for_each_report_string(report, learn);
  auto apply = [&](std::string& s) { s = r.apply(s); };
  for_each_report_string(report, apply);
}

void redact_verify_report(verify::VerifyReport& report, Redactor& r) {
  auto learn = [&](std::string& s) { r.learn(s); };
  for_each_verify_string(report, learn);
  auto apply = [&](std::string& s) { s = r.apply(s); };
  for_each_verify_string(report, apply);
}

std::string redact_markdown(std::string_view markdown, Redactor& r) {
  r.learn(markdown);
  std::string out;
  out.reserve(markdown.size());
  md::for_each_part(markdown, [&](std::string_view part, bool is_code) {
    out += r.apply(part, is_code ? PlaceholderForm::raw : PlaceholderForm::markdown_text);
  });
  return out;
}

}  // namespace ongpu
