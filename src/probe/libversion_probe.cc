#include "probe/libversion_probe.h"

#include <dlfcn.h>
#include <fmt/format.h>

#include "facts/json.h"
#include "probe/protocol.h"
#include "util/strings.h"

namespace ongpu::probe {
namespace {

std::string base_name(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// libraryPropertyType_t (CUDA library_types.h): MAJOR_VERSION, MINOR_VERSION, PATCH_LEVEL.
using GetPropertyFn = int (*)(int, int*);

std::string property_version(void* h, const char* symbol) {
  auto fn = reinterpret_cast<GetPropertyFn>(::dlsym(h, symbol));
  if (!fn) return "";
  int major = 0, minor = 0, patch = 0;
  if (fn(0, &major) != 0 || fn(1, &minor) != 0 || fn(2, &patch) != 0) return "";
  return fmt::format("{}.{}.{}", major, minor, patch);
}

json ask(const std::string& path) {
  json out = {{"path", path}};
  announce_stage(("dlopen " + path).c_str());
  void* h = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char* err = ::dlerror();
    out["error"] = sanitize_text(err ? err : "dlopen failed");
    return out;
  }
  const std::string name = base_name(path);
  std::string call, version;
  announce_stage(("version of " + name).c_str());
  if (starts_with(name, "libcudart.so")) {
    call = "cudaRuntimeGetVersion";
    if (auto fn = reinterpret_cast<int (*)(int*)>(::dlsym(h, call.c_str()))) {
      int v = 0;
      if (fn(&v) == 0) version = decode_cudart_version(v);
    }
  } else if (starts_with(name, "libcudnn.so")) {
    call = "cudnnGetVersion";
    if (auto fn = reinterpret_cast<size_t (*)()>(::dlsym(h, call.c_str())))
      version = decode_cudnn_version(static_cast<long>(fn()));
  } else if (starts_with(name, "libcublasLt.so")) {
    call = "cublasLtGetProperty";
    version = property_version(h, call.c_str());
  } else if (starts_with(name, "libcublas.so")) {
    call = "cublasGetProperty";
    version = property_version(h, call.c_str());
  } else if (starts_with(name, "libcufft.so")) {
    call = "cufftGetProperty";
    version = property_version(h, call.c_str());
  } else if (starts_with(name, "libcusolver.so")) {
    call = "cusolverGetProperty";
    version = property_version(h, call.c_str());
  } else if (starts_with(name, "libcusparse.so")) {
    call = "cusparseGetProperty";
    version = property_version(h, call.c_str());
  } else if (starts_with(name, "libcurand.so")) {
    call = "curandGetProperty";
    version = property_version(h, call.c_str());
  } else if (starts_with(name, "libnccl.so")) {
    call = "ncclGetVersion";
    if (auto fn = reinterpret_cast<int (*)(int*)>(::dlsym(h, call.c_str()))) {
      int v = 0;
      if (fn(&v) == 0) version = decode_nccl_version(v);
    }
  }
  if (!call.empty()) out["call"] = call;
  if (!version.empty())
    out["version"] = version;
  else
    out["error"] =
        call.empty() ? "no version call known for this library" : call + " is missing or failed";
  return out;
}

}  // namespace

std::string decode_cudart_version(int v) {
  return v > 0 ? fmt::format("{}.{}", v / 1000, (v % 1000) / 10) : "";
}

std::string decode_cudnn_version(long v) {
  // cudnn_version.h: CUDNN_VERSION is MAJOR*1000+MINOR*100+PATCH before 9,
  // MAJOR*10000+MINOR*100+PATCH from 9 on.
  if (v <= 0) return "";
  if (v >= 90000) return fmt::format("{}.{}.{}", v / 10000, (v % 10000) / 100, v % 100);
  return fmt::format("{}.{}.{}", v / 1000, (v % 1000) / 100, v % 100);
}

std::string decode_nccl_version(int v) {
  // nccl.h: NCCL_VERSION(X,Y,Z) is X*1000+Y*100+Z up to 2.8, X*10000+Y*100+Z after.
  if (v <= 0) return "";
  if (v >= 10000) return fmt::format("{}.{}.{}", v / 10000, (v % 10000) / 100, v % 100);
  return fmt::format("{}.{}.{}", v / 1000, (v % 1000) / 100, v % 100);
}

void run_libversion_probe(const std::vector<std::string>& paths) {
  json results = json::array();
  for (const auto& p : paths) results.push_back(ask(p));
  finish(json{{"libraries", results}}, json::object());
}

}  // namespace ongpu::probe
