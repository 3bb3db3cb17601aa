#include "verify/live.h"

#include <fmt/format.h>

#include <cstdio>

#include "facts/json.h"
#include "probe/protocol.h"
#include "util/strings.h"
#include "verify/messages.h"

namespace ongpu::verify {

sys::ChildSpec probe_spec(const LiveRequest& r) {
  sys::ChildSpec spec;
  // The current directory never reaches sys.path: -P from Python 3.11 (the
  // probe also drops it itself, first thing, for older interpreters).
  spec.argv = {r.interpreter};
  int major = 0, minor = 0;
  if (std::sscanf(r.python_version.c_str(), "%d.%d", &major, &minor) == 2 &&
      (major > 3 || (major == 3 && minor >= 11))) {
    spec.argv.push_back("-P");
  }
  for (auto a : {std::string("-c"), std::string(probe_source()), enum_string(r.framework),
                 std::to_string(r.size)}) {
    spec.argv.push_back(std::move(a));
  }
  // The nonce goes on stdin, not in argv or the environment, which code the
  // probe imports can read (/proc/self/cmdline, /proc/self/environ).
  spec.stdin_data = r.nonce + "\n";
  // Verifying writes nothing: no .pyc files, no CUDA JIT cache in ~/.nv.
  spec.env_changes["PYTHONDONTWRITEBYTECODE"] = "1";
  spec.env_changes["CUDA_CACHE_DISABLE"] = "1";
  spec.env_changes["CUPY_CACHE_IN_MEMORY"] = "1";  // no ~/.cupy/kernel_cache
  if (r.framework == Framework::tensorflow) {
    // Show TensorFlow's informational lines and the dynamic loader's, which
    // name each GPU library it could not load.
    spec.env_changes["TF_CPP_MIN_LOG_LEVEL"] = "0";
    spec.env_changes["TF_CPP_VMODULE"] = "dso_loader=1";
  }
  // Never take a whole shared card: JAX otherwise preallocates 75% of it.
  if (r.framework == Framework::jax) spec.env_changes["XLA_PYTHON_CLIENT_PREALLOCATE"] = "false";
  return spec;
}

std::string last_stage(const std::string& out) {
  std::string stage;
  for (auto line : split(out, '\n')) {
    json j = json::parse(trim(line), nullptr, /*allow_exceptions=*/false);
    if (j.is_object() && j.contains("stage") && j["stage"].is_string())
      stage = j["stage"].get<std::string>();
  }
  return stage;
}

LiveRun read_live_run(const LiveRequest& r, const sys::ChildOutcome& outcome) {
  LiveRun run;
  run.framework = r.framework;
  run.interpreter = r.interpreter;
  auto parsed = probe::parse_probe_output(outcome, r.nonce);
  run.probe = parsed.run;
  if (run.probe.status !=
      ProbeStatus::spawn_failed) {  // keep the spawn error, which is the whole story then
    run.probe.stderr_tail = sanitize_text(
        outcome.err.size() <= 4000 ? outcome.err : outcome.err.substr(outcome.err.size() - 4000));
  }
  if (parsed.has_result) {
    auto answer = from_json_value<ProbeAnswer>(parsed.result, json::object(), "answer");
    if (answer) {
      run.answer = std::move(answer).value();
    } else {
      run.answer_error = answer.error();
      if (run.probe.status == ProbeStatus::ok) run.probe.status = ProbeStatus::garbage;
    }
  }
  // What the framework printed, and the exceptions it raised, both explain.
  std::string text = outcome.err;
  if (run.answer) {
    for (const auto& e : run.answer->errors) text += "\n" + e.message;
  }
  run.messages = classify_messages(text);
  run.placement_log = placement_lines(outcome.err);
  return run;
}

}  // namespace ongpu::verify
