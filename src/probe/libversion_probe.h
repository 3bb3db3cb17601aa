// Runs inside a probe child: loads CUDA libraries by path and asks each for
// its own version (cudaRuntimeGetVersion, cudnnGetVersion, cublasGetProperty,
// ncclGetVersion, …). Loading a library runs its initialisers, so this never
// happens in ongpu's own process. Never returns.
#pragma once

#include <string>
#include <vector>

namespace ongpu::probe {

[[noreturn]] void run_libversion_probe(const std::vector<std::string>& paths);

// The version a library's own call reports, formatted; "" when the library
// kind is unknown. Pure decoding, unit-tested.
std::string decode_cudnn_version(long value);  // 90300 -> 9.3.0; 8907 -> 8.9.7
std::string decode_nccl_version(int value);    // 22809 -> 2.28.9; 2708 -> 2.7.8
std::string decode_cudart_version(int value);  // 13000 -> 13.0

}  // namespace ongpu::probe
