// Who runs ongpu, and on which host: the names `ongpu report --redact`
// hides. Collected for that pass only; they are no part of the facts (a
// saved facts file does not carry them as such).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "sys/fs.h"

namespace ongpu {

struct RedactionNames {
  std::vector<std::string> users;  // this user's name (/etc/passwd, $USER, $LOGNAME), $SUDO_USER
  std::vector<std::string> homes;  // $HOME, this user's home in /etc/passwd, $SUDO_USER's
  std::vector<std::string> hosts;  // the node name (uname)
};

// `fs`: the machine ongpu runs on (its /etc/passwd, its uid); `environment`:
// ongpu's own (collect.h current_environment()).
RedactionNames collect_redaction_names(const sys::FileSystem& fs,
                                       const std::map<std::string, std::string>& environment);

}  // namespace ongpu
