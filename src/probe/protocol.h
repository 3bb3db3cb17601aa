// The line protocol between a probe child and ongpu. The child writes one
// JSON object per line to stdout: {"stage": "<vendor call>"} before each
// risky call, then {"result": {...}, "unavailable": {...}} at the end. If the
// child dies, the last stage names the call it died in.
#pragma once

#include <string>

#include "facts/json.h"
#include "sys/process.h"

namespace ongpu::probe {

// Child side: announce the vendor call about to be made. Unbuffered.
void announce_stage(const char* stage);
// Child side: write the final result and leave without running the vendor
// library's destructors (which can crash or hang on a broken driver).
[[noreturn]] void finish(const json& result, const json& unavailable);

struct ParsedProbe {
  ProbeRun run;
  bool has_result = false;
  json result;
  json unavailable = json::object();
};

// Parent side: read a finished child's outcome and output. With a nonce,
// only lines that carry it ({"nonce": "<it>", ...}) count: the framework probe
// runs code ongpu does not control in the same process, and a line that code
// writes must not pass for the probe's own (verify/live.h).
ParsedProbe parse_probe_output(const sys::ChildOutcome& outcome, const std::string& nonce = "");

// A fresh random token of 32 hex digits (getrandom(2)), for a probe's nonce.
std::string new_nonce();

}  // namespace ongpu::probe
