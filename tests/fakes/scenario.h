/* Scenario model shared by the fake vendor libraries (fake_nvml.c, fake_cuda.c).
 *
 * Each fake library gets its own private copy of this code (everything here is
 * hidden), reads the file named by ONGPU_FAKE_SCENARIO once, on its first API
 * call, and answers from the result. The format is documented in README.md. */
#ifndef ONGPU_FAKE_SCENARIO_H
#define ONGPU_FAKE_SCENARIO_H

#include <stddef.h>

#define FAKE_HIDDEN __attribute__((visibility("hidden")))
#define FAKE_EXPORT __attribute__((visibility("default")))

/* GPUs with index < FAKE_MAX_GPUS can be configured with gpu.<i>.* keys; the
 * rest (only reachable with an absurd gpu_count) always get index defaults. */
#define FAKE_MAX_GPUS 64
#define FAKE_MAX_MIG 7
#define FAKE_MAX_PROCS 32
#define FAKE_STR 128
#define FAKE_MAX_OVERRIDES 64
#define FAKE_PATH 4096 /* context_registry, PATH_MAX with its NUL */

enum fake_mode { FAKE_OK = 0, FAKE_ERROR, FAKE_CRASH, FAKE_HANG };

struct fake_action {
  enum fake_mode mode;
  int code; /* FAKE_ERROR only */
};

struct fake_gpu {
  char name[FAKE_STR];
  char uuid[FAKE_STR];
  char pci_bus_id[32]; /* NVML form (8-hex-digit domain); fits nvmlPciInfo_t.busId */
  unsigned pci_domain, pci_bus, pci_device; /* parsed from pci_bus_id */
  unsigned pci_device_id, pci_subsystem_id;
  unsigned long long memory_total, memory_used;
  int cc_major, cc_minor;
  int compute_mode;
  int persistence;
  int mig, mig_pending;
  int n_mig;
  char mig_uuid[FAKE_MAX_MIG][FAKE_STR];
  int retired_pages_pending, remap_pending, remap_failed;
  int n_procs;
  unsigned proc_pid[FAKE_MAX_PROCS];
  unsigned long long proc_bytes[FAKE_MAX_PROCS];
  struct fake_action context;
  long long speed;
  unsigned long long context_bytes;         /* a context's own memory, in the context registry */
  unsigned utilization, memory_utilization; /* percent, nvmlDeviceGetUtilizationRates */
};

struct fake_override {
  char lib[8]; /* "nvml" or "cuda" */
  char fn[64]; /* exported function name */
  struct fake_action action;
};

struct fake_scenario {
  struct fake_action nvml_init, cuda_init;
  char driver_version[FAKE_STR];
  int cuda_driver_version;
  unsigned gpu_count;
  int unterminated;
  int n_overrides;
  struct fake_override overrides[FAKE_MAX_OVERRIDES];
  /* The file that stands in for the driver's process accounting: the CUDA
   * fake appends "<pid> <nvml index> <bytes>" lines, the NVML fake lists the
   * live ones as compute processes. Empty: off. */
  char context_registry[FAKE_PATH];
};

/* Loads the scenario on first use (thread safe). A scenario that cannot be
 * read or parsed is a test bug: the fake prints why and calls _exit(86). */
FAKE_HIDDEN const struct fake_scenario* fake_scenario(void);

/* The GPU with NVML index idx (idx may exceed the configured ones). Returns a
 * pointer to configured data, or fills *scratch with index defaults. */
FAKE_HIDDEN const struct fake_gpu* fake_gpu(unsigned idx, struct fake_gpu* scratch);

/* Override for one exported function, or NULL. */
FAKE_HIDDEN const struct fake_action* fake_override(const char* lib, const char* fn);

/* Carries out crash and hang (never return); returns for ok and error. */
FAKE_HIDDEN void fake_misbehave(const struct fake_action* a);

/* Fills buf[0..len) with non-NUL bytes and no terminator. */
FAKE_HIDDEN void fake_fill_unterminated(char* buf, size_t len);

/* Parses the 32 hex digits of a "GPU-..." / "MIG-..." UUID into 16 bytes
 * (non-hex characters are skipped, missing digits read as 0). */
FAKE_HIDDEN void fake_uuid_bytes(const char* uuid, unsigned char out[16]);

/* The exported (default-visibility) function of this library called name, or
 * NULL: hidden functions and other libraries' symbols are not found. */
FAKE_HIDDEN void* fake_own_symbol(const char* name);

#endif
