/* Fake libcuda.so.1 (CUDA driver API) for ongpu's tests, driven by a scenario
 * file (README.md). Return codes are CUresult values.
 *
 * Device enumeration follows NVIDIA's documentation of CUDA_DEVICE_ORDER and
 * CUDA_VISIBLE_DEVICES (CUDA Programming Guide, "CUDA Environment Variables";
 * MIG User Guide, "CUDA Device Enumeration"). It was written from that text,
 * independently of ongpu's own parser, which tests compare against it. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

enum {
  CUDA_SUCCESS = 0,
  CUDA_ERROR_INVALID_VALUE = 1,
  CUDA_ERROR_NOT_INITIALIZED = 3,
  CUDA_ERROR_STUB_LIBRARY = 34,
  CUDA_ERROR_NO_DEVICE = 100,
  CUDA_ERROR_INVALID_DEVICE = 101,
  CUDA_ERROR_INVALID_CONTEXT = 201,
};
enum { ATTR_CC_MAJOR = 75, ATTR_CC_MINOR = 76 };

/* Physical GPUs the CUDA fake looks at: min(gpu_count, CUDA_MAX_PHYSICAL). */
#define CUDA_MAX_PHYSICAL 4096
#define CUDA_MAX_DEVS (CUDA_MAX_PHYSICAL + FAKE_MAX_GPUS * FAKE_MAX_MIG)

struct cu_dev {
  unsigned gpu; /* NVML index of the physical GPU */
  int mig;      /* -1: the whole GPU; else index into its mig_devices */
};

enum init_state { NOT_INITIALIZED, INITIALIZED, NO_DEVICE, FAILED };

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static enum init_state g_state = NOT_INITIALIZED;
static int g_init_rc;
static struct cu_dev g_devs[CUDA_MAX_DEVS];
static int g_ndev;
static int g_ctx_refs[CUDA_MAX_DEVS];
static unsigned char g_ctx_objs[CUDA_MAX_DEVS]; /* CUcontext values point here */

static int is_stub(const struct fake_scenario* s) {
  return s->cuda_init.mode == FAKE_ERROR && s->cuda_init.code == CUDA_ERROR_STUB_LIBRARY;
}

static int act(const struct fake_action* a) {
  fake_misbehave(a);
  return a->mode == FAKE_ERROR ? a->code : CUDA_SUCCESS;
}

/* Common prologue. needs_init: the call is only valid after a cuInit that did
 * not fail (cuInit that found no device counts as done: count is 0). */
static int enter(const char* fn, int needs_init) {
  const struct fake_scenario* s = fake_scenario();
  if (is_stub(s)) return CUDA_ERROR_STUB_LIBRARY;
  if (needs_init) {
    pthread_mutex_lock(&g_mu);
    enum init_state st = g_state;
    pthread_mutex_unlock(&g_mu);
    if (st != INITIALIZED && st != NO_DEVICE) return CUDA_ERROR_NOT_INITIALIZED;
  }
  const struct fake_action* o = fake_override("cuda", fn);
  return o ? act(o) : CUDA_SUCCESS;
}
#define ENTER()                              \
  do {                                       \
    int rc_ = enter(__func__, 1);            \
    if (rc_ != CUDA_SUCCESS) return rc_;     \
  } while (0)

/* ---- enumeration ------------------------------------------------------- */

/* Physical GPUs in CUDA order: PCI (= NVML index) order for
 * CUDA_DEVICE_ORDER=PCI_BUS_ID, otherwise FASTEST_FIRST: by speed, fastest
 * first, ties kept in PCI order (stable insertion sort). */
static unsigned order_physical(unsigned* order) {
  const struct fake_scenario* s = fake_scenario();
  unsigned n = s->gpu_count < CUDA_MAX_PHYSICAL ? s->gpu_count : CUDA_MAX_PHYSICAL;
  for (unsigned i = 0; i < n; i++) order[i] = i;
  const char* env = getenv("CUDA_DEVICE_ORDER");
  if (env && strcmp(env, "PCI_BUS_ID") == 0) return n;
  struct fake_gpu a, b;
  for (unsigned i = 1; i < n; i++) {
    unsigned x = order[i];
    long long sx = fake_gpu(x, &a)->speed;
    unsigned j = i;
    while (j > 0 && fake_gpu(order[j - 1], &b)->speed < sx) {
      order[j] = order[j - 1];
      j--;
    }
    order[j] = x;
  }
  return n;
}

/* The devices CUDA enumerates with CUDA_VISIBLE_DEVICES unset: every GPU not
 * in MIG mode, and in place of each MIG-mode GPU its MIG devices -- of which
 * a process only ever gets one (the first in this order). */
static int base_enumeration(const unsigned* order, unsigned nphys, struct cu_dev* out) {
  int n = 0, have_mig = 0;
  struct fake_gpu scratch;
  for (unsigned k = 0; k < nphys; k++) {
    const struct fake_gpu* g = fake_gpu(order[k], &scratch);
    if (!g->mig) {
      out[n++] = (struct cu_dev){order[k], -1};
    } else if (g->n_mig > 0 && !have_mig) {
      out[n++] = (struct cu_dev){order[k], 0};
      have_mig = 1;
    }
  }
  return n;
}

/* Resolves one CUDA_VISIBLE_DEVICES entry; returns 0 if it is invalid. */
static int resolve_entry(const char* e, const struct cu_dev* base, int nbase, unsigned nphys,
                         struct cu_dev* out) {
  if (e[0] >= '0' && e[0] <= '9') {
    unsigned long long v = 0;
    for (const char* p = e; *p; p++) {
      if (*p < '0' || *p > '9') return 0;
      v = v * 10 + (unsigned)(*p - '0');
      if (v >= (unsigned long long)nbase) return 0; /* also stops overflow */
    }
    *out = base[v];
    return 1;
  }
  struct fake_gpu scratch;
  if (strncmp(e, "GPU-", 4) == 0) {
    size_t len = strlen(e);
    if (len == 4) return 0;
    int found = -1;
    for (unsigned i = 0; i < nphys; i++) {
      if (strncmp(fake_gpu(i, &scratch)->uuid, e, len) == 0) {
        if (found >= 0) return 0; /* ambiguous prefix */
        found = (int)i;
      }
    }
    if (found < 0) return 0;
    if (fake_gpu((unsigned)found, &scratch)->mig) return 0; /* MIG-mode GPU: name a MIG device */
    *out = (struct cu_dev){(unsigned)found, -1};
    return 1;
  }
  if (strncmp(e, "MIG-", 4) == 0) {
    unsigned limit = nphys < FAKE_MAX_GPUS ? nphys : FAKE_MAX_GPUS;
    for (unsigned i = 0; i < limit; i++) {
      const struct fake_gpu* g = fake_gpu(i, &scratch);
      for (int m = 0; m < g->n_mig; m++)
        if (strcmp(g->mig_uuid[m], e) == 0) {
          *out = (struct cu_dev){i, m};
          return 1;
        }
    }
    return 0;
  }
  return 0; /* negative numbers, other UUID forms, whitespace, empty: invalid */
}

static void enumerate(void) {
  static unsigned order[CUDA_MAX_PHYSICAL];
  static struct cu_dev base[CUDA_MAX_DEVS];
  unsigned nphys = order_physical(order);
  int nbase = base_enumeration(order, nphys, base);
  const char* cvd = getenv("CUDA_VISIBLE_DEVICES");
  g_ndev = 0;
  if (!cvd) {
    memcpy(g_devs, base, sizeof base[0] * (size_t)nbase);
    g_ndev = nbase;
    return;
  }
  char* copy = strdup(cvd);
  if (!copy) return;
  int have_mig = 0;
  char* p = copy;
  for (;;) {
    char* comma = strchr(p, ',');
    if (comma) *comma = '\0';
    struct cu_dev d;
    if (!resolve_entry(p, base, nbase, nphys, &d)) break; /* invalid entry ends the list */
    int repeated = 0;
    for (int i = 0; i < g_ndev; i++)
      if (g_devs[i].gpu == d.gpu && g_devs[i].mig == d.mig) repeated = 1;
    if (repeated) break; /* so does a device named twice */
    if (d.mig >= 0 && have_mig) {
      /* a second MIG device is left out: one MIG device per process */
    } else {
      if (d.mig >= 0) have_mig = 1;
      g_devs[g_ndev++] = d;
    }
    if (!comma) break;
    p = comma + 1;
  }
  free(copy);
}

/* Looks up a CUdevice (an ordinal, as in the real driver). */
static int lookup(int dev, const struct fake_gpu** g, struct fake_gpu* scratch, int* mig) {
  pthread_mutex_lock(&g_mu);
  int n = g_ndev;
  struct cu_dev d = dev >= 0 && dev < n ? g_devs[dev] : (struct cu_dev){0, 0};
  pthread_mutex_unlock(&g_mu);
  if (dev < 0 || dev >= n) return CUDA_ERROR_INVALID_DEVICE;
  *g = fake_gpu(d.gpu, scratch);
  *mig = d.mig;
  return CUDA_SUCCESS;
}

/* ---- API ---------------------------------------------------------------- */

FAKE_EXPORT int cuInit(unsigned flags) {
  const struct fake_scenario* s = fake_scenario();
  if (is_stub(s)) return CUDA_ERROR_STUB_LIBRARY;
  fake_misbehave(&s->cuda_init);
  const struct fake_action* o = fake_override("cuda", "cuInit");
  if (o) fake_misbehave(o);
  if (flags != 0) return CUDA_ERROR_INVALID_VALUE;
  pthread_mutex_lock(&g_mu);
  if (g_state == NOT_INITIALIZED) {
    int rc = s->cuda_init.mode == FAKE_ERROR ? s->cuda_init.code
             : (o && o->mode == FAKE_ERROR)  ? o->code
                                             : CUDA_SUCCESS;
    if (rc == CUDA_SUCCESS) {
      enumerate();
      if (g_ndev == 0) rc = CUDA_ERROR_NO_DEVICE;
    }
    g_init_rc = rc;
    g_state = rc == CUDA_SUCCESS ? INITIALIZED : rc == CUDA_ERROR_NO_DEVICE ? NO_DEVICE : FAILED;
    if (g_state == NO_DEVICE) g_ndev = 0;
  }
  int rc = g_init_rc;
  pthread_mutex_unlock(&g_mu);
  return rc;
}

FAKE_EXPORT int cuDriverGetVersion(int* v) {
  int rc = enter(__func__, 0);
  if (rc != CUDA_SUCCESS) return rc;
  if (!v) return CUDA_ERROR_INVALID_VALUE;
  *v = fake_scenario()->cuda_driver_version;
  return CUDA_SUCCESS;
}

FAKE_EXPORT int cuDeviceGetCount(int* count) {
  ENTER();
  if (!count) return CUDA_ERROR_INVALID_VALUE;
  pthread_mutex_lock(&g_mu);
  *count = g_ndev;
  pthread_mutex_unlock(&g_mu);
  return CUDA_SUCCESS;
}

FAKE_EXPORT int cuDeviceGet(int* dev, int ordinal) {
  ENTER();
  if (!dev) return CUDA_ERROR_INVALID_VALUE;
  const struct fake_gpu* g;
  struct fake_gpu scratch;
  int mig;
  int rc = lookup(ordinal, &g, &scratch, &mig);
  if (rc != CUDA_SUCCESS) return rc;
  *dev = ordinal;
  return CUDA_SUCCESS;
}

/* Copies value into buf (len bytes), truncating and terminating like the
 * real driver; in unterminated mode fills all len bytes instead. */
static int put_string(char* buf, int len, const char* value) {
  if (!buf || len <= 0) return CUDA_ERROR_INVALID_VALUE;
  if (fake_scenario()->unterminated) {
    fake_fill_unterminated(buf, (size_t)len);
    return CUDA_SUCCESS;
  }
  snprintf(buf, (size_t)len, "%s", value);
  return CUDA_SUCCESS;
}

FAKE_EXPORT int cuDeviceGetName(char* name, int len, int dev) {
  ENTER();
  const struct fake_gpu* g;
  struct fake_gpu scratch;
  int mig;
  int rc = lookup(dev, &g, &scratch, &mig);
  if (rc != CUDA_SUCCESS) return rc;
  char value[FAKE_STR + 8];
  snprintf(value, sizeof value, mig >= 0 ? "%s MIG" : "%s", g->name);
  return put_string(name, len, value);
}

static int get_uuid(unsigned char* uuid, int dev) {
  const struct fake_gpu* g;
  struct fake_gpu scratch;
  int mig;
  int rc = lookup(dev, &g, &scratch, &mig);
  if (rc != CUDA_SUCCESS) return rc;
  if (!uuid) return CUDA_ERROR_INVALID_VALUE;
  fake_uuid_bytes(mig >= 0 ? g->mig_uuid[mig] : g->uuid, uuid);
  return CUDA_SUCCESS;
}
FAKE_EXPORT int cuDeviceGetUuid_v2(unsigned char uuid[16], int dev) {
  ENTER();
  return get_uuid(uuid, dev);
}
FAKE_EXPORT int cuDeviceGetUuid(unsigned char uuid[16], int dev) {
  ENTER();
  return get_uuid(uuid, dev);
}

FAKE_EXPORT int cuDeviceGetPCIBusId(char* bus_id, int len, int dev) {
  ENTER();
  const struct fake_gpu* g;
  struct fake_gpu scratch;
  int mig;
  int rc = lookup(dev, &g, &scratch, &mig);
  if (rc != CUDA_SUCCESS) return rc;
  char value[64];
  snprintf(value, sizeof value, "%04x:%02x:%02x.0", g->pci_domain, g->pci_bus, g->pci_device);
  return put_string(bus_id, len, value);
}

FAKE_EXPORT int cuDeviceGetAttribute(int* v, int attrib, int dev) {
  ENTER();
  const struct fake_gpu* g;
  struct fake_gpu scratch;
  int mig;
  int rc = lookup(dev, &g, &scratch, &mig);
  if (rc != CUDA_SUCCESS) return rc;
  if (!v) return CUDA_ERROR_INVALID_VALUE;
  if (attrib == ATTR_CC_MAJOR) {
    *v = g->cc_major;
  } else if (attrib == ATTR_CC_MINOR) {
    *v = g->cc_minor;
  } else {
    return CUDA_ERROR_INVALID_VALUE;
  }
  return CUDA_SUCCESS;
}

FAKE_EXPORT int cuDeviceTotalMem_v2(size_t* bytes, int dev) {
  ENTER();
  const struct fake_gpu* g;
  struct fake_gpu scratch;
  int mig;
  int rc = lookup(dev, &g, &scratch, &mig);
  if (rc != CUDA_SUCCESS) return rc;
  if (!bytes) return CUDA_ERROR_INVALID_VALUE;
  *bytes = (size_t)(mig >= 0 ? g->memory_total / FAKE_MAX_MIG : g->memory_total);
  return CUDA_SUCCESS;
}

FAKE_EXPORT int cuDevicePrimaryCtxRetain(void** ctx, int dev) {
  ENTER();
  const struct fake_gpu* g;
  struct fake_gpu scratch;
  int mig;
  int rc = lookup(dev, &g, &scratch, &mig);
  if (rc != CUDA_SUCCESS) return rc;
  if (!ctx) return CUDA_ERROR_INVALID_VALUE;
  rc = act(&g->context);
  if (rc != CUDA_SUCCESS) return rc;
  pthread_mutex_lock(&g_mu);
  g_ctx_refs[dev]++;
  pthread_mutex_unlock(&g_mu);
  *ctx = &g_ctx_objs[dev];
  return CUDA_SUCCESS;
}

FAKE_EXPORT int cuDevicePrimaryCtxRelease_v2(int dev) {
  ENTER();
  const struct fake_gpu* g;
  struct fake_gpu scratch;
  int mig;
  int rc = lookup(dev, &g, &scratch, &mig);
  if (rc != CUDA_SUCCESS) return rc;
  pthread_mutex_lock(&g_mu);
  if (g_ctx_refs[dev] == 0) {
    rc = CUDA_ERROR_INVALID_CONTEXT;
  } else {
    g_ctx_refs[dev]--;
  }
  pthread_mutex_unlock(&g_mu);
  return rc;
}

/* ---- error text ------------------------------------------------------------ */

struct err {
  int code;
  const char* name;
  const char* text;
};
static const struct err kErrors[] = {
    {0, "CUDA_SUCCESS", "no error"},
    {1, "CUDA_ERROR_INVALID_VALUE", "invalid argument"},
    {2, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory"},
    {3, "CUDA_ERROR_NOT_INITIALIZED", "initialization error"},
    {4, "CUDA_ERROR_DEINITIALIZED", "driver shutting down"},
    {34, "CUDA_ERROR_STUB_LIBRARY", "CUDA driver is a stub library"},
    {36, "CUDA_ERROR_CALL_REQUIRES_NEWER_DRIVER", "the API call requires a newer CUDA driver"},
    {46, "CUDA_ERROR_DEVICE_UNAVAILABLE", "CUDA-capable device(s) is/are busy or unavailable"},
    {100, "CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected"},
    {101, "CUDA_ERROR_INVALID_DEVICE", "invalid device ordinal"},
    {102, "CUDA_ERROR_DEVICE_NOT_LICENSED", "device doesn't have valid Grid license"},
    {201, "CUDA_ERROR_INVALID_CONTEXT", "invalid device context"},
    {209, "CUDA_ERROR_NO_BINARY_FOR_GPU", "no kernel image is available for execution on the device"},
    {304, "CUDA_ERROR_OPERATING_SYSTEM", "OS call failed or operation not supported on this OS"},
    {400, "CUDA_ERROR_INVALID_HANDLE", "invalid resource handle"},
    {500, "CUDA_ERROR_NOT_FOUND", "named symbol not found"},
    {800, "CUDA_ERROR_NOT_PERMITTED", "operation not permitted"},
    {801, "CUDA_ERROR_NOT_SUPPORTED", "operation not supported"},
    {802, "CUDA_ERROR_SYSTEM_NOT_READY", "system not yet initialized"},
    {803, "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH",
     "system has unsupported display driver / cuda driver combination"},
    {804, "CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE",
     "forward compatibility was attempted on non supported HW"},
    {999, "CUDA_ERROR_UNKNOWN", "unknown error"},
};

static int error_text(int code, const char** out, int want_name) {
  if (is_stub(fake_scenario())) return CUDA_ERROR_STUB_LIBRARY;
  if (!out) return CUDA_ERROR_INVALID_VALUE;
  for (size_t i = 0; i < sizeof kErrors / sizeof kErrors[0]; i++)
    if (kErrors[i].code == code) {
      *out = want_name ? kErrors[i].name : kErrors[i].text;
      return CUDA_SUCCESS;
    }
  *out = NULL;
  return CUDA_ERROR_INVALID_VALUE;
}
FAKE_EXPORT int cuGetErrorName(int code, const char** name) { return error_text(code, name, 1); }
FAKE_EXPORT int cuGetErrorString(int code, const char** text) { return error_text(code, text, 0); }
