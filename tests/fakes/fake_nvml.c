/* Fake libnvidia-ml.so.1 for ongpu's tests, driven by a scenario file
 * (README.md). It exports the NVML entry points ongpu uses, with NVML's C
 * calling convention; return codes are nvmlReturn_t values. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "scenario.h"

enum {
  NVML_SUCCESS = 0,
  NVML_ERROR_UNINITIALIZED = 1,
  NVML_ERROR_INVALID_ARGUMENT = 2,
  NVML_ERROR_NOT_SUPPORTED = 3,
  NVML_ERROR_NOT_FOUND = 6,
  NVML_ERROR_INSUFFICIENT_SIZE = 7,
  NVML_ERROR_UNKNOWN = 999,
};

struct PciInfo {
  char busIdLegacy[16];
  unsigned domain, bus, device, pciDeviceId, pciSubSystemId;
  char busId[32];
};
_Static_assert(sizeof(struct PciInfo) == 68, "nvmlPciInfo_t layout");

struct Memory {
  unsigned long long total, free, used;
};

struct ProcessInfo {
  unsigned pid;
  unsigned long long usedGpuMemory;
  unsigned gpuInstanceId;
  unsigned computeInstanceId;
};
_Static_assert(sizeof(struct ProcessInfo) == 24, "nvmlProcessInfo_v2_t layout");

struct Utilization {
  unsigned gpu, memory; /* percent */
};
_Static_assert(sizeof(struct Utilization) == 8, "nvmlUtilization_t layout");

struct ProcessUtilizationSample {
  unsigned pid;
  unsigned long long timeStamp; /* microseconds since the epoch */
  unsigned smUtil, memUtil, encUtil, decUtil;
};
_Static_assert(sizeof(struct ProcessUtilizationSample) == 32,
               "nvmlProcessUtilizationSample_t layout");

/* Device handles are addresses inside these arrays (never dereferenced by the
 * caller): GPU i is &g_gpu_handles[i], MIG device m of GPU i is
 * &g_mig_handles[i * FAKE_MAX_MIG + m]. Indices >= HANDLE_SPACE (only reachable
 * with an absurd gpu_count) get NVML_ERROR_UNKNOWN from GetHandleByIndex. */
#define HANDLE_SPACE (1u << 20)
static unsigned char g_gpu_handles[HANDLE_SPACE];
static unsigned char g_mig_handles[FAKE_MAX_GPUS * FAKE_MAX_MIG];

static atomic_int g_init_count;

struct dev {
  unsigned gpu;
  int mig; /* -1: the GPU itself */
  const struct fake_gpu* g;
  struct fake_gpu scratch;
};

static int act(const struct fake_action* a) {
  fake_misbehave(a);
  return a->mode == FAKE_ERROR ? a->code : NVML_SUCCESS;
}

/* Common prologue: scenario loaded, library initialized, per-function override. */
static int enter(const char* fn) {
  fake_scenario();
  if (atomic_load(&g_init_count) <= 0) return NVML_ERROR_UNINITIALIZED;
  const struct fake_action* o = fake_override("nvml", fn);
  return o ? act(o) : NVML_SUCCESS;
}
#define ENTER()                          \
  do {                                   \
    int rc_ = enter(__func__);           \
    if (rc_ != NVML_SUCCESS) return rc_; \
  } while (0)

static int resolve(void* h, struct dev* d) {
  uintptr_t p = (uintptr_t)h;
  const struct fake_scenario* s = fake_scenario();
  if (p >= (uintptr_t)g_gpu_handles && p < (uintptr_t)g_gpu_handles + HANDLE_SPACE) {
    d->gpu = (unsigned)(p - (uintptr_t)g_gpu_handles);
    if (d->gpu >= s->gpu_count) return NVML_ERROR_INVALID_ARGUMENT;
    d->mig = -1;
    d->g = fake_gpu(d->gpu, &d->scratch);
    return NVML_SUCCESS;
  }
  if (p >= (uintptr_t)g_mig_handles && p < (uintptr_t)g_mig_handles + sizeof g_mig_handles) {
    size_t off = p - (uintptr_t)g_mig_handles;
    d->gpu = (unsigned)(off / FAKE_MAX_MIG);
    d->mig = (int)(off % FAKE_MAX_MIG);
    if (d->gpu >= s->gpu_count) return NVML_ERROR_INVALID_ARGUMENT;
    d->g = fake_gpu(d->gpu, &d->scratch);
    if (d->mig >= d->g->n_mig) return NVML_ERROR_INVALID_ARGUMENT;
    return NVML_SUCCESS;
  }
  return NVML_ERROR_INVALID_ARGUMENT;
}

/* Resolves a handle that must name a whole GPU: MIG handles get NOT_SUPPORTED. */
static int resolve_gpu(void* h, struct dev* d) {
  int rc = resolve(h, d);
  if (rc != NVML_SUCCESS) return rc;
  return d->mig >= 0 ? NVML_ERROR_NOT_SUPPORTED : NVML_SUCCESS;
}

static int put_string(char* buf, unsigned len, const char* value) {
  if (!buf) return NVML_ERROR_INVALID_ARGUMENT;
  if (fake_scenario()->unterminated) {
    fake_fill_unterminated(buf, len);
    return NVML_SUCCESS;
  }
  size_t n = strlen(value);
  if ((size_t)len < n + 1) return NVML_ERROR_INSUFFICIENT_SIZE;
  memcpy(buf, value, n + 1);
  return NVML_SUCCESS;
}

/* ---- library ----------------------------------------------------------- */

static int do_init(const char* fn) {
  const struct fake_scenario* s = fake_scenario();
  int rc = act(&s->nvml_init);
  if (rc != NVML_SUCCESS) return rc;
  const struct fake_action* o = fake_override("nvml", fn);
  if (o && (rc = act(o)) != NVML_SUCCESS) return rc;
  atomic_fetch_add(&g_init_count, 1);
  return NVML_SUCCESS;
}

FAKE_EXPORT int nvmlInit_v2(void) { return do_init(__func__); }
FAKE_EXPORT int nvmlInit(void) { return do_init(__func__); }

FAKE_EXPORT int nvmlShutdown(void) {
  ENTER();
  atomic_fetch_sub(&g_init_count, 1);
  return NVML_SUCCESS;
}

FAKE_EXPORT const char* nvmlErrorString(int code) {
  switch (code) {
    case 0:
      return "Success";
    case 1:
      return "Uninitialized";
    case 2:
      return "Invalid Argument";
    case 3:
      return "Not Supported";
    case 4:
      return "Insufficient Permissions";
    case 5:
      return "Already Initialized";
    case 6:
      return "Not Found";
    case 7:
      return "Insufficient Size";
    case 8:
      return "Insufficient External Power";
    case 9:
      return "Driver Not Loaded";
    case 10:
      return "Timeout";
    case 11:
      return "Interrupt Request Issue";
    case 12:
      return "NVML Shared Library Not Found";
    case 13:
      return "Function Not Found";
    case 14:
      return "Corrupted infoROM";
    case 15:
      return "GPU is lost";
    case 16:
      return "GPU requires restart";
    case 17:
      return "The operating system has blocked the request.";
    case 18:
      return "RM has detected an NVML/RM version mismatch.";
    case 19:
      return "In use by another client";
    case 20:
      return "Insufficient Memory";
    case 21:
      return "No data";
    case 22:
      return "The requested vgpu operation is not available on target device, because ECC is "
             "enabled";
    case 23:
      return "Ran out of critical resources, other than memory";
    case 24:
      return "The requested frequency is not supported";
    case 25:
      return "Argument version mismatch";
    case 26:
      return "The requested functionality has been deprecated";
    case 27:
      return "The system is not ready for the request";
    case 28:
      return "The GPU was not found";
    case 29:
      return "Invalid state";
    default:
      return "Unknown Error";
  }
}

/* ---- system ------------------------------------------------------------ */

FAKE_EXPORT int nvmlSystemGetDriverVersion(char* buf, unsigned len) {
  ENTER();
  return put_string(buf, len, fake_scenario()->driver_version);
}

static int cuda_version(int* v) {
  if (!v) return NVML_ERROR_INVALID_ARGUMENT;
  *v = fake_scenario()->cuda_driver_version;
  return NVML_SUCCESS;
}
FAKE_EXPORT int nvmlSystemGetCudaDriverVersion_v2(int* v) {
  ENTER();
  return cuda_version(v);
}
FAKE_EXPORT int nvmlSystemGetCudaDriverVersion(int* v) {
  ENTER();
  return cuda_version(v);
}

/* ---- devices ----------------------------------------------------------- */

FAKE_EXPORT int nvmlDeviceGetCount_v2(unsigned* count) {
  ENTER();
  if (!count) return NVML_ERROR_INVALID_ARGUMENT;
  *count = fake_scenario()->gpu_count;
  return NVML_SUCCESS;
}

FAKE_EXPORT int nvmlDeviceGetHandleByIndex_v2(unsigned idx, void** dev) {
  ENTER();
  if (!dev || idx >= fake_scenario()->gpu_count) return NVML_ERROR_INVALID_ARGUMENT;
  if (idx >= HANDLE_SPACE) return NVML_ERROR_UNKNOWN;
  *dev = &g_gpu_handles[idx];
  return NVML_SUCCESS;
}

FAKE_EXPORT int nvmlDeviceGetName(void* h, char* buf, unsigned len) {
  ENTER();
  struct dev d;
  int rc = resolve(h, &d);
  if (rc != NVML_SUCCESS) return rc;
  if (d.mig < 0) return put_string(buf, len, d.g->name);
  char name[FAKE_STR + 8];
  snprintf(name, sizeof name, "%s MIG", d.g->name);
  return put_string(buf, len, name);
}

FAKE_EXPORT int nvmlDeviceGetUUID(void* h, char* buf, unsigned len) {
  ENTER();
  struct dev d;
  int rc = resolve(h, &d);
  if (rc != NVML_SUCCESS) return rc;
  return put_string(buf, len, d.mig < 0 ? d.g->uuid : d.g->mig_uuid[d.mig]);
}

FAKE_EXPORT int nvmlDeviceGetPciInfo_v3(void* h, struct PciInfo* pci) {
  ENTER();
  struct dev d;
  int rc = resolve_gpu(h, &d);
  if (rc != NVML_SUCCESS) return rc;
  if (!pci) return NVML_ERROR_INVALID_ARGUMENT;
  memset(pci, 0, sizeof *pci);
  pci->domain = d.g->pci_domain;
  pci->bus = d.g->pci_bus;
  pci->device = d.g->pci_device;
  pci->pciDeviceId = d.g->pci_device_id;
  pci->pciSubSystemId = d.g->pci_subsystem_id;
  if (fake_scenario()->unterminated) {
    fake_fill_unterminated(pci->busIdLegacy, sizeof pci->busIdLegacy);
    fake_fill_unterminated(pci->busId, sizeof pci->busId);
  } else {
    snprintf(pci->busIdLegacy, sizeof pci->busIdLegacy, "%04X:%02X:%02X.0",
             d.g->pci_domain & 0xffffu, d.g->pci_bus & 0xffu, d.g->pci_device & 0xffu);
    snprintf(pci->busId, sizeof pci->busId, "%s", d.g->pci_bus_id);
  }
  return NVML_SUCCESS;
}

FAKE_EXPORT int nvmlDeviceGetMemoryInfo(void* h, struct Memory* m) {
  ENTER();
  struct dev d;
  int rc = resolve_gpu(h, &d);
  if (rc != NVML_SUCCESS) return rc;
  if (!m) return NVML_ERROR_INVALID_ARGUMENT;
  m->total = d.g->memory_total;
  m->used = d.g->memory_used;
  m->free = d.g->memory_total > d.g->memory_used ? d.g->memory_total - d.g->memory_used : 0;
  return NVML_SUCCESS;
}

FAKE_EXPORT int nvmlDeviceGetCudaComputeCapability(void* h, int* major, int* minor) {
  ENTER();
  struct dev d;
  int rc = resolve_gpu(h, &d);
  if (rc != NVML_SUCCESS) return rc;
  if (!major || !minor) return NVML_ERROR_INVALID_ARGUMENT;
  *major = d.g->cc_major;
  *minor = d.g->cc_minor;
  return NVML_SUCCESS;
}

FAKE_EXPORT int nvmlDeviceGetComputeMode(void* h, int* mode) {
  ENTER();
  struct dev d;
  int rc = resolve_gpu(h, &d);
  if (rc != NVML_SUCCESS) return rc;
  if (!mode) return NVML_ERROR_INVALID_ARGUMENT;
  *mode = d.g->compute_mode;
  return NVML_SUCCESS;
}

FAKE_EXPORT int nvmlDeviceGetPersistenceMode(void* h, int* mode) {
  ENTER();
  struct dev d;
  int rc = resolve_gpu(h, &d);
  if (rc != NVML_SUCCESS) return rc;
  if (!mode) return NVML_ERROR_INVALID_ARGUMENT;
  *mode = d.g->persistence;
  return NVML_SUCCESS;
}

FAKE_EXPORT int nvmlDeviceGetMigMode(void* h, unsigned* current, unsigned* pending) {
  ENTER();
  struct dev d;
  int rc = resolve_gpu(h, &d);
  if (rc != NVML_SUCCESS) return rc;
  if (!current || !pending) return NVML_ERROR_INVALID_ARGUMENT;
  *current = (unsigned)d.g->mig;
  *pending = (unsigned)d.g->mig_pending;
  return NVML_SUCCESS;
}

FAKE_EXPORT int nvmlDeviceGetMaxMigDeviceCount(void* h, unsigned* count) {
  ENTER();
  struct dev d;
  int rc = resolve_gpu(h, &d);
  if (rc != NVML_SUCCESS) return rc;
  if (!count) return NVML_ERROR_INVALID_ARGUMENT;
  *count = d.g->mig ? FAKE_MAX_MIG : 0;
  return NVML_SUCCESS;
}

FAKE_EXPORT int nvmlDeviceGetMigDeviceHandleByIndex(void* h, unsigned idx, void** mig) {
  ENTER();
  struct dev d;
  int rc = resolve(h, &d);
  if (rc != NVML_SUCCESS) return rc;
  if (d.mig >= 0 || !mig) return NVML_ERROR_INVALID_ARGUMENT;
  if (!d.g->mig) return NVML_ERROR_NOT_SUPPORTED;
  if (idx >= FAKE_MAX_MIG) return NVML_ERROR_INVALID_ARGUMENT;
  if ((int)idx >= d.g->n_mig) return NVML_ERROR_NOT_FOUND;
  *mig = &g_mig_handles[d.gpu * FAKE_MAX_MIG + idx];
  return NVML_SUCCESS;
}

FAKE_EXPORT int nvmlDeviceGetRetiredPagesPendingStatus(void* h, int* pending) {
  ENTER();
  struct dev d;
  int rc = resolve_gpu(h, &d);
  if (rc != NVML_SUCCESS) return rc;
  if (!pending) return NVML_ERROR_INVALID_ARGUMENT;
  *pending = d.g->retired_pages_pending;
  return NVML_SUCCESS;
}

FAKE_EXPORT int nvmlDeviceGetRemappedRows(void* h, unsigned* corr, unsigned* unc,
                                          unsigned* is_pending, unsigned* failure_occurred) {
  ENTER();
  struct dev d;
  int rc = resolve_gpu(h, &d);
  if (rc != NVML_SUCCESS) return rc;
  if (!corr || !unc || !is_pending || !failure_occurred) return NVML_ERROR_INVALID_ARGUMENT;
  *corr = 0;
  *unc = (d.g->remap_pending || d.g->remap_failed) ? 1 : 0;
  *is_pending = (unsigned)d.g->remap_pending;
  *failure_occurred = (unsigned)d.g->remap_failed;
  return NVML_SUCCESS;
}

/* ---- processes ----------------------------------------------------------- */

/* A compute process on one GPU: the scenario's static `processes` first, then
 * the live processes of the context registry (README.md), at most
 * FAKE_MAX_PROCS in all. */
struct proc {
  unsigned pid;
  unsigned long long bytes;
};

/* Whether pid is a running process: /proc/<pid>/stat exists and its state
 * (the field after the parenthesised command name) is not Z (zombie) or X
 * (dead). The real driver drops a process's contexts when it exits. */
static int alive(unsigned pid) {
  char path[32], buf[256];
  snprintf(path, sizeof path, "/proc/%u/stat", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  const char* paren = strrchr(buf, ')'); /* the name may itself contain ')' */
  if (!paren || paren[1] != ' ') return 0;
  return paren[2] != '\0' && paren[2] != 'Z' && paren[2] != 'X';
}

/* The whole registry file, NUL-terminated (malloc'd), or NULL if it cannot be
 * read: a missing file is an empty registry. */
static char* read_registry(const char* path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;
  size_t cap = 4096, len = 0;
  char* buf = malloc(cap);
  while (buf) {
    if (len + 1 == cap) {
      char* bigger = realloc(buf, cap * 2);
      if (!bigger) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = bigger;
      cap *= 2;
    }
    ssize_t n = read(fd, buf + len, cap - 1 - len);
    if (n < 0) {
      free(buf);
      buf = NULL;
    } else if (n == 0) {
      buf[len] = '\0';
      break;
    } else {
      len += (size_t)n;
    }
  }
  close(fd);
  return buf;
}

/* Appends to list[n..] the registry's processes on GPU gpu that are alive and
 * not already listed, in the order of their first line, up to FAKE_MAX_PROCS
 * in all; returns the new count. The last line per pid is its memory. Lines
 * that are not three numbers ending in a newline (a line being written as we
 * read) are skipped. */
static unsigned add_registry(const char* path, unsigned gpu, struct proc* list, unsigned n) {
  char* text = read_registry(path);
  if (!text) return n;
  struct proc* regs = NULL;
  size_t nregs = 0, cap = 0;
  for (char* line = text; *line;) {
    char* nl = strchr(line, '\n');
    if (!nl) break;
    *nl = '\0';
    unsigned pid, idx;
    unsigned long long bytes;
    char tail;
    if (sscanf(line, "%u %u %llu %c", &pid, &idx, &bytes, &tail) == 3 && idx == gpu) {
      size_t i = 0;
      while (i < nregs && regs[i].pid != pid) i++;
      if (i == nregs) {
        if (nregs == cap) {
          size_t c = cap ? cap * 2 : 16;
          struct proc* bigger = realloc(regs, c * sizeof *regs);
          if (!bigger) break;
          regs = bigger;
          cap = c;
        }
        regs[nregs++].pid = pid;
      }
      regs[i].bytes = bytes;
    }
    line = nl + 1;
  }
  for (size_t i = 0; i < nregs && n < FAKE_MAX_PROCS; i++) {
    int listed = 0;
    for (unsigned k = 0; k < n; k++)
      if (list[k].pid == regs[i].pid) listed = 1;
    if (!listed && alive(regs[i].pid)) list[n++] = regs[i];
  }
  free(regs);
  free(text);
  return n;
}

/* The compute processes on d's GPU. The registry is read on every call: it
 * changes while a test runs. */
static unsigned running_processes(const struct dev* d, struct proc list[FAKE_MAX_PROCS]) {
  unsigned n = 0;
  for (int i = 0; i < d->g->n_procs; i++) {
    list[n].pid = d->g->proc_pid[i];
    list[n++].bytes = d->g->proc_bytes[i];
  }
  const char* path = fake_scenario()->context_registry;
  return *path ? add_registry(path, d->gpu, list, n) : n;
}

FAKE_EXPORT int nvmlDeviceGetComputeRunningProcesses_v3(void* h, unsigned* count,
                                                        struct ProcessInfo* infos) {
  ENTER();
  struct dev d;
  int rc = resolve_gpu(h, &d);
  if (rc != NVML_SUCCESS) return rc;
  if (!count) return NVML_ERROR_INVALID_ARGUMENT;
  struct proc procs[FAKE_MAX_PROCS];
  unsigned n = running_processes(&d, procs);
  if (*count < n) {
    *count = n;
    return NVML_ERROR_INSUFFICIENT_SIZE;
  }
  if (n > 0 && !infos) return NVML_ERROR_INVALID_ARGUMENT;
  for (unsigned i = 0; i < n; i++) {
    infos[i].pid = procs[i].pid;
    infos[i].usedGpuMemory = procs[i].bytes;
    infos[i].gpuInstanceId = 0xFFFFFFFFu; /* not a MIG device */
    infos[i].computeInstanceId = 0xFFFFFFFFu;
  }
  *count = n;
  return NVML_SUCCESS;
}

/* ---- utilization ----------------------------------------------------------- */

FAKE_EXPORT int nvmlDeviceGetUtilizationRates(void* h, struct Utilization* u) {
  ENTER();
  struct dev d;
  int rc = resolve_gpu(h, &d);
  if (rc != NVML_SUCCESS) return rc;
  if (!u) return NVML_ERROR_INVALID_ARGUMENT;
  u->gpu = d.g->utilization;
  u->memory = d.g->memory_utilization;
  return NVML_SUCCESS;
}

/* One sample per compute process, taken now: the GPU's utilization and
 * memory_utilization, no encoder or decoder use. Only samples newer than
 * last_seen (microseconds since the epoch) count; none is NOT_FOUND, as in
 * NVML when nothing new happened. */
FAKE_EXPORT int nvmlDeviceGetProcessUtilization(void* h,
                                                struct ProcessUtilizationSample* utilization,
                                                unsigned* count, unsigned long long last_seen) {
  ENTER();
  struct dev d;
  int rc = resolve_gpu(h, &d);
  if (rc != NVML_SUCCESS) return rc;
  if (!count) return NVML_ERROR_INVALID_ARGUMENT;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  unsigned long long now =
      (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000ULL;
  struct proc procs[FAKE_MAX_PROCS];
  unsigned n = now > last_seen ? running_processes(&d, procs) : 0;
  if (n == 0) {
    *count = 0;
    return NVML_ERROR_NOT_FOUND;
  }
  if (!utilization || *count < n) {
    *count = n;
    return NVML_ERROR_INSUFFICIENT_SIZE;
  }
  for (unsigned i = 0; i < n; i++) {
    utilization[i].pid = procs[i].pid;
    utilization[i].timeStamp = now;
    utilization[i].smUtil = d.g->utilization;
    utilization[i].memUtil = d.g->memory_utilization;
    utilization[i].encUtil = 0;
    utilization[i].decUtil = 0;
  }
  *count = n;
  return NVML_SUCCESS;
}
