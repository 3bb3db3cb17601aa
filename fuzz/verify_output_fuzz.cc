// What a framework prints under `ongpu verify`: its stderr (log lines in any
// format, tracebacks, binary junk) and the probe's stdout protocol, which a
// broken interpreter or a framework writing to fd 1 can corrupt.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.h"
#include "rules/catalog.h"
#include "verify/live.h"
#include "verify/messages.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const auto& m : ongpu::verify::classify_messages(text)) {
    FUZZ_CHECK(!m.id.empty() && m.text.find('\n') == std::string::npos);
    FUZZ_CHECK(m.detail.find('\n') == std::string::npos);
  }
  for (const auto& p : ongpu::verify::placement_lines(text)) FUZZ_CHECK(!p.empty());
  (void)ongpu::verify::strip_log_prefix(text);
  ongpu::sys::ChildOutcome outcome;
  outcome.kind = ongpu::sys::ChildOutcome::Kind::exited;
  outcome.out = std::string(text);
  outcome.err = std::string(text);
  auto run =
      ongpu::verify::read_live_run({ongpu::Framework::torch, "/usr/bin/python3", 0}, outcome);
  FUZZ_CHECK(run.probe.status == ongpu::ProbeStatus::ok ||
             run.probe.status == ongpu::ProbeStatus::garbage ||
             run.probe.status == ongpu::ProbeStatus::exited);
  FUZZ_CHECK(run.probe.status != ongpu::ProbeStatus::ok || run.answer.has_value());
  (void)ongpu::verify::last_stage(outcome.out);
  return 0;
}
