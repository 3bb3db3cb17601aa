// The lines a framework prints when it falls back to the CPU, recognised:
// TensorFlow's "Could not load dynamic library …", PyTorch's "driver … is too
// old", JAX's "CUDA-enabled jaxlib is not installed", ONNX Runtime's "Failed to
// create CUDAExecutionProvider", and the CUDA errors all of them pass on.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rules/catalog.h"
#include "verify/live.h"

namespace ongpu::verify {

struct MessagePattern {
  FindingId id;             // the finding it raises, checked when compiled
  std::string_view needle;  // literal text the line must contain ('|' separates alternatives)
  std::string_view regex;   // ECMAScript, matched against one line without its log prefix
  std::string_view detail;  // std::regex format of the captured detail: "$1"
  bool also_without_driver = false;  // LiveMessage::also_without_driver
};

std::span<const MessagePattern> message_patterns();

// Removes the log prefix of one line: absl/TF ("I0000 00:00:… 123 file.cc:31] "),
// older TF ("2023-01-01 12:00:00.000000: W path/file.cc:64] "), Python
// logging ("WARNING:jax._src.xla_bridge:", "ERROR:2025-07-17 …:jax…:647: "),
// ONNX Runtime ("2026-… [W:onnxruntime:, file.cc:12 Func] ").
std::string strip_log_prefix(std::string_view line);

// Every recognised message in `text` (stderr, or an exception's message), in
// order, each (id, detail) once.
std::vector<LiveMessage> classify_messages(std::string_view text);

// TensorFlow's device placement log for the verification's MatMul:
// "Executing op MatMul in device /job:localhost/replica:0/task:0/device:GPU:0".
std::vector<std::string> placement_lines(std::string_view text);

}  // namespace ongpu::verify
