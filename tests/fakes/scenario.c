/* Scenario file reader for the fake vendor libraries. See scenario.h and
 * README.md. Written for tests: anything it does not understand is fatal, so a
 * typo in a scenario cannot silently turn into the healthy defaults. */
#define _GNU_SOURCE
#include "scenario.h"

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_GPU_NAME "NVIDIA H100 80GB HBM3"
#define DEFAULT_DRIVER_VERSION "580.65.06"
#define DEFAULT_CUDA_DRIVER_VERSION 13000
#define DEFAULT_MEMORY_TOTAL 85899345920ULL /* 80 GiB */
#define DEFAULT_PCI_DEVICE_ID 0x233010deu   /* H100 SXM5, vendor 0x10de */
#define DEFAULT_PCI_SUBSYSTEM_ID 0x16c110deu
#define DEFAULT_SPEED 100
#define DEFAULT_CONTEXT_BYTES 536870912ULL /* 512 MiB: what a CUDA context holds itself */

/* Functions a scenario may override with nvml.<fn> / cuda.<fn>: every exported
 * function but the error-text ones (nvmlErrorString, cuGetErrorName,
 * cuGetErrorString). Both libraries know both lists, since each reads the
 * whole file. The self-check tests that every exported function is listed. */
static const char* const kNvmlFunctions[] = {"nvmlInit_v2",
                                             "nvmlInit",
                                             "nvmlShutdown",
                                             "nvmlSystemGetDriverVersion",
                                             "nvmlSystemGetCudaDriverVersion_v2",
                                             "nvmlSystemGetCudaDriverVersion",
                                             "nvmlDeviceGetCount_v2",
                                             "nvmlDeviceGetHandleByIndex_v2",
                                             "nvmlDeviceGetName",
                                             "nvmlDeviceGetUUID",
                                             "nvmlDeviceGetPciInfo_v3",
                                             "nvmlDeviceGetMemoryInfo",
                                             "nvmlDeviceGetCudaComputeCapability",
                                             "nvmlDeviceGetComputeMode",
                                             "nvmlDeviceGetPersistenceMode",
                                             "nvmlDeviceGetMigMode",
                                             "nvmlDeviceGetMaxMigDeviceCount",
                                             "nvmlDeviceGetMigDeviceHandleByIndex",
                                             "nvmlDeviceGetRetiredPagesPendingStatus",
                                             "nvmlDeviceGetRemappedRows",
                                             "nvmlDeviceGetComputeRunningProcesses_v3",
                                             "nvmlDeviceGetUtilizationRates",
                                             "nvmlDeviceGetProcessUtilization",
                                             NULL};
static const char* const kCudaFunctions[] = {
    "cuInit", "cuDriverGetVersion", "cuDeviceGetCount", "cuDeviceGet", "cuDeviceGetName",
    "cuDeviceGetUuid", "cuDeviceGetUuid_v2", "cuDeviceGetPCIBusId", "cuDeviceGetAttribute",
    "cuDeviceTotalMem_v2", "cuDevicePrimaryCtxRetain", "cuDevicePrimaryCtxRelease_v2",
    /* contexts */
    "cuDevicePrimaryCtxRelease", "cuDevicePrimaryCtxGetState", "cuDevicePrimaryCtxSetFlags_v2",
    "cuDevicePrimaryCtxSetFlags", "cuDevicePrimaryCtxReset_v2", "cuDevicePrimaryCtxReset",
    "cuCtxCreate", "cuCtxCreate_v2", "cuCtxCreate_v3", "cuCtxCreate_v4", "cuCtxDestroy",
    "cuCtxDestroy_v2", "cuCtxGetCurrent", "cuCtxSetCurrent", "cuCtxPushCurrent",
    "cuCtxPushCurrent_v2", "cuCtxPopCurrent", "cuCtxPopCurrent_v2", "cuCtxGetDevice",
    "cuCtxSynchronize", "cuCtxGetFlags", "cuCtxGetApiVersion", "cuCtxGetLimit", "cuCtxSetLimit",
    "cuCtxGetStreamPriorityRange",
    /* peers */
    "cuDeviceCanAccessPeer", "cuDeviceGetP2PAttribute", "cuCtxEnablePeerAccess",
    "cuCtxDisablePeerAccess",
    /* memory */
    "cuMemGetInfo_v2", "cuMemAlloc_v2", "cuMemFree_v2", "cuMemGetAddressRange_v2",
    "cuMemAllocHost_v2", "cuMemHostAlloc", "cuMemFreeHost", "cuMemHostGetDevicePointer_v2",
    "cuMemHostRegister_v2", "cuMemHostUnregister",
    /* streams and events */
    "cuStreamCreate", "cuStreamCreateWithPriority", "cuStreamDestroy", "cuStreamDestroy_v2",
    "cuStreamSynchronize", "cuStreamQuery", "cuStreamWaitEvent", "cuStreamGetPriority",
    "cuStreamGetFlags", "cuEventCreate", "cuEventDestroy", "cuEventDestroy_v2", "cuEventRecord",
    "cuEventQuery", "cuEventSynchronize", "cuEventElapsedTime", "cuEventElapsedTime_v2",
    /* other */
    "cuTensorMapEncodeTiled", "cuGetProcAddress", "cuGetProcAddress_v2", NULL};

static struct fake_scenario g_scenario;
static struct fake_gpu g_gpus[FAKE_MAX_GPUS];
#ifndef FAKE_LIB_NAME
#error "compile with -DFAKE_LIB_NAME=\"nvml\" or \"cuda\""
#endif
static const char* const g_lib = FAKE_LIB_NAME;
static int g_mig_pending_set[FAKE_MAX_GPUS];
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

__attribute__((noreturn, format(printf, 1, 2))) static void fatal(const char* fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  fprintf(stderr, "ongpu fake %s: scenario error: %s\n", g_lib, msg);
  fflush(stderr);
  _exit(86);
}

static void default_gpu(unsigned idx, struct fake_gpu* g) {
  memset(g, 0, sizeof *g);
  snprintf(g->name, sizeof g->name, "%s", DEFAULT_GPU_NAME);
  snprintf(g->uuid, sizeof g->uuid, "GPU-%08x-1111-2222-3333-444444444444", idx);
  /* Bus i+1 on domain 0 for the first 255 GPUs, then the next domain: unique
   * and in the same order as the NVML index. */
  unsigned long long n = (unsigned long long)idx + 1;
  g->pci_domain = (unsigned)(n >> 8);
  g->pci_bus = (unsigned)(n & 0xff);
  g->pci_device = 0;
  snprintf(g->pci_bus_id, sizeof g->pci_bus_id, "%08X:%02X:%02X.0", g->pci_domain, g->pci_bus,
           g->pci_device);
  g->pci_device_id = DEFAULT_PCI_DEVICE_ID;
  g->pci_subsystem_id = DEFAULT_PCI_SUBSYSTEM_ID;
  g->memory_total = DEFAULT_MEMORY_TOTAL;
  g->memory_used = 0;
  g->cc_major = 9;
  g->cc_minor = 0;
  g->compute_mode = 0;
  g->persistence = 1;
  g->context.mode = FAKE_OK;
  g->speed = DEFAULT_SPEED;
  g->context_bytes = DEFAULT_CONTEXT_BYTES;
}

/* ---- small parsers ---------------------------------------------------- */

static char* trim(char* s) {
  while (*s && isspace((unsigned char)*s)) s++;
  char* e = s + strlen(s);
  while (e > s && isspace((unsigned char)e[-1])) *--e = '\0';
  return s;
}

static long long parse_int(const char* key, const char* v, long long lo, long long hi) {
  char* end;
  errno = 0;
  long long x = strtoll(v, &end, 0);
  if (*v == '\0' || *end != '\0' || errno != 0 || x < lo || x > hi)
    fatal("%s = '%s': expected an integer in [%lld, %lld]", key, v, lo, hi);
  return x;
}

static unsigned long long parse_u64(const char* key, const char* v) {
  char* end;
  errno = 0;
  if (*v == '-') fatal("%s = '%s': expected a non-negative integer", key, v);
  unsigned long long x = strtoull(v, &end, 0);
  if (*v == '\0' || *end != '\0' || errno != 0)
    fatal("%s = '%s': expected a non-negative integer", key, v);
  return x;
}

static int parse_bool(const char* key, const char* v) { return (int)parse_int(key, v, 0, 1); }

static struct fake_action parse_action(const char* key, const char* v) {
  struct fake_action a = {FAKE_OK, 0};
  if (strcmp(v, "ok") == 0) return a;
  if (strcmp(v, "crash") == 0) {
    a.mode = FAKE_CRASH;
    return a;
  }
  if (strcmp(v, "hang") == 0) {
    a.mode = FAKE_HANG;
    return a;
  }
  if (strncmp(v, "error:", 6) == 0) {
    a.mode = FAKE_ERROR;
    a.code = (int)parse_int(key, v + 6, INT_MIN, INT_MAX);
    if (a.code == 0) fatal("%s = '%s': error:0 is success; write ok", key, v);
    return a;
  }
  fatal("%s = '%s': expected ok, error:<code>, crash or hang", key, v);
}

static void copy_str(const char* key, char* dst, size_t cap, const char* v) {
  if (strlen(v) >= cap) fatal("%s: value longer than %zu characters", key, cap - 1);
  memcpy(dst, v, strlen(v) + 1);
}

static void parse_pci(const char* key, struct fake_gpu* g, const char* v) {
  unsigned dom, bus, dev, fn;
  char tail;
  if (strlen(v) >= 32) fatal("%s = '%s': NVML busId holds at most 31 characters", key, v);
  if (sscanf(v, "%x:%x:%x.%x%c", &dom, &bus, &dev, &fn, &tail) != 4)
    fatal("%s = '%s': expected domain:bus:device.function in hex", key, v);
  copy_str(key, g->pci_bus_id, sizeof g->pci_bus_id, v);
  g->pci_domain = dom;
  g->pci_bus = bus;
  g->pci_device = dev;
}

/* Splits a comma-separated list in place; empty items (after trimming) are
 * dropped. Returns the number of items. */
static int split_list(char* v, char** items, int max, const char* key) {
  int n = 0;
  char* save = NULL;
  for (char* tok = strtok_r(v, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    tok = trim(tok);
    if (*tok == '\0') continue;
    if (n == max) fatal("%s: more than %d items", key, max);
    items[n++] = tok;
  }
  return n;
}

static int known_function(const char* lib, const char* fn) {
  const char* const* list = strcmp(lib, "nvml") == 0 ? kNvmlFunctions : kCudaFunctions;
  for (; *list; list++)
    if (strcmp(*list, fn) == 0) return 1;
  return 0;
}

static void set_gpu_key(unsigned idx, const char* field, const char* key, char* v) {
  struct fake_gpu* g = &g_gpus[idx];
  if (strcmp(field, "name") == 0) {
    copy_str(key, g->name, sizeof g->name, v);
  } else if (strcmp(field, "uuid") == 0) {
    copy_str(key, g->uuid, sizeof g->uuid, v);
  } else if (strcmp(field, "pci_bus_id") == 0) {
    parse_pci(key, g, v);
  } else if (strcmp(field, "pci_device_id") == 0) {
    g->pci_device_id = (unsigned)parse_int(key, v, 0, 0xffffffffLL);
  } else if (strcmp(field, "memory_total") == 0) {
    g->memory_total = parse_u64(key, v);
  } else if (strcmp(field, "memory_used") == 0) {
    g->memory_used = parse_u64(key, v);
  } else if (strcmp(field, "cc") == 0) {
    int maj, min;
    char tail;
    if (sscanf(v, "%d.%d%c", &maj, &min, &tail) != 2 || maj < 0 || min < 0)
      fatal("%s = '%s': expected <major>.<minor>", key, v);
    g->cc_major = maj;
    g->cc_minor = min;
  } else if (strcmp(field, "compute_mode") == 0) {
    static const char* const modes[] = {"default", "exclusive_thread", "prohibited",
                                        "exclusive_process"};
    int m = -1;
    for (int i = 0; i < 4; i++)
      if (strcmp(v, modes[i]) == 0) m = i;
    if (m < 0)
      fatal("%s = '%s': expected default, exclusive_thread, prohibited or exclusive_process", key,
            v);
    g->compute_mode = m;
  } else if (strcmp(field, "persistence") == 0) {
    g->persistence = parse_bool(key, v);
  } else if (strcmp(field, "mig") == 0) {
    g->mig = parse_bool(key, v);
  } else if (strcmp(field, "mig_pending") == 0) {
    g->mig_pending = parse_bool(key, v);
    g_mig_pending_set[idx] = 1;
  } else if (strcmp(field, "mig_devices") == 0) {
    char* items[FAKE_MAX_MIG + 1];
    int n = split_list(v, items, FAKE_MAX_MIG, key);
    for (int i = 0; i < n; i++) {
      if (strncmp(items[i], "MIG-", 4) != 0)
        fatal("%s: '%s' does not start with MIG-", key, items[i]);
      copy_str(key, g->mig_uuid[i], sizeof g->mig_uuid[i], items[i]);
    }
    g->n_mig = n;
  } else if (strcmp(field, "retired_pages_pending") == 0) {
    g->retired_pages_pending = parse_bool(key, v);
  } else if (strcmp(field, "remap_pending") == 0) {
    g->remap_pending = parse_bool(key, v);
  } else if (strcmp(field, "remap_failed") == 0) {
    g->remap_failed = parse_bool(key, v);
  } else if (strcmp(field, "processes") == 0) {
    char* items[FAKE_MAX_PROCS + 1];
    int n = split_list(v, items, FAKE_MAX_PROCS, key);
    for (int i = 0; i < n; i++) {
      char* colon = strchr(items[i], ':');
      if (!colon) fatal("%s: '%s' is not pid:bytes", key, items[i]);
      *colon = '\0';
      g->proc_pid[i] = (unsigned)parse_int(key, trim(items[i]), 0, 0xffffffffLL);
      g->proc_bytes[i] = parse_u64(key, trim(colon + 1));
    }
    g->n_procs = n;
  } else if (strcmp(field, "context") == 0) {
    g->context = parse_action(key, v);
  } else if (strcmp(field, "speed") == 0) {
    g->speed = parse_int(key, v, LLONG_MIN, LLONG_MAX);
  } else if (strcmp(field, "context_bytes") == 0) {
    g->context_bytes = parse_u64(key, v);
  } else if (strcmp(field, "utilization") == 0) {
    g->utilization = (unsigned)parse_int(key, v, 0, 100);
  } else if (strcmp(field, "memory_utilization") == 0) {
    g->memory_utilization = (unsigned)parse_int(key, v, 0, 100);
  } else {
    fatal("unknown key '%s'", key);
  }
}

static void set_key(const char* key, char* v) {
  struct fake_scenario* s = &g_scenario;
  if (strcmp(key, "nvml.init") == 0) {
    s->nvml_init = parse_action(key, v);
  } else if (strcmp(key, "cuda.init") == 0) {
    s->cuda_init = parse_action(key, v);
  } else if (strcmp(key, "driver_version") == 0) {
    copy_str(key, s->driver_version, sizeof s->driver_version, v);
  } else if (strcmp(key, "cuda_driver_version") == 0) {
    s->cuda_driver_version = (int)parse_int(key, v, INT_MIN, INT_MAX);
  } else if (strcmp(key, "gpu_count") == 0) {
    s->gpu_count = (unsigned)parse_int(key, v, 0, 0xffffffffLL);
  } else if (strcmp(key, "context_registry") == 0) {
    /* Read by two processes that need not share a working directory. */
    if (*v != '\0' && *v != '/') fatal("context_registry = '%s': expected an absolute path", v);
    copy_str(key, s->context_registry, sizeof s->context_registry, v);
  } else if (strcmp(key, "strings") == 0) {
    if (strcmp(v, "normal") == 0)
      s->unterminated = 0;
    else if (strcmp(v, "unterminated") == 0)
      s->unterminated = 1;
    else
      fatal("strings = '%s': expected normal or unterminated", v);
  } else if (strncmp(key, "gpu.", 4) == 0) {
    const char* p = key + 4;
    char* end;
    if (!isdigit((unsigned char)*p)) fatal("unknown key '%s'", key);
    errno = 0;
    unsigned long idx = strtoul(p, &end, 10);
    if (*end != '.' || errno != 0) fatal("unknown key '%s'", key);
    if (idx >= FAKE_MAX_GPUS)
      fatal("'%s': only gpu.0 .. gpu.%d can be configured", key, FAKE_MAX_GPUS - 1);
    set_gpu_key((unsigned)idx, end + 1, key, v);
  } else if (strncmp(key, "nvml.", 5) == 0 || strncmp(key, "cuda.", 5) == 0) {
    struct fake_override o;
    memset(&o, 0, sizeof o);
    memcpy(o.lib, key, 4);
    if (!known_function(o.lib, key + 5))
      fatal("unknown key '%s' (no such %s function)", key, o.lib);
    snprintf(o.fn, sizeof o.fn, "%s", key + 5);
    o.action = parse_action(key, v);
    for (int i = 0; i < s->n_overrides; i++)
      if (strcmp(s->overrides[i].lib, o.lib) == 0 && strcmp(s->overrides[i].fn, o.fn) == 0) {
        s->overrides[i] = o;
        return;
      }
    if (s->n_overrides == FAKE_MAX_OVERRIDES) fatal("too many function overrides");
    s->overrides[s->n_overrides++] = o;
  } else {
    fatal("unknown key '%s'", key);
  }
}

static void load(void) {
  struct fake_scenario* s = &g_scenario;
  memset(s, 0, sizeof *s);
  snprintf(s->driver_version, sizeof s->driver_version, "%s", DEFAULT_DRIVER_VERSION);
  s->cuda_driver_version = DEFAULT_CUDA_DRIVER_VERSION;
  s->gpu_count = 1;
  for (unsigned i = 0; i < FAKE_MAX_GPUS; i++) default_gpu(i, &g_gpus[i]);

  const char* path = getenv("ONGPU_FAKE_SCENARIO");
  if (!path) return;
  FILE* f = fopen(path, "re");
  if (!f) fatal("cannot open ONGPU_FAKE_SCENARIO='%s': %s", path, strerror(errno));
  char line[4096];
  int lineno = 0;
  while (fgets(line, sizeof line, f)) {
    lineno++;
    size_t len = strlen(line);
    if (len == sizeof line - 1 && line[len - 1] != '\n')
      fatal("%s:%d: line too long", path, lineno);
    char* hash = strchr(line, '#');
    if (hash) *hash = '\0';
    char* l = trim(line);
    if (*l == '\0') continue;
    char* eq = strchr(l, '=');
    if (!eq) fatal("%s:%d: expected key = value", path, lineno);
    *eq = '\0';
    char* key = trim(l);
    char* value = trim(eq + 1);
    if (*key == '\0') fatal("%s:%d: empty key", path, lineno);
    set_key(key, value);
  }
  if (ferror(f)) fatal("reading '%s': %s", path, strerror(errno));
  fclose(f);
  for (unsigned i = 0; i < FAKE_MAX_GPUS; i++) {
    struct fake_gpu* g = &g_gpus[i];
    if (!g_mig_pending_set[i]) g->mig_pending = g->mig; /* nothing pending */
    if (!g->mig) g->n_mig = 0; /* MIG devices exist only while MIG mode is on */
  }
}

static void load_once(void) { load(); }

const struct fake_scenario* fake_scenario(void) {
  pthread_once(&g_once, load_once);
  return &g_scenario;
}

const struct fake_gpu* fake_gpu(unsigned idx, struct fake_gpu* scratch) {
  if (idx < FAKE_MAX_GPUS) return &g_gpus[idx];
  default_gpu(idx, scratch);
  return scratch;
}

const struct fake_action* fake_override(const char* lib, const char* fn) {
  const struct fake_scenario* s = &g_scenario;
  for (int i = 0; i < s->n_overrides; i++)
    if (strcmp(s->overrides[i].lib, lib) == 0 && strcmp(s->overrides[i].fn, fn) == 0)
      return &s->overrides[i].action;
  return NULL;
}

/* volatile so that the compiler cannot see the null store and turn it into a
 * trap instruction (SIGILL): it must be a real SIGSEGV, as in a real driver. */
static int* volatile g_null_pointer = NULL;

void fake_misbehave(const struct fake_action* a) {
  if (a->mode == FAKE_CRASH) {
    *g_null_pointer = 0xdead;
    raise(SIGSEGV); /* only reached if the caller ignores SIGSEGV */
    for (;;) pause();
  }
  if (a->mode == FAKE_HANG) {
    for (;;) {
      struct timespec ts = {3600, 0};
      nanosleep(&ts, NULL);
    }
  }
}

void fake_fill_unterminated(char* buf, size_t len) {
  for (size_t i = 0; i < len; i++) buf[i] = (i % 8 == 7) ? (char)0xFF : 'X';
}

void fake_uuid_bytes(const char* uuid, unsigned char out[16]) {
  memset(out, 0, 16);
  const char* p = uuid;
  if (strncmp(p, "GPU-", 4) == 0 || strncmp(p, "MIG-", 4) == 0) p += 4;
  int nibble = 0;
  for (; *p && nibble < 32; p++) {
    int c = (unsigned char)*p, v;
    if (c >= '0' && c <= '9')
      v = c - '0';
    else if (c >= 'a' && c <= 'f')
      v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      v = c - 'A' + 10;
    else
      continue;
    out[nibble / 2] |= (unsigned char)(nibble % 2 == 0 ? v << 4 : v);
    nibble++;
  }
}

static void* g_self; /* dlopen handle of this library */
static void find_self(void) {
  Dl_info info;
  if (dladdr((void*)&find_self, &info) && info.dli_fname)
    g_self = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
}

void* fake_own_symbol(const char* name) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, find_self);
  if (!g_self) return NULL;
  void* p = dlsym(g_self, name);
  Dl_info a, b;
  /* dlsym also searches the library's dependencies: only our own count. */
  if (!p || !dladdr(p, &a) || !dladdr((void*)&find_self, &b) || a.dli_fbase != b.dli_fbase)
    return NULL;
  return p;
}
