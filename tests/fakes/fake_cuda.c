/* Fake libcuda.so.1 (CUDA driver API) for ongpu's tests, driven by a scenario
 * file (README.md). Return codes are CUresult values.
 *
 * Device enumeration follows NVIDIA's documentation of CUDA_DEVICE_ORDER and
 * CUDA_VISIBLE_DEVICES (CUDA Programming Guide, "CUDA Environment Variables";
 * MIG User Guide, "CUDA Device Enumeration"). It was written from that text,
 * independently of ongpu's own parser, which tests compare against it. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "scenario.h"

enum {
  CUDA_SUCCESS = 0,
  CUDA_ERROR_INVALID_VALUE = 1,
  CUDA_ERROR_OUT_OF_MEMORY = 2,
  CUDA_ERROR_NOT_INITIALIZED = 3,
  CUDA_ERROR_STUB_LIBRARY = 34,
  CUDA_ERROR_NO_DEVICE = 100,
  CUDA_ERROR_INVALID_DEVICE = 101,
  CUDA_ERROR_INVALID_CONTEXT = 201,
  CUDA_ERROR_UNSUPPORTED_LIMIT = 215,
  CUDA_ERROR_PEER_ACCESS_UNSUPPORTED = 217,
  CUDA_ERROR_INVALID_HANDLE = 400,
  CUDA_ERROR_NOT_FOUND = 500,
};
/* CUdevice_attribute numbers answered from the scenario (cuda.h). */
enum {
  ATTR_SM_COUNT = 16,             /* CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT */
  ATTR_COMPUTE_MODE = 20,         /* CU_DEVICE_ATTRIBUTE_COMPUTE_MODE */
  ATTR_PCI_BUS_ID = 33,           /* CU_DEVICE_ATTRIBUTE_PCI_BUS_ID */
  ATTR_PCI_DEVICE_ID = 34,        /* CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID */
  ATTR_PCI_DOMAIN_ID = 50,        /* CU_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID */
  ATTR_CC_MAJOR = 75,             /* CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR */
  ATTR_CC_MINOR = 76,             /* CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR */
  ATTR_BOARD_GROUP_ID = 85,       /* CU_DEVICE_ATTRIBUTE_MULTI_GPU_BOARD_GROUP_ID */
  ATTR_GPU_PCI_DEVICE_ID = 139,   /* CU_DEVICE_ATTRIBUTE_GPU_PCI_DEVICE_ID */
  ATTR_GPU_PCI_SUBSYSTEM_ID = 140 /* CU_DEVICE_ATTRIBUTE_GPU_PCI_SUBSYSTEM_ID */
};
/* H100 SXM5: 132 SMs; its smallest MIG slice (1g.10gb) has 16. */
enum { GPU_SM_COUNT = 132, MIG_SM_COUNT = 16 };

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
  if (getenv("ONGPU_FAKE_TRACE")) fprintf(stderr, "ongpu fake cuda: %s\n", fn);
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
#define ENTER()                          \
  do {                                   \
    int rc_ = enter(__func__, 1);        \
    if (rc_ != CUDA_SUCCESS) return rc_; \
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
  if (getenv("ONGPU_FAKE_TRACE")) fprintf(stderr, "ongpu fake cuda: cuInit\n");
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

/* Values for CUdevice_attribute (CUDA 13.0 cuda.h, enum CUdevice_attribute_enum;
 * the number is the enum value), those of an H100 SXM5 80GB as CUDA 12/13's
 * deviceQuery and cudaGetDeviceProperties report them. Attributes marked
 * ATTR_GPU come from the scenario instead. Numbers 1..147 are the attributes
 * CUDA 13.0 defines (CU_DEVICE_ATTRIBUTE_MAX is 148); anything else is 1. */
enum {
  ATTR_GPU = INT32_MIN, /* placeholder: answered from the GPU's scenario data */
  ATTR_COUNT = 148,     /* CU_DEVICE_ATTRIBUTE_MAX in CUDA 13.0 */
};
static const int kAttrs[ATTR_COUNT] = {
    [1] = 1024,        /* MAX_THREADS_PER_BLOCK */
    [2] = 1024,        /* MAX_BLOCK_DIM_X */
    [3] = 1024,        /* MAX_BLOCK_DIM_Y */
    [4] = 64,          /* MAX_BLOCK_DIM_Z */
    [5] = 2147483647,  /* MAX_GRID_DIM_X */
    [6] = 65535,       /* MAX_GRID_DIM_Y */
    [7] = 65535,       /* MAX_GRID_DIM_Z */
    [8] = 49152,       /* MAX_SHARED_MEMORY_PER_BLOCK */
    [9] = 65536,       /* TOTAL_CONSTANT_MEMORY */
    [10] = 32,         /* WARP_SIZE */
    [11] = 2147483647, /* MAX_PITCH */
    [12] = 65536,      /* MAX_REGISTERS_PER_BLOCK */
    [13] = 1980000,    /* CLOCK_RATE (kHz) */
    [14] = 512,        /* TEXTURE_ALIGNMENT */
    [15] = 1,          /* GPU_OVERLAP */
    [16] = ATTR_GPU,   /* MULTIPROCESSOR_COUNT: 132, 16 for a MIG device */
    [17] = 0,          /* KERNEL_EXEC_TIMEOUT */
    [18] = 0,          /* INTEGRATED */
    [19] = 1,          /* CAN_MAP_HOST_MEMORY */
    [20] = ATTR_GPU,   /* COMPUTE_MODE: compute_mode (CUcomputemode = NVML numbering) */
    [21] = 131072,     /* MAXIMUM_TEXTURE1D_WIDTH */
    [22] = 131072,     /* MAXIMUM_TEXTURE2D_WIDTH */
    [23] = 65536,      /* MAXIMUM_TEXTURE2D_HEIGHT */
    [24] = 16384,      /* MAXIMUM_TEXTURE3D_WIDTH */
    [25] = 16384,      /* MAXIMUM_TEXTURE3D_HEIGHT */
    [26] = 16384,      /* MAXIMUM_TEXTURE3D_DEPTH */
    [27] = 32768,      /* MAXIMUM_TEXTURE2D_LAYERED_WIDTH */
    [28] = 32768,      /* MAXIMUM_TEXTURE2D_LAYERED_HEIGHT */
    [29] = 2048,       /* MAXIMUM_TEXTURE2D_LAYERED_LAYERS */
    [30] = 512,        /* SURFACE_ALIGNMENT */
    [31] = 1,          /* CONCURRENT_KERNELS */
    [32] = 1,          /* ECC_ENABLED */
    [33] = ATTR_GPU,   /* PCI_BUS_ID */
    [34] = ATTR_GPU,   /* PCI_DEVICE_ID (the device number of domain:bus:device) */
    [35] = 0,          /* TCC_DRIVER */
    [36] = 2619000,    /* MEMORY_CLOCK_RATE (kHz) */
    [37] = 5120,       /* GLOBAL_MEMORY_BUS_WIDTH (bits) */
    [38] = 52428800,   /* L2_CACHE_SIZE (50 MiB) */
    [39] = 2048,       /* MAX_THREADS_PER_MULTIPROCESSOR */
    [40] = 3,          /* ASYNC_ENGINE_COUNT */
    [41] = 1,          /* UNIFIED_ADDRESSING */
    [42] = 32768,      /* MAXIMUM_TEXTURE1D_LAYERED_WIDTH */
    [43] = 2048,       /* MAXIMUM_TEXTURE1D_LAYERED_LAYERS */
    [44] = 0,          /* CAN_TEX2D_GATHER (deprecated) */
    [45] = 32768,      /* MAXIMUM_TEXTURE2D_GATHER_WIDTH */
    [46] = 32768,      /* MAXIMUM_TEXTURE2D_GATHER_HEIGHT */
    [47] = 8192,       /* MAXIMUM_TEXTURE3D_WIDTH_ALTERNATE */
    [48] = 8192,       /* MAXIMUM_TEXTURE3D_HEIGHT_ALTERNATE */
    [49] = 32768,      /* MAXIMUM_TEXTURE3D_DEPTH_ALTERNATE */
    [50] = ATTR_GPU,   /* PCI_DOMAIN_ID */
    [51] = 32,         /* TEXTURE_PITCH_ALIGNMENT */
    [52] = 32768,      /* MAXIMUM_TEXTURECUBEMAP_WIDTH */
    [53] = 32768,      /* MAXIMUM_TEXTURECUBEMAP_LAYERED_WIDTH */
    [54] = 2046,       /* MAXIMUM_TEXTURECUBEMAP_LAYERED_LAYERS */
    [55] = 32768,      /* MAXIMUM_SURFACE1D_WIDTH */
    [56] = 131072,     /* MAXIMUM_SURFACE2D_WIDTH */
    [57] = 65536,      /* MAXIMUM_SURFACE2D_HEIGHT */
    [58] = 16384,      /* MAXIMUM_SURFACE3D_WIDTH */
    [59] = 16384,      /* MAXIMUM_SURFACE3D_HEIGHT */
    [60] = 16384,      /* MAXIMUM_SURFACE3D_DEPTH */
    [61] = 32768,      /* MAXIMUM_SURFACE1D_LAYERED_WIDTH */
    [62] = 2048,       /* MAXIMUM_SURFACE1D_LAYERED_LAYERS */
    [63] = 32768,      /* MAXIMUM_SURFACE2D_LAYERED_WIDTH */
    [64] = 32768,      /* MAXIMUM_SURFACE2D_LAYERED_HEIGHT */
    [65] = 2048,       /* MAXIMUM_SURFACE2D_LAYERED_LAYERS */
    [66] = 32768,      /* MAXIMUM_SURFACECUBEMAP_WIDTH */
    [67] = 32768,      /* MAXIMUM_SURFACECUBEMAP_LAYERED_WIDTH */
    [68] = 2046,       /* MAXIMUM_SURFACECUBEMAP_LAYERED_LAYERS */
    [69] = 268435456,  /* MAXIMUM_TEXTURE1D_LINEAR_WIDTH (deprecated) */
    [70] = 131072,     /* MAXIMUM_TEXTURE2D_LINEAR_WIDTH */
    [71] = 65000,      /* MAXIMUM_TEXTURE2D_LINEAR_HEIGHT */
    [72] = 2097120,    /* MAXIMUM_TEXTURE2D_LINEAR_PITCH */
    [73] = 32768,      /* MAXIMUM_TEXTURE2D_MIPMAPPED_WIDTH */
    [74] = 32768,      /* MAXIMUM_TEXTURE2D_MIPMAPPED_HEIGHT */
    [75] = ATTR_GPU,   /* COMPUTE_CAPABILITY_MAJOR: cc */
    [76] = ATTR_GPU,   /* COMPUTE_CAPABILITY_MINOR: cc */
    [77] = 32768,      /* MAXIMUM_TEXTURE1D_MIPMAPPED_WIDTH */
    [78] = 1,          /* STREAM_PRIORITIES_SUPPORTED */
    [79] = 1,          /* GLOBAL_L1_CACHE_SUPPORTED */
    [80] = 1,          /* LOCAL_L1_CACHE_SUPPORTED */
    [81] = 233472,     /* MAX_SHARED_MEMORY_PER_MULTIPROCESSOR (228 KiB) */
    [82] = 65536,      /* MAX_REGISTERS_PER_MULTIPROCESSOR */
    [83] = 1,          /* MANAGED_MEMORY */
    [84] = 0,          /* MULTI_GPU_BOARD */
    [85] = ATTR_GPU,   /* MULTI_GPU_BOARD_GROUP_ID: the NVML index */
    [86] = 0,          /* HOST_NATIVE_ATOMIC_SUPPORTED */
    [87] = 2,          /* SINGLE_TO_DOUBLE_PRECISION_PERF_RATIO */
    [88] = 0,          /* PAGEABLE_MEMORY_ACCESS */
    [89] = 1,          /* CONCURRENT_MANAGED_ACCESS */
    [90] = 1,          /* COMPUTE_PREEMPTION_SUPPORTED */
    [91] = 0,          /* CAN_USE_HOST_POINTER_FOR_REGISTERED_MEM */
    [92] = 0,          /* CAN_USE_STREAM_MEM_OPS_V1 (deprecated) */
    [93] = 0,          /* CAN_USE_64_BIT_STREAM_MEM_OPS_V1 (deprecated) */
    [94] = 0,          /* CAN_USE_STREAM_WAIT_VALUE_NOR_V1 (deprecated) */
    [95] = 1,          /* COOPERATIVE_LAUNCH */
    [96] = 1,          /* COOPERATIVE_MULTI_DEVICE_LAUNCH */
    [97] = 232448,     /* MAX_SHARED_MEMORY_PER_BLOCK_OPTIN (227 KiB) */
    [98] = 0,          /* CAN_FLUSH_REMOTE_WRITES */
    [99] = 1,          /* HOST_REGISTER_SUPPORTED */
    [100] = 0,         /* PAGEABLE_MEMORY_ACCESS_USES_HOST_PAGE_TABLES */
    [101] = 0,         /* DIRECT_MANAGED_MEM_ACCESS_FROM_HOST */
    [102] = 1,         /* VIRTUAL_MEMORY_MANAGEMENT_SUPPORTED */
    [103] = 1,         /* HANDLE_TYPE_POSIX_FILE_DESCRIPTOR_SUPPORTED */
    [104] = 0,         /* HANDLE_TYPE_WIN32_HANDLE_SUPPORTED */
    [105] = 0,         /* HANDLE_TYPE_WIN32_KMT_HANDLE_SUPPORTED */
    [106] = 32,        /* MAX_BLOCKS_PER_MULTIPROCESSOR */
    [107] = 1,         /* GENERIC_COMPRESSION_SUPPORTED */
    [108] = 34078720,  /* MAX_PERSISTING_L2_CACHE_SIZE */
    [109] = 134213632, /* MAX_ACCESS_POLICY_WINDOW_SIZE */
    [110] = 1,         /* GPU_DIRECT_RDMA_WITH_CUDA_VMM_SUPPORTED */
    [111] = 1024,      /* RESERVED_SHARED_MEMORY_PER_BLOCK */
    [112] = 1,         /* SPARSE_CUDA_ARRAY_SUPPORTED */
    [113] = 1,         /* READ_ONLY_HOST_REGISTER_SUPPORTED */
    [114] = 1,         /* TIMELINE_SEMAPHORE_INTEROP_SUPPORTED */
    [115] = 1,         /* MEMORY_POOLS_SUPPORTED */
    [116] = 1,         /* GPU_DIRECT_RDMA_SUPPORTED */
    [117] = 1,         /* GPU_DIRECT_RDMA_FLUSH_WRITES_OPTIONS (HOST) */
    [118] = 100,       /* GPU_DIRECT_RDMA_WRITES_ORDERING (OWNER) */
    [119] = 1,         /* MEMPOOL_SUPPORTED_HANDLE_TYPES (POSIX fd) */
    [120] = 1,         /* CLUSTER_LAUNCH */
    [121] = 1,         /* DEFERRED_MAPPING_CUDA_ARRAY_SUPPORTED */
    [122] = 1,         /* CAN_USE_64_BIT_STREAM_MEM_OPS */
    [123] = 1,         /* CAN_USE_STREAM_WAIT_VALUE_NOR */
    [124] = 1,         /* DMA_BUF_SUPPORTED */
    [125] = 1,         /* IPC_EVENT_SUPPORTED */
    [126] = 4,         /* MEM_SYNC_DOMAIN_COUNT */
    [127] = 1,         /* TENSOR_MAP_ACCESS_SUPPORTED */
    [128] = 0,         /* HANDLE_TYPE_FABRIC_SUPPORTED */
    [129] = 0,         /* UNIFIED_FUNCTION_POINTERS */
    [130] = 0,         /* NUMA_CONFIG (NONE) */
    [131] = -1,        /* NUMA_ID */
    [132] = 0,         /* MULTICAST_SUPPORTED */
    [133] = 0,         /* MPS_ENABLED */
    [134] = 0,         /* HOST_NUMA_ID */
    [135] = 0,         /* D3D12_CIG_SUPPORTED */
    [136] = 0,         /* MEM_DECOMPRESS_ALGORITHM_MASK */
    [137] = 0,         /* MEM_DECOMPRESS_MAXIMUM_LENGTH */
    [138] = 0,         /* VULKAN_CIG_SUPPORTED */
    [139] = ATTR_GPU,  /* GPU_PCI_DEVICE_ID: pci_device_id (device << 16 | vendor) */
    [140] = ATTR_GPU,  /* GPU_PCI_SUBSYSTEM_ID */
    [141] = 0,         /* HOST_NUMA_VIRTUAL_MEMORY_MANAGEMENT_SUPPORTED */
    [142] = 0,         /* HOST_NUMA_MEMORY_POOLS_SUPPORTED */
    [143] = 0,         /* HOST_NUMA_MULTINODE_IPC_SUPPORTED */
    [144] = 0,         /* HOST_MEMORY_POOLS_SUPPORTED */
    [145] = 0,         /* HOST_VIRTUAL_MEMORY_MANAGEMENT_SUPPORTED */
    [146] = 0,         /* HOST_ALLOC_DMA_BUF_SUPPORTED */
    [147] = 0,         /* ONLY_PARTIAL_HOST_NATIVE_ATOMIC_SUPPORTED */
};

FAKE_EXPORT int cuDeviceGetAttribute(int* v, int attrib, int dev) {
  ENTER();
  const struct fake_gpu* g;
  struct fake_gpu scratch;
  int mig;
  int rc = lookup(dev, &g, &scratch, &mig);
  if (rc != CUDA_SUCCESS) return rc;
  if (!v) return CUDA_ERROR_INVALID_VALUE;
  if (attrib <= 0 || attrib >= ATTR_COUNT) return CUDA_ERROR_INVALID_VALUE;
  int value = kAttrs[attrib];
  if (value == ATTR_GPU) {
    pthread_mutex_lock(&g_mu);
    unsigned nvml_index = g_devs[dev].gpu;
    pthread_mutex_unlock(&g_mu);
    switch (attrib) {
      case ATTR_SM_COUNT:
        value = mig >= 0 ? MIG_SM_COUNT : GPU_SM_COUNT;
        break;
      case ATTR_COMPUTE_MODE:
        value = g->compute_mode;
        break;
      case ATTR_PCI_BUS_ID:
        value = (int)g->pci_bus;
        break;
      case ATTR_PCI_DEVICE_ID:
        value = (int)g->pci_device;
        break;
      case ATTR_PCI_DOMAIN_ID:
        value = (int)g->pci_domain;
        break;
      case ATTR_CC_MAJOR:
        value = g->cc_major;
        break;
      case ATTR_CC_MINOR:
        value = g->cc_minor;
        break;
      case ATTR_BOARD_GROUP_ID:
        value = (int)nvml_index;
        break;
      case ATTR_GPU_PCI_DEVICE_ID:
        value = (int)g->pci_device_id;
        break;
      case ATTR_GPU_PCI_SUBSYSTEM_ID:
        value = (int)g->pci_subsystem_id;
        break;
      default:
        value = 0;
        break;
    }
  }
  *v = value;
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

/* ---- contexts -------------------------------------------------------------- */

/* A CUcontext points at one of these: g_primary[dev] for the primary context
 * of device ordinal dev, or a heap object from cuCtxCreate (on g_created until
 * cuCtxDestroy). Each thread has its own context stack (t_stack), as in CUDA. */
enum { LIMIT_COUNT = 10 }; /* CUlimit values 0..9 (CU_LIMIT_MAX in CUDA 13.0) */
struct cu_ctx {
  int dev;
  int primary;
  unsigned flags;
  size_t limits[LIMIT_COUNT];
  struct cu_ctx* next;
};
static struct cu_ctx g_primary[CUDA_MAX_DEVS];
static int g_primary_refs[CUDA_MAX_DEVS];
static unsigned g_primary_flags[CUDA_MAX_DEVS];
static struct cu_ctx* g_created;

#define CTX_STACK_MAX 64
static _Thread_local struct cu_ctx* t_stack[CTX_STACK_MAX];
static _Thread_local int t_depth;

/* Defaults of cuCtxGetLimit (CUlimit, cuda.h): stack 1 KiB, printf FIFO 1 MiB,
 * malloc heap 8 MiB, sync depth 2, pending launches 2048, L2 fetch 64 B, the
 * rest 0. */
static void ctx_init(struct cu_ctx* c, int dev, int primary, unsigned flags) {
  static const size_t kLimits[LIMIT_COUNT] = {1024, 1048576, 8388608, 2, 2048, 64, 0, 0, 0, 0};
  c->dev = dev;
  c->primary = primary;
  c->flags = flags;
  memcpy(c->limits, kLimits, sizeof kLimits);
}

/* The context behind a CUcontext handle, or NULL. Call with g_mu held. */
static struct cu_ctx* ctx_lookup_locked(const void* h) {
  uintptr_t p = (uintptr_t)h, base = (uintptr_t)g_primary;
  if (p >= base && p < base + sizeof g_primary && (p - base) % sizeof g_primary[0] == 0)
    return &g_primary[(p - base) / sizeof g_primary[0]];
  for (struct cu_ctx* c = g_created; c; c = c->next)
    if ((uintptr_t)c == p) return c;
  return NULL;
}
static struct cu_ctx* ctx_lookup(const void* h) {
  pthread_mutex_lock(&g_mu);
  struct cu_ctx* c = ctx_lookup_locked(h);
  pthread_mutex_unlock(&g_mu);
  return c;
}

static struct cu_ctx* current_ctx(void) { return t_depth > 0 ? t_stack[t_depth - 1] : NULL; }

static void registry_note(int dev, int new_context); /* the context registry, below */

/* The device ordinal of the calling thread's current context. */
static int current_dev(int* dev) {
  struct cu_ctx* c = current_ctx();
  if (!c) return CUDA_ERROR_INVALID_CONTEXT;
  *dev = c->dev;
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
  if (g_primary_refs[dev]++ == 0) ctx_init(&g_primary[dev], dev, 1, g_primary_flags[dev]);
  pthread_mutex_unlock(&g_mu);
  *ctx = &g_primary[dev];
  registry_note(dev, 1);
  return CUDA_SUCCESS;
}

static int primary_release(int dev) {
  const struct fake_gpu* g;
  struct fake_gpu scratch;
  int mig;
  int rc = lookup(dev, &g, &scratch, &mig);
  if (rc != CUDA_SUCCESS) return rc;
  pthread_mutex_lock(&g_mu);
  if (g_primary_refs[dev] == 0) {
    rc = CUDA_ERROR_INVALID_CONTEXT;
  } else {
    g_primary_refs[dev]--;
  }
  pthread_mutex_unlock(&g_mu);
  return rc;
}
FAKE_EXPORT int cuDevicePrimaryCtxRelease_v2(int dev) {
  ENTER();
  return primary_release(dev);
}
FAKE_EXPORT int cuDevicePrimaryCtxRelease(int dev) {
  ENTER();
  return primary_release(dev);
}

FAKE_EXPORT int cuDevicePrimaryCtxGetState(int dev, unsigned* flags, int* active) {
  ENTER();
  const struct fake_gpu* g;
  struct fake_gpu scratch;
  int mig;
  int rc = lookup(dev, &g, &scratch, &mig);
  if (rc != CUDA_SUCCESS) return rc;
  if (!flags || !active) return CUDA_ERROR_INVALID_VALUE;
  pthread_mutex_lock(&g_mu);
  *flags = g_primary_flags[dev];
  *active = g_primary_refs[dev] > 0;
  pthread_mutex_unlock(&g_mu);
  return CUDA_SUCCESS;
}

/* CUctx_flags a context may be created with: SCHED_* (0x07), MAP_HOST (0x08),
 * LMEM_RESIZE_TO_MAX (0x10), COREDUMP_ENABLE (0x20), USER_COREDUMP_ENABLE
 * (0x40), SYNC_MEMOPS (0x80). */
#define CTX_FLAGS_VALID 0xffu

static int primary_set_flags(int dev, unsigned flags) {
  const struct fake_gpu* g;
  struct fake_gpu scratch;
  int mig;
  int rc = lookup(dev, &g, &scratch, &mig);
  if (rc != CUDA_SUCCESS) return rc;
  if (flags & ~CTX_FLAGS_VALID) return CUDA_ERROR_INVALID_VALUE;
  pthread_mutex_lock(&g_mu);
  g_primary_flags[dev] = flags;
  g_primary[dev].flags = flags;
  pthread_mutex_unlock(&g_mu);
  return CUDA_SUCCESS;
}
FAKE_EXPORT int cuDevicePrimaryCtxSetFlags_v2(int dev, unsigned flags) {
  ENTER();
  return primary_set_flags(dev, flags);
}
FAKE_EXPORT int cuDevicePrimaryCtxSetFlags(int dev, unsigned flags) {
  ENTER();
  return primary_set_flags(dev, flags);
}

/* Resets the primary context's flags; the references stay. */
static int primary_reset(int dev) {
  const struct fake_gpu* g;
  struct fake_gpu scratch;
  int mig;
  int rc = lookup(dev, &g, &scratch, &mig);
  if (rc != CUDA_SUCCESS) return rc;
  pthread_mutex_lock(&g_mu);
  g_primary_flags[dev] = 0;
  ctx_init(&g_primary[dev], dev, 1, 0);
  pthread_mutex_unlock(&g_mu);
  return CUDA_SUCCESS;
}
FAKE_EXPORT int cuDevicePrimaryCtxReset_v2(int dev) {
  ENTER();
  return primary_reset(dev);
}
FAKE_EXPORT int cuDevicePrimaryCtxReset(int dev) {
  ENTER();
  return primary_reset(dev);
}

static int ctx_create(void** pctx, unsigned flags, int dev) {
  const struct fake_gpu* g;
  struct fake_gpu scratch;
  int mig;
  if (!pctx) return CUDA_ERROR_INVALID_VALUE;
  int rc = lookup(dev, &g, &scratch, &mig);
  if (rc != CUDA_SUCCESS) return rc;
  if (flags & ~CTX_FLAGS_VALID) return CUDA_ERROR_INVALID_VALUE;
  if (t_depth == CTX_STACK_MAX) return CUDA_ERROR_INVALID_VALUE;
  rc = act(&g->context);
  if (rc != CUDA_SUCCESS) return rc;
  struct cu_ctx* c = calloc(1, sizeof *c);
  if (!c) return CUDA_ERROR_OUT_OF_MEMORY;
  ctx_init(c, dev, 0, flags);
  pthread_mutex_lock(&g_mu);
  c->next = g_created;
  g_created = c;
  pthread_mutex_unlock(&g_mu);
  t_stack[t_depth++] = c;
  *pctx = c;
  registry_note(dev, 1);
  return CUDA_SUCCESS;
}
FAKE_EXPORT int cuCtxCreate_v2(void** pctx, unsigned flags, int dev) {
  ENTER();
  return ctx_create(pctx, flags, dev);
}
FAKE_EXPORT int cuCtxCreate(void** pctx, unsigned flags, int dev) {
  ENTER();
  return ctx_create(pctx, flags, dev);
}
/* The execution-affinity parameters (v3) and CUctxCreateParams (v4) are
 * accepted and ignored. */
FAKE_EXPORT int cuCtxCreate_v3(void** pctx, void* params, int n, unsigned flags, int dev) {
  ENTER();
  if (n < 0 || (n > 0 && !params)) return CUDA_ERROR_INVALID_VALUE;
  return ctx_create(pctx, flags, dev);
}
FAKE_EXPORT int cuCtxCreate_v4(void** pctx, void* params, unsigned flags, int dev) {
  ENTER();
  (void)params;
  return ctx_create(pctx, flags, dev);
}

static int ctx_destroy(void* h) {
  pthread_mutex_lock(&g_mu);
  struct cu_ctx* c = ctx_lookup_locked(h);
  if (!c || c->primary) {
    pthread_mutex_unlock(&g_mu);
    return CUDA_ERROR_INVALID_CONTEXT;
  }
  for (struct cu_ctx** p = &g_created; *p; p = &(*p)->next)
    if (*p == c) {
      *p = c->next;
      break;
    }
  pthread_mutex_unlock(&g_mu);
  int n = 0; /* drop it from this thread's stack */
  for (int i = 0; i < t_depth; i++)
    if (t_stack[i] != c) t_stack[n++] = t_stack[i];
  t_depth = n;
  free(c);
  return CUDA_SUCCESS;
}
FAKE_EXPORT int cuCtxDestroy_v2(void* ctx) {
  ENTER();
  return ctx_destroy(ctx);
}
FAKE_EXPORT int cuCtxDestroy(void* ctx) {
  ENTER();
  return ctx_destroy(ctx);
}

FAKE_EXPORT int cuCtxGetCurrent(void** pctx) {
  ENTER();
  if (!pctx) return CUDA_ERROR_INVALID_VALUE;
  *pctx = current_ctx();
  return CUDA_SUCCESS;
}

/* NULL pops the stack (no-op when empty); otherwise replaces its top (or
 * pushes onto an empty stack). */
FAKE_EXPORT int cuCtxSetCurrent(void* ctx) {
  ENTER();
  if (!ctx) {
    if (t_depth > 0) t_depth--;
    return CUDA_SUCCESS;
  }
  struct cu_ctx* c = ctx_lookup(ctx);
  if (!c) return CUDA_ERROR_INVALID_CONTEXT;
  if (t_depth == 0) t_depth = 1;
  t_stack[t_depth - 1] = c;
  return CUDA_SUCCESS;
}

static int ctx_push(void* ctx) {
  struct cu_ctx* c = ctx ? ctx_lookup(ctx) : NULL;
  if (!c) return CUDA_ERROR_INVALID_CONTEXT;
  if (t_depth == CTX_STACK_MAX) return CUDA_ERROR_INVALID_VALUE;
  t_stack[t_depth++] = c;
  return CUDA_SUCCESS;
}
FAKE_EXPORT int cuCtxPushCurrent_v2(void* ctx) {
  ENTER();
  return ctx_push(ctx);
}
FAKE_EXPORT int cuCtxPushCurrent(void* ctx) {
  ENTER();
  return ctx_push(ctx);
}

static int ctx_pop(void** pctx) {
  if (t_depth == 0) return CUDA_ERROR_INVALID_CONTEXT;
  t_depth--;
  if (pctx) *pctx = t_stack[t_depth];
  return CUDA_SUCCESS;
}
FAKE_EXPORT int cuCtxPopCurrent_v2(void** pctx) {
  ENTER();
  return ctx_pop(pctx);
}
FAKE_EXPORT int cuCtxPopCurrent(void** pctx) {
  ENTER();
  return ctx_pop(pctx);
}

FAKE_EXPORT int cuCtxGetDevice(int* dev) {
  ENTER();
  if (!dev) return CUDA_ERROR_INVALID_VALUE;
  return current_dev(dev);
}

FAKE_EXPORT int cuCtxSynchronize(void) {
  ENTER();
  return current_ctx() ? CUDA_SUCCESS : CUDA_ERROR_INVALID_CONTEXT;
}

FAKE_EXPORT int cuCtxGetFlags(unsigned* flags) {
  ENTER();
  if (!flags) return CUDA_ERROR_INVALID_VALUE;
  struct cu_ctx* c = current_ctx();
  if (!c) return CUDA_ERROR_INVALID_CONTEXT;
  *flags = c->flags;
  return CUDA_SUCCESS;
}

/* 3020: the context API version of every context since CUDA 3.2. */
FAKE_EXPORT int cuCtxGetApiVersion(void* ctx, unsigned* version) {
  ENTER();
  if (!version) return CUDA_ERROR_INVALID_VALUE;
  if (ctx ? !ctx_lookup(ctx) : !current_ctx()) return CUDA_ERROR_INVALID_CONTEXT;
  *version = 3020;
  return CUDA_SUCCESS;
}

FAKE_EXPORT int cuCtxGetLimit(size_t* value, int limit) {
  ENTER();
  if (!value || limit < 0 || limit >= LIMIT_COUNT) return CUDA_ERROR_INVALID_VALUE;
  struct cu_ctx* c = current_ctx();
  if (!c) return CUDA_ERROR_INVALID_CONTEXT;
  pthread_mutex_lock(&g_mu);
  *value = c->limits[limit];
  pthread_mutex_unlock(&g_mu);
  return CUDA_SUCCESS;
}

/* Limits 7 and 8 (SHMEM_SIZE, CIG_ENABLED) can only be queried. */
FAKE_EXPORT int cuCtxSetLimit(int limit, size_t value) {
  ENTER();
  if (limit < 0 || limit >= LIMIT_COUNT) return CUDA_ERROR_INVALID_VALUE;
  if (limit == 7 || limit == 8) return CUDA_ERROR_UNSUPPORTED_LIMIT;
  struct cu_ctx* c = current_ctx();
  if (!c) return CUDA_ERROR_INVALID_CONTEXT;
  pthread_mutex_lock(&g_mu);
  c->limits[limit] = value;
  pthread_mutex_unlock(&g_mu);
  return CUDA_SUCCESS;
}

/* Stream priorities on Hopper: 0 (least) to -5 (greatest). */
FAKE_EXPORT int cuCtxGetStreamPriorityRange(int* least, int* greatest) {
  ENTER();
  if (least) *least = 0;
  if (greatest) *greatest = -5;
  return CUDA_SUCCESS;
}

/* ---- peers --------------------------------------------------------------- */

/* Any two distinct whole GPUs can access each other (NVLink, as in an HGX
 * H100); MIG devices have no peer access. */
static int peer_check(int dev, int peer, int* can) {
  const struct fake_gpu *g1, *g2;
  struct fake_gpu s1, s2;
  int mig1, mig2;
  int rc = lookup(dev, &g1, &s1, &mig1);
  if (rc == CUDA_SUCCESS) rc = lookup(peer, &g2, &s2, &mig2);
  if (rc != CUDA_SUCCESS) return rc;
  *can = dev != peer && mig1 < 0 && mig2 < 0;
  return CUDA_SUCCESS;
}

FAKE_EXPORT int cuDeviceCanAccessPeer(int* can, int dev, int peer) {
  ENTER();
  int c;
  int rc = peer_check(dev, peer, &c);
  if (rc != CUDA_SUCCESS) return rc;
  if (!can) return CUDA_ERROR_INVALID_VALUE;
  *can = c;
  return CUDA_SUCCESS;
}

/* CUdevice_P2PAttribute: 1 PERFORMANCE_RANK (0), 2 ACCESS_SUPPORTED, 3
 * NATIVE_ATOMIC_SUPPORTED, 4 CUDA_ARRAY_ACCESS_SUPPORTED (all three as
 * cuDeviceCanAccessPeer), 5 ONLY_PARTIAL_NATIVE_ATOMIC_SUPPORTED (0). */
FAKE_EXPORT int cuDeviceGetP2PAttribute(int* value, int attrib, int src, int dst) {
  ENTER();
  int c;
  int rc = peer_check(src, dst, &c);
  if (rc != CUDA_SUCCESS) return rc;
  if (src == dst) return CUDA_ERROR_INVALID_DEVICE;
  if (!value || attrib < 1 || attrib > 5) return CUDA_ERROR_INVALID_VALUE;
  *value = (attrib >= 2 && attrib <= 4) ? c : 0;
  return CUDA_SUCCESS;
}

FAKE_EXPORT int cuCtxEnablePeerAccess(void* peer_ctx, unsigned flags) {
  ENTER();
  if (flags != 0) return CUDA_ERROR_INVALID_VALUE;
  struct cu_ctx* cur = current_ctx();
  struct cu_ctx* peer = peer_ctx ? ctx_lookup(peer_ctx) : NULL;
  if (!cur || !peer) return CUDA_ERROR_INVALID_CONTEXT;
  int can;
  int rc = peer_check(cur->dev, peer->dev, &can);
  if (rc != CUDA_SUCCESS) return rc;
  return can ? CUDA_SUCCESS : CUDA_ERROR_PEER_ACCESS_UNSUPPORTED;
}

FAKE_EXPORT int cuCtxDisablePeerAccess(void* peer_ctx) {
  ENTER();
  if (!current_ctx() || !peer_ctx || !ctx_lookup(peer_ctx)) return CUDA_ERROR_INVALID_CONTEXT;
  return CUDA_SUCCESS;
}

/* ---- memory -------------------------------------------------------------- */

/* Device memory is address space only: cuMemAlloc reserves the size with
 * mmap(PROT_NONE, MAP_NORESERVE), so pointers are unique and aligned, nothing
 * is committed, and a host access faults as a device pointer would. Page-
 * locked host memory (cuMemAllocHost/cuMemHostAlloc) is ordinary readable and
 * writable memory. */
struct cu_alloc {
  uintptr_t ptr;
  size_t size;
  int dev;
  int host;
  struct cu_alloc* next;
};
static struct cu_alloc* g_allocs;
static unsigned long long g_allocated[CUDA_MAX_DEVS]; /* device bytes per ordinal */

/* Total and free bytes of device ordinal dev. A MIG device gets a seventh of
 * the GPU's total and used memory. */
static int mem_info(int dev, unsigned long long* free_bytes, unsigned long long* total) {
  const struct fake_gpu* g;
  struct fake_gpu scratch;
  int mig;
  int rc = lookup(dev, &g, &scratch, &mig);
  if (rc != CUDA_SUCCESS) return rc;
  unsigned long long t = g->memory_total, used = g->memory_used;
  if (mig >= 0) {
    t /= FAKE_MAX_MIG;
    used /= FAKE_MAX_MIG;
  }
  pthread_mutex_lock(&g_mu);
  unsigned long long taken = used + g_allocated[dev];
  pthread_mutex_unlock(&g_mu);
  if (taken < used) taken = t; /* overflow */
  *total = t;
  *free_bytes = taken >= t ? 0 : t - taken;
  return CUDA_SUCCESS;
}

FAKE_EXPORT int cuMemGetInfo_v2(size_t* free_bytes, size_t* total) {
  ENTER();
  if (!free_bytes || !total) return CUDA_ERROR_INVALID_VALUE;
  int dev;
  int rc = current_dev(&dev);
  if (rc != CUDA_SUCCESS) return rc;
  unsigned long long f, t;
  rc = mem_info(dev, &f, &t);
  if (rc != CUDA_SUCCESS) return rc;
  *free_bytes = (size_t)f;
  *total = (size_t)t;
  return CUDA_SUCCESS;
}

static int alloc(int dev, int host, size_t size, uintptr_t* out) {
  void* p = mmap(NULL, size, host ? PROT_READ | PROT_WRITE : PROT_NONE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return CUDA_ERROR_OUT_OF_MEMORY;
  struct cu_alloc* a = calloc(1, sizeof *a);
  if (!a) {
    munmap(p, size);
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  a->ptr = (uintptr_t)p;
  a->size = size;
  a->dev = dev;
  a->host = host;
  pthread_mutex_lock(&g_mu);
  a->next = g_allocs;
  g_allocs = a;
  if (!host) g_allocated[dev] += size;
  pthread_mutex_unlock(&g_mu);
  *out = a->ptr;
  return CUDA_SUCCESS;
}

/* Frees the allocation that starts at ptr (of the given kind); *dev is the
 * device ordinal it was on. */
static int release(uintptr_t ptr, int host, int* dev) {
  pthread_mutex_lock(&g_mu);
  struct cu_alloc* a = NULL;
  for (struct cu_alloc** p = &g_allocs; *p; p = &(*p)->next)
    if ((*p)->ptr == ptr && (*p)->host == host) {
      a = *p;
      *p = a->next;
      if (!host) g_allocated[a->dev] -= a->size;
      break;
    }
  pthread_mutex_unlock(&g_mu);
  if (!a) return CUDA_ERROR_INVALID_VALUE;
  *dev = a->dev;
  munmap((void*)a->ptr, a->size);
  free(a);
  return CUDA_SUCCESS;
}

/* The allocation containing [ptr, ptr+1), or NULL. Call with g_mu held. */
static struct cu_alloc* find_alloc_locked(uintptr_t ptr) {
  for (struct cu_alloc* a = g_allocs; a; a = a->next)
    if (ptr >= a->ptr && ptr - a->ptr < a->size) return a;
  return NULL;
}

FAKE_EXPORT int cuMemAlloc_v2(unsigned long long* dptr, size_t size) {
  ENTER();
  if (!dptr || size == 0) return CUDA_ERROR_INVALID_VALUE;
  int dev;
  int rc = current_dev(&dev);
  if (rc != CUDA_SUCCESS) return rc;
  unsigned long long f, t;
  rc = mem_info(dev, &f, &t);
  if (rc != CUDA_SUCCESS) return rc;
  if (size > f) return CUDA_ERROR_OUT_OF_MEMORY;
  uintptr_t p;
  rc = alloc(dev, 0, size, &p);
  if (rc != CUDA_SUCCESS) return rc;
  *dptr = p;
  registry_note(dev, 0);
  return CUDA_SUCCESS;
}

FAKE_EXPORT int cuMemFree_v2(unsigned long long dptr) {
  ENTER();
  if (dptr == 0) return CUDA_SUCCESS;
  int dev;
  int rc = release((uintptr_t)dptr, 0, &dev);
  if (rc == CUDA_SUCCESS) registry_note(dev, 0);
  return rc;
}

FAKE_EXPORT int cuMemGetAddressRange_v2(unsigned long long* base, size_t* size,
                                        unsigned long long dptr) {
  ENTER();
  pthread_mutex_lock(&g_mu);
  struct cu_alloc* a = find_alloc_locked((uintptr_t)dptr);
  uintptr_t b = a ? a->ptr : 0;
  size_t s = a ? a->size : 0;
  int host = a ? a->host : 0;
  pthread_mutex_unlock(&g_mu);
  if (!a || host) return CUDA_ERROR_NOT_FOUND;
  if (base) *base = b;
  if (size) *size = s;
  return CUDA_SUCCESS;
}

static int host_alloc(void** pp, size_t size) {
  if (!pp || size == 0) return CUDA_ERROR_INVALID_VALUE;
  int dev;
  int rc = current_dev(&dev);
  if (rc != CUDA_SUCCESS) return rc;
  uintptr_t p;
  rc = alloc(dev, 1, size, &p);
  if (rc == CUDA_SUCCESS) *pp = (void*)p;
  return rc;
}
FAKE_EXPORT int cuMemAllocHost_v2(void** pp, size_t size) {
  ENTER();
  return host_alloc(pp, size);
}
/* CU_MEMHOSTALLOC_PORTABLE 1, DEVICEMAP 2, WRITECOMBINED 4 */
FAKE_EXPORT int cuMemHostAlloc(void** pp, size_t size, unsigned flags) {
  ENTER();
  if (flags & ~7u) return CUDA_ERROR_INVALID_VALUE;
  return host_alloc(pp, size);
}
FAKE_EXPORT int cuMemFreeHost(void* p) {
  ENTER();
  int dev;
  return release((uintptr_t)p, 1, &dev);
}

/* ---- context registry ------------------------------------------------------ */

/* With context_registry set, this library plays the part of the driver's
 * process accounting, which NVML reads (README.md): when the process first
 * gets a context on a device, and after every cuMemAlloc_v2/cuMemFree_v2, it
 * appends "<pid> <nvml index> <bytes>\n" -- the process's memory on that
 * physical GPU now: the GPU's context_bytes plus what cuMemAlloc_v2 holds
 * there. One write() on an O_APPEND descriptor per line, so lines of
 * concurrent processes never mix, and the last line per (pid, GPU) is the
 * current value; g_registry_mu keeps this process's lines in the order of
 * the changes they describe. Errors are ignored: the registry never makes a
 * CUDA call fail. */
static pthread_mutex_t g_registry_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned char g_has_context[CUDA_MAX_DEVS]; /* per ordinal, under g_mu */

/* dev: a valid ordinal. new_context: a context was made; only the first one
 * on a device changes what the process holds there. */
static void registry_note(int dev, int new_context) {
  const char* path = fake_scenario()->context_registry;
  if (*path == '\0') return;
  int saved_errno = errno;
  pthread_mutex_lock(&g_registry_mu);
  pthread_mutex_lock(&g_mu);
  int changed = !new_context || !g_has_context[dev];
  g_has_context[dev] = 1;
  unsigned gpu = g_devs[dev].gpu; /* a MIG device's is its parent GPU */
  unsigned long long held = 0;
  for (int d = 0; d < g_ndev; d++)
    if (g_devs[d].gpu == gpu) held += g_allocated[d];
  pthread_mutex_unlock(&g_mu);
  if (changed) {
    struct fake_gpu scratch;
    unsigned long long bytes = fake_gpu(gpu, &scratch)->context_bytes + held;
    if (bytes < held) bytes = ~0ULL; /* overflow */
    char line[96];
    int n = snprintf(line, sizeof line, "%ld %u %llu\n", (long)getpid(), gpu, bytes);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) {
      ssize_t w = write(fd, line, (size_t)n);
      (void)w;
      close(fd);
    }
  }
  pthread_mutex_unlock(&g_registry_mu);
  errno = saved_errno;
}

/* Unified addressing: the device pointer of page-locked host memory is the
 * host pointer. */
FAKE_EXPORT int cuMemHostGetDevicePointer_v2(unsigned long long* dptr, void* p, unsigned flags) {
  ENTER();
  if (!dptr || flags != 0) return CUDA_ERROR_INVALID_VALUE;
  pthread_mutex_lock(&g_mu);
  struct cu_alloc* a = find_alloc_locked((uintptr_t)p);
  int ok = a && a->host;
  pthread_mutex_unlock(&g_mu);
  if (!ok) return CUDA_ERROR_INVALID_VALUE;
  *dptr = (uintptr_t)p;
  return CUDA_SUCCESS;
}

/* CU_MEMHOSTREGISTER_* flags 0x01..0x08 (PORTABLE, DEVICEMAP, IOMEMORY, READ_ONLY). */
FAKE_EXPORT int cuMemHostRegister_v2(void* p, size_t size, unsigned flags) {
  ENTER();
  if (!p || size == 0 || (flags & ~0xfu)) return CUDA_ERROR_INVALID_VALUE;
  return current_ctx() ? CUDA_SUCCESS : CUDA_ERROR_INVALID_CONTEXT;
}
FAKE_EXPORT int cuMemHostUnregister(void* p) {
  ENTER();
  if (!p) return CUDA_ERROR_INVALID_VALUE;
  return CUDA_SUCCESS;
}

/* ---- streams and events --------------------------------------------------- */

/* Work completes when it is submitted: streams and events are always idle. */
enum { OBJ_STREAM = 1, OBJ_EVENT = 2 };
struct cu_obj {
  int kind;
  int dev;
  unsigned flags;
  int priority;
  struct cu_obj* next;
};
static struct cu_obj* g_objs;

static int obj_new(int kind, unsigned flags, int priority, void** out) {
  int dev;
  int rc = current_dev(&dev);
  if (rc != CUDA_SUCCESS) return rc;
  struct cu_obj* o = calloc(1, sizeof *o);
  if (!o) return CUDA_ERROR_OUT_OF_MEMORY;
  o->kind = kind;
  o->dev = dev;
  o->flags = flags;
  o->priority = priority;
  pthread_mutex_lock(&g_mu);
  o->next = g_objs;
  g_objs = o;
  pthread_mutex_unlock(&g_mu);
  *out = o;
  return CUDA_SUCCESS;
}

static struct cu_obj* obj_find_locked(const void* h, int kind) {
  for (struct cu_obj* o = g_objs; o; o = o->next)
    if ((const void*)o == h && o->kind == kind) return o;
  return NULL;
}

/* Copies the object behind h into *copy; returns 0 if it is not one. */
static int obj_get(const void* h, int kind, struct cu_obj* copy) {
  pthread_mutex_lock(&g_mu);
  struct cu_obj* o = obj_find_locked(h, kind);
  if (o) *copy = *o;
  pthread_mutex_unlock(&g_mu);
  return o != NULL;
}

static int obj_delete(void* h, int kind) {
  pthread_mutex_lock(&g_mu);
  struct cu_obj* o = NULL;
  for (struct cu_obj** p = &g_objs; *p; p = &(*p)->next)
    if ((void*)*p == h && (*p)->kind == kind) {
      o = *p;
      *p = o->next;
      break;
    }
  pthread_mutex_unlock(&g_mu);
  if (!o) return CUDA_ERROR_INVALID_HANDLE;
  free(o);
  return CUDA_SUCCESS;
}

/* NULL, CU_STREAM_LEGACY (0x1) and CU_STREAM_PER_THREAD (0x2) are the default
 * streams; anything else must come from cuStreamCreate*. */
static int stream_ok(const void* s) {
  struct cu_obj copy;
  if ((uintptr_t)s <= 2) return current_ctx() ? CUDA_SUCCESS : CUDA_ERROR_INVALID_CONTEXT;
  return obj_get(s, OBJ_STREAM, &copy) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}
static int event_ok(const void* e) {
  struct cu_obj copy;
  return obj_get(e, OBJ_EVENT, &copy) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

/* CU_STREAM_DEFAULT 0, CU_STREAM_NON_BLOCKING 1. Priorities are clamped to
 * cuCtxGetStreamPriorityRange, as CUDA does. */
FAKE_EXPORT int cuStreamCreate(void** s, unsigned flags) {
  ENTER();
  if (!s || (flags & ~1u)) return CUDA_ERROR_INVALID_VALUE;
  return obj_new(OBJ_STREAM, flags, 0, s);
}
FAKE_EXPORT int cuStreamCreateWithPriority(void** s, unsigned flags, int priority) {
  ENTER();
  if (!s || (flags & ~1u)) return CUDA_ERROR_INVALID_VALUE;
  if (priority > 0) priority = 0;
  if (priority < -5) priority = -5;
  return obj_new(OBJ_STREAM, flags, priority, s);
}
FAKE_EXPORT int cuStreamDestroy_v2(void* s) {
  ENTER();
  return obj_delete(s, OBJ_STREAM);
}
FAKE_EXPORT int cuStreamDestroy(void* s) {
  ENTER();
  return obj_delete(s, OBJ_STREAM);
}
FAKE_EXPORT int cuStreamSynchronize(void* s) {
  ENTER();
  return stream_ok(s);
}
FAKE_EXPORT int cuStreamQuery(void* s) {
  ENTER();
  return stream_ok(s);
}
FAKE_EXPORT int cuStreamWaitEvent(void* s, void* e, unsigned flags) {
  ENTER();
  int rc = stream_ok(s);
  if (rc == CUDA_SUCCESS) rc = event_ok(e);
  if (rc == CUDA_SUCCESS && (flags & ~1u)) rc = CUDA_ERROR_INVALID_VALUE;
  return rc;
}
FAKE_EXPORT int cuStreamGetPriority(void* s, int* priority) {
  ENTER();
  if (!priority) return CUDA_ERROR_INVALID_VALUE;
  int rc = stream_ok(s);
  if (rc != CUDA_SUCCESS) return rc;
  struct cu_obj copy = {0};
  obj_get(s, OBJ_STREAM, &copy);
  *priority = copy.priority;
  return CUDA_SUCCESS;
}
FAKE_EXPORT int cuStreamGetFlags(void* s, unsigned* flags) {
  ENTER();
  if (!flags) return CUDA_ERROR_INVALID_VALUE;
  int rc = stream_ok(s);
  if (rc != CUDA_SUCCESS) return rc;
  struct cu_obj copy = {0};
  obj_get(s, OBJ_STREAM, &copy);
  *flags = copy.flags;
  return CUDA_SUCCESS;
}

/* CU_EVENT_DEFAULT 0, BLOCKING_SYNC 1, DISABLE_TIMING 2, INTERPROCESS 4. */
FAKE_EXPORT int cuEventCreate(void** e, unsigned flags) {
  ENTER();
  if (!e || (flags & ~7u)) return CUDA_ERROR_INVALID_VALUE;
  return obj_new(OBJ_EVENT, flags, 0, e);
}
FAKE_EXPORT int cuEventDestroy_v2(void* e) {
  ENTER();
  return obj_delete(e, OBJ_EVENT);
}
FAKE_EXPORT int cuEventDestroy(void* e) {
  ENTER();
  return obj_delete(e, OBJ_EVENT);
}
FAKE_EXPORT int cuEventRecord(void* e, void* s) {
  ENTER();
  int rc = event_ok(e);
  return rc == CUDA_SUCCESS ? stream_ok(s) : rc;
}
FAKE_EXPORT int cuEventQuery(void* e) {
  ENTER();
  return event_ok(e);
}
FAKE_EXPORT int cuEventSynchronize(void* e) {
  ENTER();
  return event_ok(e);
}
static int elapsed(float* ms, void* start, void* end) {
  if (!ms) return CUDA_ERROR_INVALID_VALUE;
  int rc = event_ok(start);
  if (rc == CUDA_SUCCESS) rc = event_ok(end);
  if (rc == CUDA_SUCCESS) *ms = 0.0f;
  return rc;
}
FAKE_EXPORT int cuEventElapsedTime(float* ms, void* start, void* end) {
  ENTER();
  return elapsed(ms, start, end);
}
FAKE_EXPORT int cuEventElapsedTime_v2(float* ms, void* start, void* end) {
  ENTER();
  return elapsed(ms, start, end);
}

/* ---- tensor maps ----------------------------------------------------------- */

/* cuTensorMapEncodeTiled (CUDA 12.0) is a link-time import of some
 * frameworks' GPU libraries (onnxruntime-gpu's CUDA provider). The fake checks
 * the arguments it can (pointers, rank 1..5, non-zero sizes, globalAddress
 * 16-byte aligned) and writes a zeroed 128-byte CUtensorMap. */
FAKE_EXPORT int cuTensorMapEncodeTiled(void* tensor_map, int data_type, unsigned rank,
                                       void* global_address, const unsigned long long* global_dim,
                                       const unsigned long long* global_strides,
                                       const unsigned* box_dim, const unsigned* element_strides,
                                       int interleave, int swizzle, int l2_promotion,
                                       int oob_fill) {
  ENTER();
  (void)data_type, (void)interleave, (void)swizzle, (void)l2_promotion, (void)oob_fill;
  if (!tensor_map || !global_address || !global_dim || !box_dim || !element_strides)
    return CUDA_ERROR_INVALID_VALUE;
  if (rank < 1 || rank > 5 || ((uintptr_t)global_address % 16) != 0)
    return CUDA_ERROR_INVALID_VALUE;
  if (rank > 1 && !global_strides) return CUDA_ERROR_INVALID_VALUE;
  for (unsigned i = 0; i < rank; i++)
    if (global_dim[i] == 0 || box_dim[i] == 0 || box_dim[i] > 256 || element_strides[i] == 0 ||
        element_strides[i] > 8)
      return CUDA_ERROR_INVALID_VALUE;
  memset(tensor_map, 0, 128);
  return CUDA_SUCCESS;
}

/* ---- cuGetProcAddress ------------------------------------------------------- */

/* Driver functions whose exported symbol is not the base name, by the CUDA
 * version that introduced each ABI (the PFN_<name>_v<version> typedefs of
 * CUDA 13.0's cudaTypedefs.h; cuda.h's #defines pick the newest). A request
 * gets the newest entry not newer than its cudaVersion. Every other exported
 * function is found under its own name at any version. */
struct proc_version {
  const char* base;
  int version;
  const char* symbol;
};
static const struct proc_version kProcVersions[] = {
    {"cuDeviceTotalMem", 3020, "cuDeviceTotalMem_v2"},
    {"cuCtxCreate", 2000, "cuCtxCreate"},
    {"cuCtxCreate", 3020, "cuCtxCreate_v2"},
    {"cuCtxCreate", 11040, "cuCtxCreate_v3"},
    {"cuCtxCreate", 12050, "cuCtxCreate_v4"},
    {"cuCtxDestroy", 2000, "cuCtxDestroy"},
    {"cuCtxDestroy", 4000, "cuCtxDestroy_v2"},
    {"cuCtxPushCurrent", 2000, "cuCtxPushCurrent"},
    {"cuCtxPushCurrent", 4000, "cuCtxPushCurrent_v2"},
    {"cuCtxPopCurrent", 2000, "cuCtxPopCurrent"},
    {"cuCtxPopCurrent", 4000, "cuCtxPopCurrent_v2"},
    {"cuMemGetInfo", 3020, "cuMemGetInfo_v2"},
    {"cuMemAlloc", 3020, "cuMemAlloc_v2"},
    {"cuMemFree", 3020, "cuMemFree_v2"},
    {"cuMemGetAddressRange", 3020, "cuMemGetAddressRange_v2"},
    {"cuMemAllocHost", 3020, "cuMemAllocHost_v2"},
    {"cuMemHostGetDevicePointer", 3020, "cuMemHostGetDevicePointer_v2"},
    {"cuMemHostRegister", 6050, "cuMemHostRegister_v2"},
    {"cuStreamDestroy", 2000, "cuStreamDestroy"},
    {"cuStreamDestroy", 4000, "cuStreamDestroy_v2"},
    {"cuEventDestroy", 2000, "cuEventDestroy"},
    {"cuEventDestroy", 4000, "cuEventDestroy_v2"},
    {"cuEventElapsedTime", 2000, "cuEventElapsedTime"},
    {"cuEventElapsedTime", 12080, "cuEventElapsedTime_v2"},
    {"cuDevicePrimaryCtxRelease", 7000, "cuDevicePrimaryCtxRelease"},
    {"cuDevicePrimaryCtxRelease", 11000, "cuDevicePrimaryCtxRelease_v2"},
    {"cuDevicePrimaryCtxReset", 7000, "cuDevicePrimaryCtxReset"},
    {"cuDevicePrimaryCtxReset", 11000, "cuDevicePrimaryCtxReset_v2"},
    {"cuDevicePrimaryCtxSetFlags", 7000, "cuDevicePrimaryCtxSetFlags"},
    {"cuDevicePrimaryCtxSetFlags", 11000, "cuDevicePrimaryCtxSetFlags_v2"},
    {"cuDeviceGetUuid", 9020, "cuDeviceGetUuid"},
    {"cuDeviceGetUuid", 11040, "cuDeviceGetUuid_v2"},
    {"cuGetProcAddress", 11030, "cuGetProcAddress"},
    {"cuGetProcAddress", 12000, "cuGetProcAddress_v2"},
};

/* CUdriverProcAddressQueryResult */
enum { PROC_SUCCESS = 0, PROC_SYMBOL_NOT_FOUND = 1, PROC_VERSION_NOT_SUFFICIENT = 2 };

static int get_proc_address(const char* symbol, void** pfn, int version, int* status) {
  *status = PROC_SYMBOL_NOT_FOUND;
  const char* found = NULL;
  int known = 0;
  for (size_t i = 0; i < sizeof kProcVersions / sizeof kProcVersions[0]; i++) {
    const struct proc_version* v = &kProcVersions[i];
    if (strcmp(v->base, symbol) != 0) continue;
    known = 1;
    if (v->version <= version) found = v->symbol; /* entries are in version order */
  }
  if (known && !found) {
    *status = PROC_VERSION_NOT_SUFFICIENT;
    *pfn = NULL;
    return CUDA_ERROR_NOT_FOUND;
  }
  void* p = fake_own_symbol(found ? found : symbol);
  *pfn = p;
  if (!p) return CUDA_ERROR_NOT_FOUND;
  *status = PROC_SUCCESS;
  return CUDA_SUCCESS;
}

static int proc_address(const char* fn, const char* symbol, void** pfn, int version,
                        unsigned long long flags, int* status) {
  int rc = enter(fn, 0);
  if (rc != CUDA_SUCCESS) return rc;
  /* CU_GET_PROC_ADDRESS_DEFAULT 0, LEGACY_STREAM 1, PER_THREAD_DEFAULT_STREAM
   * 2: the fake has one default stream, so they all find the same function. */
  if (!symbol || !pfn || flags > 2) return CUDA_ERROR_INVALID_VALUE;
  int st;
  rc = get_proc_address(symbol, pfn, version, &st);
  if (status) *status = st;
  if (getenv("ONGPU_FAKE_TRACE"))
    fprintf(stderr, "ongpu fake cuda: %s(%s, %d) -> %d\n", fn, symbol, version, rc);
  return rc;
}
FAKE_EXPORT int cuGetProcAddress(const char* symbol, void** pfn, int version,
                                 unsigned long long flags) {
  return proc_address(__func__, symbol, pfn, version, flags, NULL);
}
/* status may be NULL. */
FAKE_EXPORT int cuGetProcAddress_v2(const char* symbol, void** pfn, int version,
                                    unsigned long long flags, int* status) {
  return proc_address(__func__, symbol, pfn, version, flags, status);
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
    {209, "CUDA_ERROR_NO_BINARY_FOR_GPU",
     "no kernel image is available for execution on the device"},
    {215, "CUDA_ERROR_UNSUPPORTED_LIMIT", "limit is not supported on this architecture"},
    {217, "CUDA_ERROR_PEER_ACCESS_UNSUPPORTED",
     "peer access is not supported between these two devices"},
    {302, "CUDA_ERROR_SHARED_OBJECT_SYMBOL_NOT_FOUND", "link to a shared object failed to resolve"},
    {303, "CUDA_ERROR_SHARED_OBJECT_INIT_FAILED", "shared object initialization failed"},
    {304, "CUDA_ERROR_OPERATING_SYSTEM", "OS call failed or operation not supported on this OS"},
    {400, "CUDA_ERROR_INVALID_HANDLE", "invalid resource handle"},
    {500, "CUDA_ERROR_NOT_FOUND", "named symbol not found"},
    {600, "CUDA_ERROR_NOT_READY", "device not ready"},
    {709, "CUDA_ERROR_CONTEXT_IS_DESTROYED", "context is destroyed"},
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
