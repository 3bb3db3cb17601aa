#include "probe/nvml_watch_probe.h"

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <string>
#include <vector>

#include "facts/json.h"
#include "probe/nvml_api.h"
#include "probe/nvml_probe.h"
#include "probe/protocol.h"
#include "util/strings.h"
#include "vendor/loader.h"

namespace ongpu::probe {
namespace {

using namespace ongpu::nvml;

// One line; a closed stdout (ongpu has gone) ends the child.
void emit(const json& line) {
  std::string s = line.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(1, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) ::_exit(0);
    off += static_cast<size_t>(n);
  }
}

[[noreturn]] void fail(const NvmlApi* api, const char* call, int code, const std::string& message) {
  json e = {{"call", call}, {"message", message}};
  if (code != 0) e["code"] = code;
  if (api && api->error_string && code != 0) {
    if (const char* m = api->error_string(code)) e["message"] = sanitize_text(m);
  }
  emit({{"error", e}});
  ::_exit(0);
}

std::string device_string(DeviceStringFn fn, const char* call, Device dev, unsigned size) {
  if (!fn) return "";
  std::vector<char> buf(size + 1, '\0');
  announce_stage(call);
  if (fn(dev, buf.data(), size) != kSuccess) return "";
  buf[size] = '\0';
  return sanitize_text(buf.data());
}

struct Gpu {
  unsigned index = 0;
  Device dev = nullptr;
  unsigned long long last_seen = 0;  // the newest process-utilisation sample read
  bool process_utilization = true;   // false once the driver said it is not supported
};

json sample_gpu(const NvmlApi& api, Gpu& g) {
  json out = {{"index", g.index}};
  if (api.utilization) {
    Utilization u{};
    announce_stage("nvmlDeviceGetUtilizationRates");
    if (api.utilization(g.dev, &u) == kSuccess && u.gpu <= 100) out["util"] = u.gpu;
  }
  Return rc = kSuccess;
  auto procs = compute_processes(api, g.dev, &rc);
  json listed = json::array();
  for (const auto& p : procs) {
    listed.push_back(
        {p.pid, p.used_memory == kValueNotAvailable ? json(nullptr) : json(p.used_memory)});
  }
  if (rc == kSuccess)
    out["procs"] = listed;
  else
    out["procs_error"] = describe(rc).name;
  if (api.process_utilization && g.process_utilization) {
    unsigned count = 0;
    announce_stage("nvmlDeviceGetProcessUtilization");
    rc = api.process_utilization(g.dev, nullptr, &count, g.last_seen);
    if (rc == kErrorNotSupported) g.process_utilization = false;
    json putil = json::array();
    if (rc == kErrorInsufficientSize && count > 0) {
      count = std::min(count, 4096u);
      std::vector<ProcessUtilizationSample> samples(count + 1);
      announce_stage("nvmlDeviceGetProcessUtilization");
      rc = api.process_utilization(g.dev, samples.data(), &count, g.last_seen);
      if (rc == kSuccess) {
        count = std::min<unsigned>(count, static_cast<unsigned>(samples.size()));
        // The newest sample per process.
        std::map<unsigned, std::pair<unsigned long long, unsigned>> newest;
        for (unsigned i = 0; i < count; ++i) {
          const auto& s = samples[i];
          g.last_seen = std::max(g.last_seen, s.time_stamp);
          auto& n = newest[s.pid];
          if (s.time_stamp >= n.first) n = {s.time_stamp, s.sm_util};
        }
        for (const auto& [pid, n] : newest) putil.push_back({pid, std::min(n.second, 100u)});
      }
    }
    if (g.process_utilization) out["putil"] = putil;
  }
  return out;
}

double unix_now() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace

void run_nvml_watch(int interval_ms) {
  ::signal(SIGPIPE, SIG_DFL);
  interval_ms = std::clamp(interval_ms, 10, 3600 * 1000);
  announce_stage("dlopen libnvidia-ml.so.1");
  auto lib = vendor::open_library("libnvidia-ml.so.1");
  if (!lib.handle) {
    fail(nullptr, "dlopen", 0,
         lib.fact.load_error.empty() ? "libnvidia-ml.so.1 could not be loaded"
                                     : sanitize_text(lib.fact.load_error));
  }
  NvmlApi api = bind_api(lib.handle);
  if (!api.init || !api.device_count || !api.handle_by_index)
    fail(nullptr, "dlsym", 0, "this libnvidia-ml lacks nvmlInit or the device calls");
  announce_stage("nvmlInit_v2");
  if (Return rc = api.init(); rc != kSuccess) fail(&api, "nvmlInit_v2", rc, describe(rc).meaning);
  unsigned count = 0;
  announce_stage("nvmlDeviceGetCount_v2");
  if (Return rc = api.device_count(&count); rc != kSuccess)
    fail(&api, "nvmlDeviceGetCount_v2", rc, describe(rc).meaning);
  std::vector<Gpu> gpus;
  json listed = json::array();
  for (unsigned i = 0; i < std::min(count, kMaxGpus); ++i) {
    Gpu g;
    g.index = i;
    announce_stage("nvmlDeviceGetHandleByIndex_v2");
    if (api.handle_by_index(i, &g.dev) != kSuccess) continue;
    json d = {{"index", i},
              {"uuid", device_string(api.uuid, "nvmlDeviceGetUUID", g.dev, kDeviceUuidBufferSize)},
              {"name", device_string(api.name, "nvmlDeviceGetName", g.dev, kDeviceNameBufferSize)}};
    if (api.pci) {
      PciInfo pci{};
      announce_stage("nvmlDeviceGetPciInfo_v3");
      if (api.pci(g.dev, &pci) == kSuccess) {
        pci.bus_id[sizeof pci.bus_id - 1] = '\0';
        d["pci_bus_id"] = sanitize_text(pci.bus_id);
      }
    }
    if (api.memory) {
      Memory mem{};
      announce_stage("nvmlDeviceGetMemoryInfo");
      if (api.memory(g.dev, &mem) == kSuccess) d["memory_total"] = mem.total;
    }
    listed.push_back(d);
    gpus.push_back(g);
  }
  emit({{"gpus", listed}});
  // A steady cadence: each sample at start + k * interval, whatever a sample took.
  timespec next{};
  ::clock_gettime(CLOCK_MONOTONIC, &next);
  for (;;) {
    json per_gpu = json::array();
    for (auto& g : gpus) per_gpu.push_back(sample_gpu(api, g));
    emit({{"sample", {{"t", unix_now()}, {"gpus", per_gpu}}}});
    next.tv_nsec += static_cast<long>(interval_ms % 1000) * 1000000L;
    next.tv_sec += interval_ms / 1000 + next.tv_nsec / 1000000000L;
    next.tv_nsec %= 1000000000L;
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec > next.tv_sec || (now.tv_sec == next.tv_sec && now.tv_nsec > next.tv_nsec))
      next = now;  // a sample took longer than the interval: no burst to catch up
    while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, nullptr) == EINTR) {
    }
  }
}

}  // namespace ongpu::probe
