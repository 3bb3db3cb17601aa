#include "probe/protocol.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "util/strings.h"

namespace ongpu::probe {
namespace {

void write_all(const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(1, s.data() + off, s.size() - off);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

std::string tail(const std::string& s, size_t n) {
  return sanitize_text(s.size() <= n ? s : s.substr(s.size() - n));
}

}  // namespace

void announce_stage(const char* stage) {
  json line = {{"stage", stage}};
  write_all(line.dump() + "\n");
}

void finish(const json& result, const json& unavailable) {
  json line = {{"result", result}, {"unavailable", unavailable}};
  // Vendor strings were sanitized already; replace anything left rather than throw.
  write_all(line.dump(-1, ' ', false, json::error_handler_t::replace) + "\n");
  ::_exit(0);
}

ParsedProbe parse_probe_output(const sys::ChildOutcome& outcome) {
  ParsedProbe p;
  p.run.duration_ms = outcome.duration_ms;
  p.run.deadline_ms = outcome.deadline_ms;
  p.run.pid = outcome.pid;
  p.run.exit_code = outcome.exit_code;
  p.run.signal = outcome.signal;
  p.run.stderr_tail = tail(outcome.err, 2000);
  for (auto line : split(outcome.out, '\n')) {
    line = trim(line);
    if (line.empty()) continue;
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) continue;
    if (auto s = j.find("stage"); s != j.end() && s->is_string()) {
      p.run.last_stage = s->get<std::string>();
    } else if (auto r = j.find("result"); r != j.end() && r->is_object()) {
      p.has_result = true;
      p.result = *r;
      if (auto u = j.find("unavailable"); u != j.end() && u->is_object()) p.unavailable = *u;
    }
  }
  using Kind = sys::ChildOutcome::Kind;
  switch (outcome.kind) {
    case Kind::spawn_failed:
      p.run.status = "spawn_failed";
      p.run.stderr_tail = outcome.spawn_error;
      break;
    case Kind::timed_out:
      p.run.status = "timed_out";
      break;
    case Kind::signaled:
      p.run.status = "crashed";
      break;
    case Kind::exited:
      if (p.has_result && outcome.exit_code == 0) p.run.status = "ok";
      else if (outcome.exit_code == 0) p.run.status = "garbage";
      else p.run.status = "exited";
      break;
  }
  return p;
}

}  // namespace ongpu::probe
