#include "probe/protocol.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>

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

std::string new_nonce() {
  unsigned char bytes[16];
  size_t got = 0;
  while (got < sizeof bytes) {
    // The system call, not glibc 2.25's wrapper: the portable build's floor is 2.17.
    auto n = static_cast<ssize_t>(::syscall(SYS_getrandom, bytes + got, sizeof bytes - got, 0));
    if (n > 0)
      got += static_cast<size_t>(n);
    else if (n < 0 && errno != EINTR)
      break;
  }
  if (got < sizeof bytes) {
    // No getrandom (a kernel before 3.17): /dev/urandom. (Not std::random_device:
    // libstdc++ 12 calls arc4random, glibc 2.36, newer than ongpu's floor.)
    int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    while (fd >= 0 && got < sizeof bytes) {
      ssize_t n = ::read(fd, bytes + got, sizeof bytes - got);
      if (n > 0)
        got += static_cast<size_t>(n);
      else if (!(n < 0 && errno == EINTR))
        break;
    }
    if (fd >= 0) ::close(fd);
  }
  if (got < sizeof bytes) {
    // No entropy source at all: the clock and the pid still differ per run.
    uint64_t x =
        static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
        (static_cast<uint64_t>(::getpid()) << 32);
    for (auto& b : bytes) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      b = static_cast<unsigned char>(x);
    }
  }
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

ParsedProbe parse_probe_output(const sys::ChildOutcome& outcome, const std::string& nonce) {
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
    if (!nonce.empty()) {
      auto n = j.find("nonce");
      if (n == j.end() || !n->is_string() || n->get<std::string>() != nonce) continue;
    }
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
      p.run.status = ProbeStatus::spawn_failed;
      p.run.stderr_tail = outcome.spawn_error;
      p.run.spawn_errno = outcome.spawn_errno;
      break;
    case Kind::timed_out:
      p.run.status = ProbeStatus::timed_out;
      break;
    case Kind::signaled:
      p.run.status = ProbeStatus::crashed;
      break;
    case Kind::exited:
      if (p.has_result && outcome.exit_code == 0)
        p.run.status = ProbeStatus::ok;
      else if (outcome.exit_code == 0)
        p.run.status = ProbeStatus::garbage;
      else
        p.run.status = ProbeStatus::exited;
      break;
  }
  return p;
}

}  // namespace ongpu::probe
