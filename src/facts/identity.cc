#include "facts/identity.h"

#include <sys/utsname.h>

#include <algorithm>

#include "facts/parsers.h"
#include "util/strings.h"

namespace ongpu {
namespace {

void add(std::vector<std::string>& list, std::string_view value) {
  std::string v = one_line(trim(value));
  while (v.size() > 1 && v.back() == '/') v.pop_back();  // a home as "/home/alice/"
  if (!v.empty() && std::find(list.begin(), list.end(), v) == list.end()) list.push_back(v);
}

const std::string* get(const std::map<std::string, std::string>& env, const char* name) {
  auto it = env.find(name);
  return it == env.end() ? nullptr : &it->second;
}

}  // namespace

RedactionNames collect_redaction_names(const sys::FileSystem& fs,
                                       const std::map<std::string, std::string>& environment) {
  RedactionNames n;
  // The passwd entries are read from the file, not through NSS: a directory
  // service (LDAP, sssd) could take seconds, and $USER / $HOME name such a
  // user anyway.
  const auto passwd = fs.read_file("/etc/passwd", 16 << 20);
  if (passwd) {
    if (auto me = find_passwd_entry(*passwd, fs.identity().uid)) {
      add(n.users, me->name);
      add(n.homes, me->home);
    }
  }
  for (const char* name : {"USER", "LOGNAME", "SUDO_USER"}) {
    if (const auto* v = get(environment, name)) add(n.users, *v);
  }
  if (const auto* home = get(environment, "HOME")) add(n.homes, *home);
  // Under sudo, the person is SUDO_UID: their home is where their files are.
  if (const auto* sudo_uid = get(environment, "SUDO_UID"); sudo_uid && passwd) {
    if (auto uid = parse_number<uint32_t>(*sudo_uid)) {
      if (auto them = find_passwd_entry(*passwd, *uid)) {
        add(n.users, them->name);
        add(n.homes, them->home);
      }
    }
  }
  struct utsname u {};
  if (::uname(&u) == 0) add(n.hosts, u.nodename);
  return n;
}

}  // namespace ongpu
