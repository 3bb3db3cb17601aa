/* Self-check for the fake vendor libraries: every case runs in a fresh child
 * process that dlopens the fakes by SONAME (through LD_LIBRARY_PATH, as ongpu
 * does) under one scenario and environment, and checks what they answer,
 * including crashes (SIGSEGV), hangs and scenario errors (exit 86).
 *
 * usage: fakes_selftest <lib dir> <scenario dir> <versioned lib dir> <driver version> [case...]
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char* g_libdir;
static const char* g_scendir;
static const char* g_verdir;
static const char* g_version;

/* ---- checking helpers (run in the child) ------------------------------- */

static int g_failed;
#define CHECK(cond, ...)                                                    \
  do {                                                                      \
    if (!(cond)) {                                                          \
      fprintf(stderr, "    check failed (line %d): %s: ", __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                         \
      fputc('\n', stderr);                                                  \
      g_failed = 1;                                                         \
    }                                                                       \
  } while (0)
#define CHECK_RC(call, want)                                                  \
  do {                                                                        \
    int rc_ = (call);                                                         \
    CHECK(rc_ == (want), "%s returned %d, want %d", #call, rc_, (int)(want)); \
  } while (0)

static void* g_nvml;
static void* g_cuda;

static void* sym(void* lib, const char* name) {
  void* p = dlsym(lib, name);
  if (!p) {
    fprintf(stderr, "    missing symbol %s\n", name);
    _exit(3);
  }
  return p;
}

static void* open_lib(const char* soname) {
  void* h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    fprintf(stderr, "    dlopen(%s): %s\n", soname, dlerror());
    _exit(3);
  }
  /* It must be ours, found through LD_LIBRARY_PATH. */
  Dl_info info;
  void* any = dlsym(h, strcmp(soname, "libcuda.so.1") == 0 ? "cuInit" : "nvmlInit_v2");
  if (!any || !dladdr(any, &info) || strncmp(info.dli_fname, g_libdir, strlen(g_libdir)) != 0) {
    fprintf(stderr, "    %s was not loaded from %s\n", soname, g_libdir);
    _exit(3);
  }
  return h;
}

static void* nvml(void) { return g_nvml ? g_nvml : (g_nvml = open_lib("libnvidia-ml.so.1")); }
static void* cuda(void) { return g_cuda ? g_cuda : (g_cuda = open_lib("libcuda.so.1")); }

/* NVML */
struct PciInfo {
  char busIdLegacy[16];
  unsigned domain, bus, device, pciDeviceId, pciSubSystemId;
  char busId[32];
};
struct Memory {
  unsigned long long total, free, used;
};
struct ProcessInfo {
  unsigned pid;
  unsigned long long usedGpuMemory;
  unsigned gpuInstanceId, computeInstanceId;
};
#define N(name, type) ((type)sym(nvml(), #name))
typedef int (*f_void)(void);
typedef const char* (*f_errstr)(int);
typedef int (*f_str)(char*, unsigned);
typedef int (*f_pint)(int*);
typedef int (*f_puint)(unsigned*);
typedef int (*f_handle)(unsigned, void**);
typedef int (*f_dstr)(void*, char*, unsigned);
typedef int (*f_dpci)(void*, struct PciInfo*);
typedef int (*f_dmem)(void*, struct Memory*);
typedef int (*f_d2int)(void*, int*, int*);
typedef int (*f_dint)(void*, int*);
typedef int (*f_d2uint)(void*, unsigned*, unsigned*);
typedef int (*f_duint)(void*, unsigned*);
typedef int (*f_dmig)(void*, unsigned, void**);
typedef int (*f_dremap)(void*, unsigned*, unsigned*, unsigned*, unsigned*);
typedef int (*f_dprocs)(void*, unsigned*, struct ProcessInfo*);
struct Utilization {
  unsigned gpu, memory;
};
struct ProcessUtilizationSample {
  unsigned pid;
  unsigned long long timeStamp;
  unsigned smUtil, memUtil, encUtil, decUtil;
};
_Static_assert(sizeof(struct ProcessUtilizationSample) == 32, "nvmlProcessUtilizationSample_t");
typedef int (*f_dutil)(void*, struct Utilization*);
typedef int (*f_dputil)(void*, struct ProcessUtilizationSample*, unsigned*, unsigned long long);

static int nv_init(void) { return N(nvmlInit_v2, f_void)(); }
static void* nv_handle(unsigned i) {
  void* h = NULL;
  int rc = N(nvmlDeviceGetHandleByIndex_v2, f_handle)(i, &h);
  CHECK(rc == 0 && h, "handle %u: rc %d", i, rc);
  return h;
}
static void nv_uuid(void* h, char* out, unsigned len) {
  int rc = N(nvmlDeviceGetUUID, f_dstr)(h, out, len);
  CHECK(rc == 0, "uuid rc %d", rc);
}

/* CUDA */
#define C(name, type) ((type)sym(cuda(), #name))
typedef int (*c_init)(unsigned);
typedef int (*c_pint)(int*);
typedef int (*c_get)(int*, int);
typedef int (*c_str)(char*, int, int);
typedef int (*c_uuid)(unsigned char*, int);
typedef int (*c_attr)(int*, int, int);
typedef int (*c_mem)(size_t*, int);
typedef int (*c_retain)(void**, int);
typedef int (*c_release)(int);
typedef int (*c_err)(int, const char**);
typedef int (*c_pctx)(void**);
typedef int (*c_ctx)(void*);
typedef int (*c_ctx_create)(void**, unsigned, int);
typedef int (*c_ctx_create3)(void**, void*, int, unsigned, int);
typedef int (*c_ctx_create4)(void**, void*, unsigned, int);
typedef int (*c_state)(int, unsigned*, int*);
typedef int (*c_dev_uint)(int, unsigned);
typedef int (*c_void)(void);
typedef int (*c_puint)(unsigned*);
typedef int (*c_apiver)(void*, unsigned*);
typedef int (*c_getlimit)(size_t*, int);
typedef int (*c_setlimit)(int, size_t);
typedef int (*c_2pint)(int*, int*);
typedef int (*c_meminfo)(size_t*, size_t*);
typedef int (*c_alloc)(unsigned long long*, size_t);
typedef int (*c_free)(unsigned long long);
typedef int (*c_range)(unsigned long long*, size_t*, unsigned long long);
typedef int (*c_hostalloc)(void**, size_t);
typedef int (*c_hostalloc_f)(void**, size_t, unsigned);
typedef int (*c_hostdev)(unsigned long long*, void*, unsigned);
typedef int (*c_hostreg)(void*, size_t, unsigned);
typedef int (*c_screate)(void**, unsigned);
typedef int (*c_screate_p)(void**, unsigned, int);
typedef int (*c_sprio)(void*, int*);
typedef int (*c_sflags)(void*, unsigned*);
typedef int (*c_wait)(void*, void*, unsigned);
typedef int (*c_record)(void*, void*);
typedef int (*c_elapsed)(float*, void*, void*);
typedef int (*c_peer)(int*, int, int);
typedef int (*c_p2p)(int*, int, int, int);
typedef int (*c_enable_peer)(void*, unsigned);
typedef int (*c_proc)(const char*, void**, int, unsigned long long, int*);
typedef int (*c_proc1)(const char*, void**, int, unsigned long long);
typedef int (*c_tmap)(void*, int, unsigned, void*, const unsigned long long*,
                      const unsigned long long*, const unsigned*, const unsigned*, int, int, int,
                      int);

/* Independent UUID-string-to-bytes conversion for comparisons. */
static void uuid_to_bytes(const char* s, unsigned char out[16]) {
  memset(out, 0, 16);
  s += 4; /* GPU- / MIG- */
  int k = 0;
  for (; *s && k < 32; s++) {
    if (*s == '-') continue;
    unsigned v;
    char hex[2] = {*s, 0};
    if (sscanf(hex, "%x", &v) != 1) continue;
    out[k / 2] = (unsigned char)(out[k / 2] | (k % 2 ? v : v << 4));
    k++;
  }
}

/* ---- cases --------------------------------------------------------------- */

/* Healthy single GPU, also the built-in defaults. */
static void nvml_healthy(int arg) {
  (void)arg;
  CHECK_RC(N(nvmlDeviceGetCount_v2, f_puint)(&(unsigned){0}), 1); /* before init */
  CHECK_RC(N(nvmlShutdown, f_void)(), 1);
  CHECK_RC(nv_init(), 0);
  CHECK_RC(N(nvmlInit, f_void)(), 0);
  char buf[96];
  CHECK_RC(N(nvmlSystemGetDriverVersion, f_str)(buf, 80), 0);
  CHECK(strcmp(buf, "580.65.06") == 0, "driver version '%s'", buf);
  CHECK_RC(N(nvmlSystemGetDriverVersion, f_str)(buf, 9), 7); /* needs 10 */
  CHECK_RC(N(nvmlSystemGetDriverVersion, f_str)(buf, 10), 0);
  int v = 0;
  CHECK_RC(N(nvmlSystemGetCudaDriverVersion_v2, f_pint)(&v), 0);
  CHECK(v == 13000, "cuda version %d", v);
  v = 0;
  CHECK_RC(N(nvmlSystemGetCudaDriverVersion, f_pint)(&v), 0);
  CHECK(v == 13000, "cuda version %d", v);
  unsigned n = 0;
  CHECK_RC(N(nvmlDeviceGetCount_v2, f_puint)(&n), 0);
  CHECK(n == 1, "count %u", n);
  void* h = nv_handle(0);
  void* bad = NULL;
  CHECK_RC(N(nvmlDeviceGetHandleByIndex_v2, f_handle)(1, &bad), 2);
  CHECK_RC(N(nvmlDeviceGetName, f_dstr)(h, buf, 96), 0);
  CHECK(strcmp(buf, "NVIDIA H100 80GB HBM3") == 0, "name '%s'", buf);
  CHECK_RC(N(nvmlDeviceGetName, f_dstr)(h, buf, 21), 7);
  CHECK_RC(N(nvmlDeviceGetName, f_dstr)(&v, buf, 96), 2); /* not a handle */
  nv_uuid(h, buf, 96);
  CHECK(strcmp(buf, "GPU-00000000-1111-2222-3333-444444444444") == 0, "uuid '%s'", buf);
  struct PciInfo pci;
  CHECK_RC(N(nvmlDeviceGetPciInfo_v3, f_dpci)(h, &pci), 0);
  CHECK(strcmp(pci.busId, "00000000:01:00.0") == 0, "busId '%s'", pci.busId);
  CHECK(strcmp(pci.busIdLegacy, "0000:01:00.0") == 0, "busIdLegacy '%s'", pci.busIdLegacy);
  CHECK(pci.domain == 0 && pci.bus == 1 && pci.device == 0, "pci %u %u %u", pci.domain, pci.bus,
        pci.device);
  CHECK(pci.pciDeviceId == 0x233010deu, "device id %#x", pci.pciDeviceId);
  struct Memory m;
  CHECK_RC(N(nvmlDeviceGetMemoryInfo, f_dmem)(h, &m), 0);
  CHECK(m.total == 85899345920ULL && m.used == 0 && m.free == m.total, "memory %llu %llu %llu",
        m.total, m.used, m.free);
  int maj = -1, min = -1;
  CHECK_RC(N(nvmlDeviceGetCudaComputeCapability, f_d2int)(h, &maj, &min), 0);
  CHECK(maj == 9 && min == 0, "cc %d.%d", maj, min);
  v = -1;
  CHECK_RC(N(nvmlDeviceGetComputeMode, f_dint)(h, &v), 0);
  CHECK(v == 0, "compute mode %d", v);
  v = -1;
  CHECK_RC(N(nvmlDeviceGetPersistenceMode, f_dint)(h, &v), 0);
  CHECK(v == 1, "persistence %d", v);
  unsigned cur = 9, pend = 9;
  CHECK_RC(N(nvmlDeviceGetMigMode, f_d2uint)(h, &cur, &pend), 0);
  CHECK(cur == 0 && pend == 0, "mig %u %u", cur, pend);
  n = 9;
  CHECK_RC(N(nvmlDeviceGetMaxMigDeviceCount, f_duint)(h, &n), 0);
  CHECK(n == 0, "max mig %u", n);
  CHECK_RC(N(nvmlDeviceGetMigDeviceHandleByIndex, f_dmig)(h, 0, &bad), 3);
  v = -1;
  CHECK_RC(N(nvmlDeviceGetRetiredPagesPendingStatus, f_dint)(h, &v), 0);
  CHECK(v == 0, "retired %d", v);
  unsigned a = 9, b = 9, c = 9, d = 9;
  CHECK_RC(N(nvmlDeviceGetRemappedRows, f_dremap)(h, &a, &b, &c, &d), 0);
  CHECK(a == 0 && b == 0 && c == 0 && d == 0, "remap %u %u %u %u", a, b, c, d);
  n = 0;
  CHECK_RC(N(nvmlDeviceGetComputeRunningProcesses_v3, f_dprocs)(h, &n, NULL), 0);
  CHECK(n == 0, "processes %u", n);
  f_errstr es = N(nvmlErrorString, f_errstr);
  CHECK(strcmp(es(9), "Driver Not Loaded") == 0, "%s", es(9));
  CHECK(strcmp(es(18), "RM has detected an NVML/RM version mismatch.") == 0, "%s", es(18));
  CHECK(strcmp(es(12), "NVML Shared Library Not Found") == 0, "%s", es(12));
  CHECK(strcmp(es(999), "Unknown Error") == 0, "%s", es(999));
  CHECK(strcmp(es(123456), "Unknown Error") == 0, "%s", es(123456));
  /* init was called twice: two shutdowns needed */
  CHECK_RC(N(nvmlShutdown, f_void)(), 0);
  CHECK_RC(N(nvmlDeviceGetCount_v2, f_puint)(&n), 0);
  CHECK_RC(N(nvmlShutdown, f_void)(), 0);
  CHECK_RC(N(nvmlDeviceGetCount_v2, f_puint)(&n), 1);
}

static void cuda_healthy(int arg) {
  (void)arg;
  int v = 0;
  CHECK_RC(C(cuDriverGetVersion, c_pint)(&v), 0); /* works before cuInit */
  CHECK(v == 13000, "driver version %d", v);
  CHECK_RC(C(cuDeviceGetCount, c_pint)(&v), 3);
  CHECK_RC(C(cuInit, c_init)(1), 1);
  CHECK_RC(C(cuInit, c_init)(0), 0);
  CHECK_RC(C(cuInit, c_init)(0), 0);
  v = -1;
  CHECK_RC(C(cuDeviceGetCount, c_pint)(&v), 0);
  CHECK(v == 1, "count %d", v);
  int dev = -1;
  CHECK_RC(C(cuDeviceGet, c_get)(&dev, 0), 0);
  CHECK(dev == 0, "dev %d", dev);
  CHECK_RC(C(cuDeviceGet, c_get)(&dev, 1), 101);
  CHECK_RC(C(cuDeviceGet, c_get)(&dev, -1), 101);
  char buf[256];
  CHECK_RC(C(cuDeviceGetName, c_str)(buf, sizeof buf, 0), 0);
  CHECK(strcmp(buf, "NVIDIA H100 80GB HBM3") == 0, "name '%s'", buf);
  CHECK_RC(C(cuDeviceGetName, c_str)(buf, 5, 0), 0);
  CHECK(strcmp(buf, "NVID") == 0, "truncated name '%s'", buf);
  CHECK_RC(C(cuDeviceGetName, c_str)(buf, sizeof buf, 1), 101);
  unsigned char u[16], want[16];
  uuid_to_bytes("GPU-00000000-1111-2222-3333-444444444444", want);
  CHECK_RC(C(cuDeviceGetUuid_v2, c_uuid)(u, 0), 0);
  CHECK(memcmp(u, want, 16) == 0, "uuid_v2 bytes differ");
  memset(u, 0, 16);
  CHECK_RC(C(cuDeviceGetUuid, c_uuid)(u, 0), 0);
  CHECK(memcmp(u, want, 16) == 0 && u[4] == 0x11 && u[15] == 0x44, "uuid bytes differ");
  CHECK_RC(C(cuDeviceGetPCIBusId, c_str)(buf, sizeof buf, 0), 0);
  CHECK(strcmp(buf, "0000:01:00.0") == 0, "pci '%s'", buf);
  CHECK_RC(C(cuDeviceGetAttribute, c_attr)(&v, 75, 0), 0);
  CHECK(v == 9, "cc major %d", v);
  CHECK_RC(C(cuDeviceGetAttribute, c_attr)(&v, 76, 0), 0);
  CHECK(v == 0, "cc minor %d", v);
  CHECK_RC(C(cuDeviceGetAttribute, c_attr)(&v, 1, 0), 0); /* MAX_THREADS_PER_BLOCK */
  CHECK(v == 1024, "max threads per block %d", v);
  CHECK_RC(C(cuDeviceGetAttribute, c_attr)(&v, 148, 0), 1); /* CU_DEVICE_ATTRIBUTE_MAX */
  size_t mem = 0;
  CHECK_RC(C(cuDeviceTotalMem_v2, c_mem)(&mem, 0), 0);
  CHECK(mem == 85899345920ULL, "mem %zu", mem);
  void* ctx = NULL;
  CHECK_RC(C(cuDevicePrimaryCtxRetain, c_retain)(&ctx, 0), 0);
  CHECK(ctx != NULL, "null context");
  CHECK_RC(C(cuDevicePrimaryCtxRelease_v2, c_release)(0), 0);
  CHECK_RC(C(cuDevicePrimaryCtxRelease_v2, c_release)(0), 201);
  const char* s = NULL;
  static const int codes[] = {0, 1, 2, 3, 34, 46, 100, 101, 304, 802, 803, 804, 999};
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    s = NULL;
    CHECK_RC(C(cuGetErrorName, c_err)(codes[i], &s), 0);
    CHECK(s && strncmp(s, "CUDA_", 5) == 0, "name of %d", codes[i]);
    s = NULL;
    CHECK_RC(C(cuGetErrorString, c_err)(codes[i], &s), 0);
    CHECK(s && *s, "text of %d", codes[i]);
  }
  C(cuGetErrorName, c_err)(100, &s);
  CHECK(strcmp(s, "CUDA_ERROR_NO_DEVICE") == 0, "%s", s);
  C(cuGetErrorName, c_err)(34, &s);
  CHECK(strcmp(s, "CUDA_ERROR_STUB_LIBRARY") == 0, "%s", s);
  s = "x";
  CHECK_RC(C(cuGetErrorString, c_err)(12345, &s), 1);
  CHECK(s == NULL, "unknown code text not NULL");
}

/* arg: the nvmlInit error code the scenario sets. */
static void nvml_init_error(int arg) {
  CHECK_RC(nv_init(), arg);
  CHECK_RC(N(nvmlInit, f_void)(), arg);
  unsigned n = 77;
  CHECK_RC(N(nvmlDeviceGetCount_v2, f_puint)(&n), 1);
  CHECK(n == 77, "count written");
  CHECK(strlen(N(nvmlErrorString, f_errstr)(arg)) > 0, "no message");
  /* CUDA is unaffected */
  CHECK_RC(C(cuInit, c_init)(0), 0);
}

/* arg: the cuInit error code the scenario sets. */
static void cuda_init_error(int arg) {
  int v = 77;
  const char* s = "untouched";
  CHECK_RC(C(cuInit, c_init)(0), arg);
  CHECK_RC(C(cuInit, c_init)(0), arg);
  if (arg == 34) { /* the toolkit stub: everything is 34, nothing written */
    CHECK_RC(C(cuDriverGetVersion, c_pint)(&v), 34);
    CHECK_RC(C(cuDeviceGetCount, c_pint)(&v), 34);
    CHECK_RC(C(cuGetErrorString, c_err)(100, &s), 34);
    CHECK_RC(C(cuGetErrorName, c_err)(100, &s), 34);
    CHECK_RC(C(cuDeviceGet, c_get)(&v, 0), 34);
    void* p = &v;
    CHECK_RC(C(cuGetProcAddress_v2, c_proc)("cuInit", &p, 12000, 0, NULL), 34);
    CHECK_RC(C(cuCtxGetCurrent, c_pctx)(&p), 34);
    CHECK_RC(C(cuCtxCreate_v2, c_ctx_create)(&p, 0, 0), 34);
    CHECK(p == &v, "stub wrote a pointer");
    CHECK(v == 77 && strcmp(s, "untouched") == 0, "stub wrote outputs");
  } else {
    CHECK_RC(C(cuDriverGetVersion, c_pint)(&v), 0);
    CHECK(v == 13000, "version %d", v);
    CHECK_RC(C(cuGetErrorString, c_err)(arg, &s), 0);
    if (arg == 100) {
      v = 77;
      CHECK_RC(C(cuDeviceGetCount, c_pint)(&v), 0);
      CHECK(v == 0, "count %d", v);
      CHECK_RC(C(cuDeviceGet, c_get)(&v, 0), 101);
    } else {
      CHECK_RC(C(cuDeviceGetCount, c_pint)(&v), 3);
      CHECK_RC(C(cuDeviceGet, c_get)(&v, 0), 3);
      void* p = NULL;
      CHECK_RC(C(cuCtxGetCurrent, c_pctx)(&p), 3);
      CHECK_RC(C(cuMemGetInfo_v2, c_meminfo)(NULL, NULL), 3);
    }
    void* p = NULL; /* cuGetProcAddress works whatever cuInit said */
    CHECK_RC(C(cuGetProcAddress_v2, c_proc)("cuInit", &p, 12000, 0, NULL), 0);
  }
  /* NVML is unaffected */
  CHECK_RC(nv_init(), 0);
}

static void call_nvml_init(int arg) {
  if (arg)
    N(nvmlInit, f_void)();
  else
    nv_init();
  fprintf(stderr, "    nvmlInit returned\n");
}
static void call_cu_init(int arg) {
  (void)arg;
  C(cuInit, c_init)(0);
  fprintf(stderr, "    cuInit returned\n");
}

static int all_non_nul(const char* p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i] == '\0') return 0;
  return 1;
}

static void unterminated(int arg) {
  (void)arg;
  char buf[200];
  CHECK_RC(nv_init(), 0);
  memset(buf, 0, sizeof buf);
  CHECK_RC(N(nvmlSystemGetDriverVersion, f_str)(buf, 80), 0);
  CHECK(all_non_nul(buf, 80) && buf[80] == '\0', "driver version buffer");
  CHECK(memchr(buf, 0xFF, 80) != NULL, "no 0xFF byte");
  void* h = nv_handle(0);
  memset(buf, 0, sizeof buf);
  CHECK_RC(N(nvmlDeviceGetName, f_dstr)(h, buf, 96), 0);
  CHECK(all_non_nul(buf, 96) && buf[96] == '\0', "name buffer");
  memset(buf, 0, sizeof buf);
  CHECK_RC(N(nvmlDeviceGetUUID, f_dstr)(h, buf, 96), 0);
  CHECK(all_non_nul(buf, 96) && buf[96] == '\0', "uuid buffer");
  memset(buf, 0, sizeof buf);
  CHECK_RC(N(nvmlDeviceGetUUID, f_dstr)(h, buf, 3), 0); /* even a tiny buffer: no size error */
  CHECK(all_non_nul(buf, 3) && buf[3] == '\0', "tiny uuid buffer");
  struct PciInfo pci;
  CHECK_RC(N(nvmlDeviceGetPciInfo_v3, f_dpci)(h, &pci), 0);
  CHECK(all_non_nul(pci.busId, 32) && all_non_nul(pci.busIdLegacy, 16), "pci strings");
  CHECK(pci.bus == 1, "pci bus %u", pci.bus);
  CHECK_RC(C(cuInit, c_init)(0), 0);
  memset(buf, 0, sizeof buf);
  CHECK_RC(C(cuDeviceGetName, c_str)(buf, 100, 0), 0);
  CHECK(all_non_nul(buf, 100) && buf[100] == '\0', "cuda name buffer");
  memset(buf, 0, sizeof buf);
  CHECK_RC(C(cuDeviceGetPCIBusId, c_str)(buf, 13, 0), 0);
  CHECK(all_non_nul(buf, 13) && buf[13] == '\0', "cuda pci buffer");
  CHECK(strcmp(N(nvmlErrorString, f_errstr)(9), "Driver Not Loaded") == 0, "error string");
}

static void absurd_count(int arg) {
  (void)arg;
  CHECK_RC(nv_init(), 0);
  unsigned n = 0;
  CHECK_RC(N(nvmlDeviceGetCount_v2, f_puint)(&n), 0);
  CHECK(n == 100000, "count %u", n);
  void* h = nv_handle(99999);
  char buf[96];
  nv_uuid(h, buf, sizeof buf);
  CHECK(strcmp(buf, "GPU-0001869f-1111-2222-3333-444444444444") == 0, "uuid '%s'", buf);
  struct PciInfo pci;
  CHECK_RC(N(nvmlDeviceGetPciInfo_v3, f_dpci)(h, &pci), 0);
  CHECK(strcmp(pci.busId, "00000186:A0:00.0") == 0, "busId '%s'", pci.busId);
  void* h2 = nv_handle(70000);
  CHECK(h2 != h, "handles not distinct");
  CHECK_RC(N(nvmlDeviceGetHandleByIndex_v2, f_handle)(100000, &h), 2);
  CHECK_RC(C(cuInit, c_init)(0), 0);
  int c = 0;
  CHECK_RC(C(cuDeviceGetCount, c_pint)(&c), 0);
  CHECK(c == 4096, "cuda count %d", c);
  CHECK_RC(C(cuDeviceGet, c_get)(&c, 4095), 0);
  CHECK_RC(C(cuDeviceGet, c_get)(&c, 4096), 101);
}

static void compute_mode(int arg) {
  CHECK_RC(nv_init(), 0);
  void* h = nv_handle(0);
  int v = -1;
  CHECK_RC(N(nvmlDeviceGetComputeMode, f_dint)(h, &v), 0);
  CHECK(v == arg, "compute mode %d want %d", v, arg);
  CHECK_RC(C(cuInit, c_init)(0), 0);
  void* ctx = NULL;
  CHECK_RC(C(cuDevicePrimaryCtxRetain, c_retain)(&ctx, 0), 46);
  if (arg == 3) {
    unsigned n = 0;
    CHECK_RC(N(nvmlDeviceGetComputeRunningProcesses_v3, f_dprocs)(h, &n, NULL), 7);
    CHECK(n == 1, "needed %u", n);
    struct ProcessInfo p[2];
    n = 2;
    CHECK_RC(N(nvmlDeviceGetComputeRunningProcesses_v3, f_dprocs)(h, &n, p), 0);
    CHECK(n == 1 && p[0].pid == 4242 && p[0].usedGpuMemory == 2147483648ULL &&
              p[0].gpuInstanceId == 0xFFFFFFFFu,
          "process %u %u %llu", n, p[0].pid, p[0].usedGpuMemory);
    struct Memory m;
    CHECK_RC(N(nvmlDeviceGetMemoryInfo, f_dmem)(h, &m), 0);
    CHECK(m.used == 2147483648ULL && m.free == m.total - m.used, "memory");
  }
}

static void mig_no_instance(int arg) {
  (void)arg;
  CHECK_RC(nv_init(), 0);
  void* h = nv_handle(0);
  unsigned cur = 0, pend = 0, n = 0;
  void* mig = NULL;
  CHECK_RC(N(nvmlDeviceGetMigMode, f_d2uint)(h, &cur, &pend), 0);
  CHECK(cur == 1 && pend == 1, "mig %u %u", cur, pend);
  CHECK_RC(N(nvmlDeviceGetMaxMigDeviceCount, f_duint)(h, &n), 0);
  CHECK(n == 7, "max %u", n);
  CHECK_RC(N(nvmlDeviceGetMigDeviceHandleByIndex, f_dmig)(h, 0, &mig), 6);
  CHECK_RC(N(nvmlDeviceGetMigDeviceHandleByIndex, f_dmig)(h, 7, &mig), 2);
  CHECK_RC(C(cuInit, c_init)(0), 100);
  int c = 5;
  CHECK_RC(C(cuDeviceGetCount, c_pint)(&c), 0);
  CHECK(c == 0, "count %d", c);
}

#define MIG_A "MIG-4f1c8a2e-6b7d-5e90-a3c1-2d8f0b9e7a16"
#define MIG_B "MIG-b2e95d07-3c4a-5f18-9e6d-71a0c4b8f253"

static void mig_with_instance(int arg) {
  (void)arg;
  CHECK_RC(nv_init(), 0);
  void* h = nv_handle(0);
  void *m0 = NULL, *m1 = NULL, *m2 = NULL;
  CHECK_RC(N(nvmlDeviceGetMigDeviceHandleByIndex, f_dmig)(h, 0, &m0), 0);
  CHECK_RC(N(nvmlDeviceGetMigDeviceHandleByIndex, f_dmig)(h, 1, &m1), 0);
  CHECK_RC(N(nvmlDeviceGetMigDeviceHandleByIndex, f_dmig)(h, 2, &m2), 6);
  char buf[96];
  nv_uuid(m0, buf, sizeof buf);
  CHECK(strcmp(buf, MIG_A) == 0, "mig 0 uuid %s", buf);
  nv_uuid(m1, buf, sizeof buf);
  CHECK(strcmp(buf, MIG_B) == 0, "mig 1 uuid %s", buf);
  nv_uuid(h, buf, sizeof buf);
  CHECK(strncmp(buf, "GPU-", 4) == 0, "gpu uuid %s", buf);
  CHECK_RC(N(nvmlDeviceGetName, f_dstr)(m0, buf, sizeof buf), 0);
  CHECK(strcmp(buf, "NVIDIA H100 80GB HBM3 MIG") == 0, "mig name %s", buf);
  CHECK_RC(N(nvmlDeviceGetMigDeviceHandleByIndex, f_dmig)(m0, 0, &m2), 2);
}

/* CUDA enumeration: arg unused; the expected devices come from the case's
 * "want" string: NVML indices like "5,3,0", "0/1" for GPU 0's MIG device 1,
 * "" for nothing visible. */
static const char* g_want;
static void cuda_enum(int arg) {
  (void)arg;
  int want_n = 0;
  unsigned want_gpu[64];
  int want_mig[64];
  for (const char* p = g_want; *p;) {
    char* end;
    want_gpu[want_n] = (unsigned)strtoul(p, &end, 10);
    want_mig[want_n] = -1;
    if (*end == '/') want_mig[want_n] = (int)strtol(end + 1, &end, 10);
    want_n++;
    p = *end == ',' ? end + 1 : end;
  }
  CHECK_RC(nv_init(), 0);
  int rc = C(cuInit, c_init)(0);
  CHECK(rc == (want_n ? 0 : 100), "cuInit %d", rc);
  int n = -1;
  CHECK_RC(C(cuDeviceGetCount, c_pint)(&n), 0);
  CHECK(n == want_n, "count %d want %d (CUDA_VISIBLE_DEVICES=%s)", n, want_n,
        getenv("CUDA_VISIBLE_DEVICES") ? getenv("CUDA_VISIBLE_DEVICES") : "<unset>");
  for (int i = 0; i < n && i < want_n; i++) {
    void* h = nv_handle(want_gpu[i]);
    char uuid[96];
    if (want_mig[i] >= 0) {
      void* m = NULL;
      CHECK_RC(N(nvmlDeviceGetMigDeviceHandleByIndex, f_dmig)(h, (unsigned)want_mig[i], &m), 0);
      h = m;
    }
    nv_uuid(h, uuid, sizeof uuid);
    unsigned char want[16], got[16];
    uuid_to_bytes(uuid, want);
    CHECK_RC(C(cuDeviceGetUuid_v2, c_uuid)(got, i), 0);
    CHECK(memcmp(want, got, 16) == 0, "device %d is not NVML %u (%s)", i, want_gpu[i], uuid);
    /* PCI bus id: CUDA's short form of NVML's */
    struct PciInfo pci;
    void* gh = nv_handle(want_gpu[i]);
    CHECK_RC(N(nvmlDeviceGetPciInfo_v3, f_dpci)(gh, &pci), 0);
    char cbus[32], expect[32];
    CHECK_RC(C(cuDeviceGetPCIBusId, c_str)(cbus, sizeof cbus, i), 0);
    snprintf(expect, sizeof expect, "%04x:%02x:%02x.0", pci.domain, pci.bus, pci.device);
    CHECK(strcmp(cbus, expect) == 0, "cuda pci %s want %s", cbus, expect);
  }
  CHECK_RC(C(cuDeviceGet, c_get)(&n, want_n), 101);
}

static void retirement(int arg) {
  (void)arg;
  CHECK_RC(nv_init(), 0);
  void* h = nv_handle(0);
  int v = 0;
  unsigned a, b, c, d;
  CHECK_RC(N(nvmlDeviceGetRetiredPagesPendingStatus, f_dint)(h, &v), 0);
  CHECK(v == 1, "pending %d", v);
  CHECK_RC(N(nvmlDeviceGetRemappedRows, f_dremap)(h, &a, &b, &c, &d), 3);
  CHECK_RC(N(nvmlDeviceGetMigMode, f_d2uint)(h, &a, &b), 3);
  char name[96];
  CHECK_RC(N(nvmlDeviceGetName, f_dstr)(h, name, sizeof name), 0);
  CHECK(strcmp(name, "Tesla V100-SXM2-32GB") == 0, "name %s", name);
  CHECK_RC(C(cuInit, c_init)(0), 0);
  CHECK_RC(C(cuDeviceGetAttribute, c_attr)(&v, 75, 0), 0);
  CHECK(v == 7, "cc %d", v);
}

static void remap(int arg) {
  (void)arg;
  CHECK_RC(nv_init(), 0);
  void* h = nv_handle(0);
  unsigned a = 9, b = 9, c = 9, d = 9;
  CHECK_RC(N(nvmlDeviceGetRemappedRows, f_dremap)(h, &a, &b, &c, &d), 0);
  CHECK(c == 1 && d == 0 && b == 1, "remap %u %u %u %u", a, b, c, d);
}

static void context_fails(int arg) {
  (void)arg;
  void* ctx = NULL;
  CHECK_RC(C(cuInit, c_init)(0), 0);
  CHECK_RC(C(cuDevicePrimaryCtxRetain, c_retain)(&ctx, 0), 0);
  CHECK_RC(C(cuDevicePrimaryCtxRetain, c_retain)(&ctx, 1), 999);
  CHECK_RC(C(cuDevicePrimaryCtxRelease_v2, c_release)(1), 201);
}

static void versions(int arg) {
  (void)arg;
  char buf[80];
  int v = 0;
  CHECK_RC(nv_init(), 0);
  CHECK_RC(N(nvmlSystemGetDriverVersion, f_str)(buf, sizeof buf), 0);
  CHECK(strcmp(buf, "535.104.05") == 0, "driver %s", buf);
  CHECK_RC(C(cuDriverGetVersion, c_pint)(&v), 0);
  CHECK(v == 12020, "cuda %d", v);
}

static void override_error(int arg) {
  (void)arg;
  CHECK_RC(nv_init(), 0);
  void* h = nv_handle(0);
  unsigned a, b, c, d;
  CHECK_RC(N(nvmlDeviceGetRemappedRows, f_dremap)(h, &a, &b, &c, &d), 15);
  int v;
  CHECK_RC(N(nvmlDeviceGetPersistenceMode, f_dint)(h, &v), 0);
  CHECK_RC(C(cuInit, c_init)(0), 0);
  CHECK_RC(C(cuDeviceGetAttribute, c_attr)(&v, 75, 0), 999);
}

static void name_call(int arg) {
  char buf[96];
  if (arg == 0) {
    CHECK_RC(nv_init(), 0);
    N(nvmlDeviceGetName, f_dstr)(nv_handle(0), buf, sizeof buf);
  } else {
    CHECK_RC(C(cuInit, c_init)(0), 0);
    C(cuDeviceGetName, c_str)(buf, sizeof buf, 0);
  }
  fprintf(stderr, "    returned\n");
}

static void context_crash(int arg) {
  (void)arg;
  void* ctx;
  CHECK_RC(C(cuInit, c_init)(0), 0);
  C(cuDevicePrimaryCtxRetain, c_retain)(&ctx, 0);
}

/* ---- the driver API beyond enumeration (what frameworks call) ------------- */

/* CUdevice_attribute values (cuda.h) the frameworks read, for the default
 * H100 unless the scenario changes them. arg: 1 = prohibited.conf. */
static void cuda_attributes(int arg) {
  c_attr attr = C(cuDeviceGetAttribute, c_attr);
  int v = -7;
  CHECK_RC(attr(&v, 1, 0), 3); /* before cuInit */
  CHECK_RC(C(cuInit, c_init)(0), 0);
  static const struct {
    int attr, want;
  } kWant[] = {
      {1, 1024},                                 /* MAX_THREADS_PER_BLOCK */
      {2, 1024},         {3, 1024},  {4, 64},    /* MAX_BLOCK_DIM_X/Y/Z */
      {5, 2147483647},   {6, 65535}, {7, 65535}, /* MAX_GRID_DIM_X/Y/Z */
      {8, 49152},                                /* MAX_SHARED_MEMORY_PER_BLOCK */
      {10, 32},                                  /* WARP_SIZE */
      {12, 65536},                               /* MAX_REGISTERS_PER_BLOCK */
      {13, 1980000},                             /* CLOCK_RATE */
      {16, 132},                                 /* MULTIPROCESSOR_COUNT */
      {18, 0},                                   /* INTEGRATED */
      {33, 1},                                   /* PCI_BUS_ID */
      {34, 0},                                   /* PCI_DEVICE_ID */
      {36, 2619000},                             /* MEMORY_CLOCK_RATE */
      {37, 5120},                                /* GLOBAL_MEMORY_BUS_WIDTH */
      {38, 52428800},                            /* L2_CACHE_SIZE */
      {39, 2048},                                /* MAX_THREADS_PER_MULTIPROCESSOR */
      {41, 1},                                   /* UNIFIED_ADDRESSING */
      {50, 0},                                   /* PCI_DOMAIN_ID */
      {75, 9},           {76, 0},                /* COMPUTE_CAPABILITY_MAJOR/MINOR */
      {81, 233472},                              /* MAX_SHARED_MEMORY_PER_MULTIPROCESSOR */
      {82, 65536},                               /* MAX_REGISTERS_PER_MULTIPROCESSOR */
      {97, 232448},                              /* MAX_SHARED_MEMORY_PER_BLOCK_OPTIN */
      {106, 32},                                 /* MAX_BLOCKS_PER_MULTIPROCESSOR */
      {139, 0x233010de},                         /* GPU_PCI_DEVICE_ID */
      {147, 0},                                  /* the last one CUDA 13.0 defines */
  };
  for (size_t i = 0; i < sizeof kWant / sizeof kWant[0]; i++) {
    v = -7;
    CHECK_RC(attr(&v, kWant[i].attr, 0), 0);
    CHECK(v == kWant[i].want, "attribute %d = %d, want %d", kWant[i].attr, v, kWant[i].want);
  }
  v = -7;
  CHECK_RC(attr(&v, 20, 0), 0); /* COMPUTE_MODE: CUcomputemode, NVML's numbers */
  CHECK(v == (arg == 1 ? 2 : 0), "compute mode %d", v);
  CHECK_RC(attr(&v, 0, 0), 1);
  CHECK_RC(attr(&v, 148, 0), 1); /* CU_DEVICE_ATTRIBUTE_MAX */
  CHECK_RC(attr(&v, -1, 0), 1);
  CHECK_RC(attr(NULL, 1, 0), 1);
  CHECK_RC(attr(&v, 1, 1), 101);
}

/* arg: 0 = 8 GPUs (PCI order), 1 = MIG device. */
static void cuda_attributes_gpu(int arg) {
  c_attr attr = C(cuDeviceGetAttribute, c_attr);
  int v = -7;
  CHECK_RC(C(cuInit, c_init)(0), 0);
  if (arg == 0) { /* healthy-8gpu in PCI order: device 3 is NVML 3 */
    CHECK_RC(nv_init(), 0);
    struct PciInfo pci;
    CHECK_RC(N(nvmlDeviceGetPciInfo_v3, f_dpci)(nv_handle(3), &pci), 0);
    CHECK_RC(attr(&v, 33, 3), 0);
    CHECK(v == (int)pci.bus, "bus %d want %u", v, pci.bus);
    CHECK_RC(attr(&v, 50, 3), 0);
    CHECK(v == (int)pci.domain, "domain %d want %u", v, pci.domain);
    CHECK_RC(attr(&v, 85, 3), 0); /* MULTI_GPU_BOARD_GROUP_ID: the NVML index */
    CHECK(v == 3, "board group %d", v);
  } else {
    CHECK_RC(attr(&v, 16, 0), 0);
    CHECK(v == 16, "MIG SM count %d", v);
    size_t mem = 0;
    CHECK_RC(C(cuDeviceTotalMem_v2, c_mem)(&mem, 0), 0);
    void* ctx;
    CHECK_RC(C(cuDevicePrimaryCtxRetain, c_retain)(&ctx, 0), 0);
    CHECK_RC(C(cuCtxSetCurrent, c_ctx)(ctx), 0);
    size_t f = 0, t = 0;
    CHECK_RC(C(cuMemGetInfo_v2, c_meminfo)(&f, &t), 0);
    CHECK(t == mem && f == t, "MIG memory %zu %zu (total %zu)", f, t, mem);
    int can = -1;
    CHECK_RC(C(cuDeviceCanAccessPeer, c_peer)(&can, 0, 0), 0);
    CHECK(can == 0, "MIG peer %d", can);
  }
}

static void* other_thread_ctx(void* arg) {
  void* cur = (void*)1;
  int rc = C(cuCtxGetCurrent, c_pctx)(&cur);
  *(int*)arg = rc == 0 && cur == NULL;
  return NULL;
}

/* Primary and created contexts, the per-thread stack, limits. arg: 1 =
 * prohibited.conf (context creation fails with 46). */
static void cuda_contexts(int arg) {
  void *cur = (void*)1, *prim = NULL, *ctx = NULL, *popped = NULL;
  int dev = -1;
  unsigned flags = 99;
  int active = -1;
  CHECK_RC(C(cuCtxGetCurrent, c_pctx)(&cur), 3); /* before cuInit */
  CHECK_RC(C(cuCtxCreate_v2, c_ctx_create)(&ctx, 0, 0), 3);
  CHECK_RC(C(cuInit, c_init)(0), 0);
  if (arg == 1) {
    CHECK_RC(C(cuCtxCreate_v2, c_ctx_create)(&ctx, 0, 0), 46);
    CHECK_RC(C(cuCtxCreate_v4, c_ctx_create4)(&ctx, NULL, 0, 0), 46);
    CHECK_RC(C(cuDevicePrimaryCtxRetain, c_retain)(&prim, 0), 46);
    CHECK_RC(C(cuCtxGetCurrent, c_pctx)(&cur), 0);
    CHECK(cur == NULL, "a context is current");
    return;
  }
  CHECK_RC(C(cuCtxGetCurrent, c_pctx)(&cur), 0);
  CHECK(cur == NULL, "current before any context");
  CHECK_RC(C(cuCtxGetCurrent, c_pctx)(NULL), 1);
  CHECK_RC(C(cuCtxGetDevice, c_pint)(&dev), 201);
  CHECK_RC(C(cuCtxSynchronize, c_void)(), 201);
  CHECK_RC(C(cuCtxPopCurrent_v2, c_pctx)(&popped), 201);
  /* primary context state */
  CHECK_RC(C(cuDevicePrimaryCtxGetState, c_state)(0, &flags, &active), 0);
  CHECK(flags == 0 && active == 0, "state %u %d", flags, active);
  CHECK_RC(C(cuDevicePrimaryCtxGetState, c_state)(1, &flags, &active), 101);
  CHECK_RC(C(cuDevicePrimaryCtxGetState, c_state)(0, NULL, &active), 1);
  CHECK_RC(C(cuDevicePrimaryCtxSetFlags_v2, c_dev_uint)(0, 4), 0); /* SCHED_BLOCKING_SYNC */
  CHECK_RC(C(cuDevicePrimaryCtxSetFlags_v2, c_dev_uint)(0, 0x100), 1);
  CHECK_RC(C(cuDevicePrimaryCtxRetain, c_retain)(&prim, 0), 0);
  CHECK_RC(C(cuDevicePrimaryCtxGetState, c_state)(0, &flags, &active), 0);
  CHECK(flags == 4 && active == 1, "state %u %d", flags, active);
  CHECK_RC(C(cuCtxSetCurrent, c_ctx)(prim), 0);
  CHECK_RC(C(cuCtxGetCurrent, c_pctx)(&cur), 0);
  CHECK(cur == prim, "current is not the primary context");
  CHECK_RC(C(cuCtxGetDevice, c_pint)(&dev), 0);
  CHECK(dev == 0, "device %d", dev);
  CHECK_RC(C(cuCtxGetFlags, c_puint)(&flags), 0);
  CHECK(flags == 4, "ctx flags %u", flags);
  CHECK_RC(C(cuCtxSynchronize, c_void)(), 0);
  unsigned api = 0;
  CHECK_RC(C(cuCtxGetApiVersion, c_apiver)(prim, &api), 0);
  CHECK(api == 3020, "api version %u", api);
  /* limits */
  size_t lim = 0;
  CHECK_RC(C(cuCtxGetLimit, c_getlimit)(&lim, 0), 0);
  CHECK(lim == 1024, "stack limit %zu", lim);
  CHECK_RC(C(cuCtxGetLimit, c_getlimit)(&lim, 2), 0);
  CHECK(lim == 8388608, "heap limit %zu", lim);
  CHECK_RC(C(cuCtxSetLimit, c_setlimit)(0, 4096), 0);
  CHECK_RC(C(cuCtxGetLimit, c_getlimit)(&lim, 0), 0);
  CHECK(lim == 4096, "stack limit after set %zu", lim);
  CHECK_RC(C(cuCtxSetLimit, c_setlimit)(7, 1), 215);
  CHECK_RC(C(cuCtxGetLimit, c_getlimit)(&lim, 10), 1);
  int least = 9, greatest = 9;
  CHECK_RC(C(cuCtxGetStreamPriorityRange, c_2pint)(&least, &greatest), 0);
  CHECK(least == 0 && greatest == -5, "priorities %d %d", least, greatest);
  /* a created context goes on top of the stack */
  CHECK_RC(C(cuCtxCreate_v2, c_ctx_create)(&ctx, 0x100, 0), 1);
  CHECK_RC(C(cuCtxCreate_v2, c_ctx_create)(&ctx, 0, 1), 101);
  CHECK_RC(C(cuCtxCreate_v2, c_ctx_create)(NULL, 0, 0), 1);
  CHECK_RC(C(cuCtxCreate_v2, c_ctx_create)(&ctx, 1, 0), 0);
  CHECK(ctx != NULL && ctx != prim, "created context %p", ctx);
  CHECK_RC(C(cuCtxGetCurrent, c_pctx)(&cur), 0);
  CHECK(cur == ctx, "created context is not current");
  CHECK_RC(C(cuCtxGetFlags, c_puint)(&flags), 0);
  CHECK(flags == 1, "created ctx flags %u", flags);
  CHECK_RC(C(cuCtxGetLimit, c_getlimit)(&lim, 0), 0);
  CHECK(lim == 1024, "created ctx stack limit %zu", lim);
  int other_ok = 0;
  pthread_t th;
  CHECK(pthread_create(&th, NULL, other_thread_ctx, &other_ok) == 0, "pthread_create");
  pthread_join(th, NULL);
  CHECK(other_ok, "another thread sees a current context");
  CHECK_RC(C(cuCtxPushCurrent_v2, c_ctx)(prim), 0);
  CHECK_RC(C(cuCtxPopCurrent_v2, c_pctx)(&popped), 0);
  CHECK(popped == prim, "popped %p", popped);
  CHECK_RC(C(cuCtxPushCurrent_v2, c_ctx)(NULL), 201);
  CHECK_RC(C(cuCtxPushCurrent_v2, c_ctx)(&dev), 201); /* not a context */
  CHECK_RC(C(cuCtxSetCurrent, c_ctx)(&dev), 201);
  CHECK_RC(C(cuCtxDestroy_v2, c_ctx)(ctx), 0); /* leaves the stack: primary is current again */
  CHECK_RC(C(cuCtxGetCurrent, c_pctx)(&cur), 0);
  CHECK(cur == prim, "current after destroy %p", cur);
  CHECK_RC(C(cuCtxDestroy_v2, c_ctx)(ctx), 201);
  CHECK_RC(C(cuCtxDestroy_v2, c_ctx)(prim), 201); /* primary contexts are released, not destroyed */
  CHECK_RC(C(cuCtxCreate_v4, c_ctx_create4)(&ctx, NULL, 0, 0), 0);
  CHECK_RC(C(cuCtxDestroy, c_ctx)(ctx), 0);
  CHECK_RC(C(cuCtxCreate_v3, c_ctx_create3)(&ctx, NULL, 1, 0, 0), 1);
  CHECK_RC(C(cuCtxCreate_v3, c_ctx_create3)(&ctx, NULL, 0, 0, 0), 0);
  CHECK_RC(C(cuCtxPopCurrent, c_pctx)(&popped), 0);
  CHECK(popped == ctx, "popped %p", popped);
  CHECK_RC(C(cuCtxDestroy_v2, c_ctx)(ctx), 0);
  CHECK_RC(C(cuCtxSetCurrent, c_ctx)(NULL), 0); /* pops the primary */
  CHECK_RC(C(cuCtxGetCurrent, c_pctx)(&cur), 0);
  CHECK(cur == NULL, "current after SetCurrent(NULL) %p", cur);
  CHECK_RC(C(cuCtxSetCurrent, c_ctx)(NULL), 0); /* empty: no-op */
  CHECK_RC(C(cuDevicePrimaryCtxReset_v2, c_release)(0), 0);
  CHECK_RC(C(cuDevicePrimaryCtxGetState, c_state)(0, &flags, &active), 0);
  CHECK(flags == 0 && active == 1, "state after reset %u %d", flags, active);
  CHECK_RC(C(cuDevicePrimaryCtxRelease, c_release)(0), 0);
  CHECK_RC(C(cuDevicePrimaryCtxGetState, c_state)(0, &flags, &active), 0);
  CHECK(active == 0, "still active after release");
  CHECK_RC(C(cuDevicePrimaryCtxRelease, c_release)(0), 201);
}

/* Device memory, page-locked host memory. arg: 0 = defaults, 1 = scenario
 * with memory_used = 10 GiB. */
static void cuda_memory(int arg) {
  const size_t gib = 1ull << 30;
  size_t f = 0, t = 0;
  unsigned long long p = 0, q = 0, base = 0;
  CHECK_RC(C(cuMemGetInfo_v2, c_meminfo)(&f, &t), 3);
  CHECK_RC(C(cuInit, c_init)(0), 0);
  CHECK_RC(C(cuMemGetInfo_v2, c_meminfo)(&f, &t), 201); /* no context */
  CHECK_RC(C(cuMemAlloc_v2, c_alloc)(&p, gib), 201);
  void* ctx;
  CHECK_RC(C(cuDevicePrimaryCtxRetain, c_retain)(&ctx, 0), 0);
  CHECK_RC(C(cuCtxPushCurrent_v2, c_ctx)(ctx), 0);
  CHECK_RC(C(cuMemGetInfo_v2, c_meminfo)(&f, &t), 0);
  CHECK_RC(C(cuMemGetInfo_v2, c_meminfo)(NULL, &t), 1);
  size_t used = arg == 1 ? 10 * gib : 0;
  CHECK(t == 80 * gib && f == t - used, "memory %zu free of %zu", f, t);
  /* XLA's default: preallocate 75% of free memory */
  CHECK_RC(C(cuMemAlloc_v2, c_alloc)(&p, f / 4 * 3), 0);
  CHECK(p != 0 && p % 4096 == 0, "pointer %#llx", p);
  size_t f2 = 0;
  CHECK_RC(C(cuMemGetInfo_v2, c_meminfo)(&f2, &t), 0);
  CHECK(f2 == f - f / 4 * 3, "free after alloc %zu", f2);
  CHECK_RC(C(cuMemAlloc_v2, c_alloc)(&q, f2 + 1), 2); /* OUT_OF_MEMORY */
  CHECK_RC(C(cuMemAlloc_v2, c_alloc)(&q, 0), 1);
  CHECK_RC(C(cuMemAlloc_v2, c_alloc)(NULL, 1), 1);
  CHECK_RC(C(cuMemAlloc_v2, c_alloc)(&q, 100), 0);
  CHECK(q != p, "same pointer twice");
  size_t size = 0;
  CHECK_RC(C(cuMemGetAddressRange_v2, c_range)(&base, &size, p + 12345), 0);
  CHECK(base == p && size == f / 4 * 3, "range %#llx %zu", base, size);
  CHECK_RC(C(cuMemGetAddressRange_v2, c_range)(&base, &size, 16), 500);
  CHECK_RC(C(cuMemFree_v2, c_free)(p), 0);
  CHECK_RC(C(cuMemFree_v2, c_free)(p), 1);
  CHECK_RC(C(cuMemFree_v2, c_free)(q + 1), 1); /* not the start of an allocation */
  CHECK_RC(C(cuMemFree_v2, c_free)(q), 0);
  CHECK_RC(C(cuMemFree_v2, c_free)(0), 0);
  CHECK_RC(C(cuMemGetInfo_v2, c_meminfo)(&f2, &t), 0);
  CHECK(f2 == f, "free after frees %zu", f2);
  /* page-locked host memory is host memory */
  void *h = NULL, *h2 = NULL;
  CHECK_RC(C(cuMemAllocHost_v2, c_hostalloc)(&h, 1 << 20), 0);
  CHECK(h != NULL, "host alloc");
  if (h) ((volatile char*)h)[12345] = 7;
  unsigned long long d = 0;
  CHECK_RC(C(cuMemHostGetDevicePointer_v2, c_hostdev)(&d, h, 0), 0);
  CHECK(d == (unsigned long long)(uintptr_t)h, "device pointer of host memory");
  CHECK_RC(C(cuMemHostGetDevicePointer_v2, c_hostdev)(&d, &d, 0), 1);
  CHECK_RC(C(cuMemHostAlloc, c_hostalloc_f)(&h2, 4096, 2), 0); /* DEVICEMAP */
  CHECK_RC(C(cuMemHostAlloc, c_hostalloc_f)(&h2, 4096, 8), 1);
  CHECK_RC(C(cuMemFreeHost, c_ctx)(h), 0);
  CHECK_RC(C(cuMemFreeHost, c_ctx)(h), 1);
  CHECK_RC(C(cuMemFreeHost, c_ctx)(h2), 0);
  char buf[64];
  CHECK_RC(C(cuMemHostRegister_v2, c_hostreg)(buf, sizeof buf, 0), 0);
  CHECK_RC(C(cuMemHostUnregister, c_ctx)(buf), 0);
  CHECK_RC(C(cuMemGetInfo_v2, c_meminfo)(&f2, &t), 0);
  CHECK(f2 == f, "host memory counted as device memory");
}

static void cuda_streams(int arg) {
  (void)arg;
  void *s = NULL, *s2 = NULL, *e = NULL, *e2 = NULL, *ctx = NULL;
  CHECK_RC(C(cuStreamCreate, c_screate)(&s, 0), 3);
  CHECK_RC(C(cuInit, c_init)(0), 0);
  CHECK_RC(C(cuStreamCreate, c_screate)(&s, 0), 201); /* no context */
  CHECK_RC(C(cuStreamSynchronize, c_ctx)(NULL), 201);
  CHECK_RC(C(cuDevicePrimaryCtxRetain, c_retain)(&ctx, 0), 0);
  CHECK_RC(C(cuCtxSetCurrent, c_ctx)(ctx), 0);
  CHECK_RC(C(cuStreamCreate, c_screate)(&s, 2), 1);
  CHECK_RC(C(cuStreamCreate, c_screate)(&s, 1), 0); /* NON_BLOCKING */
  CHECK_RC(C(cuStreamCreateWithPriority, c_screate_p)(&s2, 0, -10), 0);
  int prio = 9;
  CHECK_RC(C(cuStreamGetPriority, c_sprio)(s2, &prio), 0);
  CHECK(prio == -5, "priority %d", prio);
  unsigned flags = 9;
  CHECK_RC(C(cuStreamGetFlags, c_sflags)(s, &flags), 0);
  CHECK(flags == 1, "stream flags %u", flags);
  CHECK_RC(C(cuStreamQuery, c_ctx)(s), 0);
  CHECK_RC(C(cuStreamSynchronize, c_ctx)(s), 0);
  CHECK_RC(C(cuStreamSynchronize, c_ctx)(NULL), 0);
  CHECK_RC(C(cuStreamSynchronize, c_ctx)((void*)1), 0); /* CU_STREAM_LEGACY */
  CHECK_RC(C(cuStreamSynchronize, c_ctx)((void*)2), 0); /* CU_STREAM_PER_THREAD */
  CHECK_RC(C(cuStreamSynchronize, c_ctx)(&flags), 400);
  CHECK_RC(C(cuEventCreate, c_screate)(&e, 2), 0); /* DISABLE_TIMING */
  CHECK_RC(C(cuEventCreate, c_screate)(&e2, 0), 0);
  CHECK_RC(C(cuEventCreate, c_screate)(&e2, 8), 1);
  CHECK_RC(C(cuEventRecord, c_record)(e, s), 0);
  CHECK_RC(C(cuEventRecord, c_record)(e, &flags), 400);
  CHECK_RC(C(cuStreamWaitEvent, c_wait)(s2, e, 0), 0);
  CHECK_RC(C(cuStreamWaitEvent, c_wait)(s2, s, 0), 400); /* a stream is not an event */
  CHECK_RC(C(cuEventQuery, c_ctx)(e), 0);
  CHECK_RC(C(cuEventSynchronize, c_ctx)(e), 0);
  float ms = -1;
  CHECK_RC(C(cuEventElapsedTime_v2, c_elapsed)(&ms, e, e2), 0);
  CHECK(ms == 0.0f, "elapsed %f", (double)ms);
  CHECK_RC(C(cuEventDestroy_v2, c_ctx)(e), 0);
  CHECK_RC(C(cuEventDestroy_v2, c_ctx)(e), 400);
  CHECK_RC(C(cuEventDestroy, c_ctx)(e2), 0);
  CHECK_RC(C(cuStreamDestroy_v2, c_ctx)(s), 0);
  CHECK_RC(C(cuStreamDestroy_v2, c_ctx)(s), 400);
  CHECK_RC(C(cuStreamDestroy, c_ctx)(s2), 0);
}

static void cuda_peers(int arg) {
  (void)arg;
  int can = -1, v = -1;
  CHECK_RC(C(cuInit, c_init)(0), 0);
  c_peer peer = C(cuDeviceCanAccessPeer, c_peer);
  CHECK_RC(peer(&can, 0, 1), 0);
  CHECK(can == 1, "0 -> 1: %d", can);
  CHECK_RC(peer(&can, 2, 2), 0);
  CHECK(can == 0, "2 -> 2: %d", can);
  CHECK_RC(peer(&can, 0, 8), 101);
  CHECK_RC(peer(NULL, 0, 1), 1);
  c_p2p p2p = C(cuDeviceGetP2PAttribute, c_p2p);
  CHECK_RC(p2p(&v, 2, 0, 1), 0); /* ACCESS_SUPPORTED */
  CHECK(v == 1, "access supported %d", v);
  CHECK_RC(p2p(&v, 1, 0, 1), 0); /* PERFORMANCE_RANK */
  CHECK(v == 0, "rank %d", v);
  CHECK_RC(p2p(&v, 2, 1, 1), 101);
  CHECK_RC(p2p(&v, 9, 0, 1), 1);
  void *c0, *c1;
  CHECK_RC(C(cuDevicePrimaryCtxRetain, c_retain)(&c0, 0), 0);
  CHECK_RC(C(cuDevicePrimaryCtxRetain, c_retain)(&c1, 1), 0);
  CHECK_RC(C(cuCtxEnablePeerAccess, c_enable_peer)(c1, 0), 201); /* no current context */
  CHECK_RC(C(cuCtxSetCurrent, c_ctx)(c0), 0);
  CHECK_RC(C(cuCtxEnablePeerAccess, c_enable_peer)(c1, 0), 0);
  CHECK_RC(C(cuCtxEnablePeerAccess, c_enable_peer)(c0, 0), 217);
  CHECK_RC(C(cuCtxEnablePeerAccess, c_enable_peer)(c1, 1), 1);
  CHECK_RC(C(cuCtxDisablePeerAccess, c_ctx)(c1), 0);
}

/* cuGetProcAddress(_v2): base names by CUDA version. Works before cuInit. */
static void cuda_proc_address(int arg) {
  (void)arg;
  c_proc proc = C(cuGetProcAddress_v2, c_proc);
  struct {
    const char* name;
    int version;
    const char* want; /* NULL: not found */
    int status;
  } kCases[] = {
      {"cuInit", 2000, "cuInit", 0},
      {"cuGetProcAddress", 11030, "cuGetProcAddress", 0},
      {"cuGetProcAddress", 12000, "cuGetProcAddress_v2", 0},
      {"cuDeviceTotalMem", 3020, "cuDeviceTotalMem_v2", 0},
      {"cuDeviceTotalMem", 2000, NULL, 2}, /* the 32-bit v1 ABI is not there */
      {"cuMemAlloc", 12080, "cuMemAlloc_v2", 0},
      {"cuMemGetInfo", 13000, "cuMemGetInfo_v2", 0},
      {"cuCtxCreate", 2000, "cuCtxCreate", 0},
      {"cuCtxCreate", 3020, "cuCtxCreate_v2", 0},
      {"cuCtxCreate", 11040, "cuCtxCreate_v3", 0},
      {"cuCtxCreate", 12080, "cuCtxCreate_v4", 0},
      {"cuCtxDestroy", 4000, "cuCtxDestroy_v2", 0},
      {"cuDevicePrimaryCtxRelease", 7000, "cuDevicePrimaryCtxRelease", 0},
      {"cuDevicePrimaryCtxRelease", 12000, "cuDevicePrimaryCtxRelease_v2", 0},
      {"cuEventElapsedTime", 12000, "cuEventElapsedTime", 0},
      {"cuEventElapsedTime", 12080, "cuEventElapsedTime_v2", 0},
      {"cuDeviceGetUuid", 11040, "cuDeviceGetUuid_v2", 0},
      {"cuStreamSynchronize", 7000, "cuStreamSynchronize", 0},
      {"cuTensorMapEncodeTiled", 12000, "cuTensorMapEncodeTiled", 0},
      {"cuGetExportTable", 3000, NULL, 1}, /* cudart's first request: not there */
      {"cuLaunchKernel", 4000, NULL, 1},
      {"fake_scenario", 12000, NULL, 1}, /* hidden */
      {"malloc", 12000, NULL, 1},        /* not ours */
  };
  for (size_t i = 0; i < sizeof kCases / sizeof kCases[0]; i++) {
    void* p = (void*)1;
    int status = 9;
    int rc = proc(kCases[i].name, &p, kCases[i].version, 0, &status);
    void* want = kCases[i].want ? sym(cuda(), kCases[i].want) : NULL;
    CHECK(rc == (want ? 0 : 500) && p == want && status == kCases[i].status,
          "%s@%d: rc %d status %d pointer %s", kCases[i].name, kCases[i].version, rc, status,
          p == want ? "right" : "wrong");
  }
  void* p = NULL;
  CHECK_RC(proc("cuInit", &p, 12000, 2, NULL), 0); /* PER_THREAD_DEFAULT_STREAM, no status */
  CHECK_RC(proc("cuInit", &p, 12000, 4, NULL), 1);
  CHECK_RC(proc(NULL, &p, 12000, 0, NULL), 1);
  CHECK_RC(proc("cuInit", NULL, 12000, 0, NULL), 1);
  CHECK_RC(C(cuGetProcAddress, c_proc1)("cuMemFree", &p, 12000, 0), 0);
  CHECK(p == sym(cuda(), "cuMemFree_v2"), "v1 cuGetProcAddress");
  /* what it returns is the exported function: the whole driver works through it */
  c_init init = NULL;
  CHECK_RC(proc("cuInit", (void**)&init, 12000, 0, NULL), 0);
  CHECK_RC(init ? init(0) : -1, 0);
}

/* Overrides reach the new functions, also through cuGetProcAddress. */
static void cuda_override_new(int arg) {
  (void)arg;
  CHECK_RC(C(cuInit, c_init)(0), 0);
  void* ctx = NULL;
  CHECK_RC(C(cuCtxCreate_v2, c_ctx_create)(&ctx, 0, 0), 0);
  unsigned long long p;
  CHECK_RC(C(cuMemAlloc_v2, c_alloc)(&p, 1024), 2);
  c_alloc alloc = NULL;
  CHECK_RC(C(cuGetProcAddress_v2, c_proc)("cuMemAlloc", (void**)&alloc, 12000, 0, NULL), 0);
  CHECK_RC(alloc ? alloc(&p, 1024) : -1, 2);
  void* s;
  CHECK_RC(C(cuStreamCreate, c_screate)(&s, 0), 999);
  void* init = NULL;
  CHECK_RC(C(cuGetProcAddress, c_proc1)("cuInit", &init, 12000, 0), 500);
  size_t f, t;
  CHECK_RC(C(cuMemGetInfo_v2, c_meminfo)(&f, &t), 0);
  unsigned long long dims[2] = {64, 64}, strides[1] = {256};
  unsigned box[2] = {8, 8}, elem[2] = {1, 1};
  _Alignas(128) unsigned char map[128];
  c_tmap tmap = C(cuTensorMapEncodeTiled, c_tmap);
  static _Alignas(16) float data[64 * 64];
  CHECK_RC(tmap(map, 7, 2, data, dims, strides, box, elem, 0, 0, 0, 0), 0);
  CHECK_RC(tmap(map, 7, 6, data, dims, strides, box, elem, 0, 0, 0, 0), 1);
  CHECK_RC(tmap(map, 7, 2, (char*)data + 4, dims, strides, box, elem, 0, 0, 0, 0), 1);
}

static void context_call(int arg) {
  (void)arg;
  void* ctx;
  CHECK_RC(C(cuInit, c_init)(0), 0);
  C(cuCtxCreate_v2, c_ctx_create)(&ctx, 0, 0);
  fprintf(stderr, "    returned\n");
}

/* ---- the context registry: CUDA processes as NVML sees them --------------- */

/* Writes a scenario (fmt, with %s for the registry path) into a fresh
 * directory and points ONGPU_FAKE_SCENARIO at it; the registry is
 * <dir>/registry and does not exist yet. Call before the first API call. */
static char g_registry[PATH_MAX];
static void registry_scenario(const char* fmt) {
  static char dir[] = "/tmp/ongpu-fake-registry-XXXXXX";
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    _exit(3);
  }
  char path[PATH_MAX], text[8192];
  snprintf(g_registry, sizeof g_registry, "%s/registry", dir);
  snprintf(path, sizeof path, "%s/scenario.conf", dir);
  int len = snprintf(text, sizeof text, fmt, g_registry);
  FILE* f = fopen(path, "w");
  if (!f || fwrite(text, 1, (size_t)len, f) != (size_t)len || fclose(f) != 0) {
    perror(path);
    _exit(3);
  }
  setenv("ONGPU_FAKE_SCENARIO", path, 1);
}

static void registry_cleanup(void) {
  char path[PATH_MAX];
  unlink(g_registry);
  snprintf(path, sizeof path, "%s", g_registry);
  char* slash = strrchr(path, '/');
  if (!slash) return;
  snprintf(slash, sizeof path - (size_t)(slash - path), "/scenario.conf");
  unlink(path);
  *slash = '\0';
  rmdir(path);
}

/* The registry file's contents ("" when it does not exist). */
static const char* registry_text(void) {
  static char buf[65536];
  buf[0] = '\0';
  FILE* f = fopen(g_registry, "r");
  if (!f) return buf;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

static void registry_append(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  FILE* f = fopen(g_registry, "a");
  CHECK(f != NULL, "open %s", g_registry);
  if (f) {
    vfprintf(f, fmt, ap);
    fclose(f);
  }
  va_end(ap);
}

/* NVML's compute processes on h (at most 64). */
static unsigned nv_procs(void* h, struct ProcessInfo* out) {
  unsigned n = 64;
  CHECK_RC(N(nvmlDeviceGetComputeRunningProcesses_v3, f_dprocs)(h, &n, out), 0);
  return n <= 64 ? n : 0;
}

/* The memory NVML lists for pid on h, or -1 when it is not listed (or twice). */
static long long nv_mem(void* h, unsigned pid) {
  struct ProcessInfo p[64];
  unsigned n = nv_procs(h, p);
  long long bytes = -1;
  int seen = 0;
  for (unsigned i = 0; i < n; i++)
    if (p[i].pid == pid) {
      bytes = (long long)p[i].usedGpuMemory;
      seen++;
      CHECK(p[i].gpuInstanceId == 0xFFFFFFFFu && p[i].computeInstanceId == 0xFFFFFFFFu,
            "instance ids %u %u", p[i].gpuInstanceId, p[i].computeInstanceId);
    }
  return seen == 1 ? bytes : -1;
}

static unsigned long long now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000ULL;
}

/* A CUDA process for the registry: a child that loads the CUDA fake (this
 * process has not) with CUDA_VISIBLE_DEVICES=cvd and runs its steps, waiting
 * for worker_go after each one that worker_step waits for. */
struct worker {
  pid_t pid;
  int up, down; /* read: the child finished a step; write: the child may go on */
};

static void worker_signal(int fd) {
  if (write(fd, "x", 1) != 1) _exit(4);
}
static int worker_wait(int fd) {
  char c;
  return read(fd, &c, 1) == 1;
}

/* mode 0: primary context on ordinal 0, a created one, 1 GiB, then 100 bytes
 * and the GiB freed. 1: cuCtxCreate_v4 only. 2: a context that fails (46). */
static void worker_body(int mode, int up, int down) {
  g_failed = 0;
  CHECK_RC(C(cuInit, c_init)(0), 0);
  void *prim = NULL, *ctx = NULL;
  if (mode == 0) {
    CHECK_RC(C(cuDevicePrimaryCtxRetain, c_retain)(&prim, 0), 0);
    CHECK_RC(C(cuCtxCreate_v2, c_ctx_create)(&ctx, 0, 0), 0); /* not a new line */
    worker_signal(up);
    if (!worker_wait(down)) _exit(5);
    unsigned long long p = 0, q = 0;
    CHECK_RC(C(cuMemAlloc_v2, c_alloc)(&p, 1ull << 30), 0);
    CHECK_RC(C(cuMemAlloc_v2, c_alloc)(&q, 1ull << 60), 2); /* fails: no line */
    worker_signal(up);
    if (!worker_wait(down)) _exit(5);
    CHECK_RC(C(cuMemAlloc_v2, c_alloc)(&q, 100), 0);
    CHECK_RC(C(cuMemFree_v2, c_free)(p), 0);
    CHECK_RC(C(cuMemFree_v2, c_free)(p), 1); /* fails: no line */
    CHECK_RC(C(cuMemFree_v2, c_free)(0), 0); /* frees nothing: no line */
  } else if (mode == 1) {
    CHECK_RC(C(cuCtxCreate_v4, c_ctx_create4)(&ctx, NULL, 0, 0), 0);
  } else {
    CHECK_RC(C(cuDevicePrimaryCtxRetain, c_retain)(&prim, 0), 46);
    CHECK_RC(C(cuCtxCreate_v2, c_ctx_create)(&ctx, 0, 0), 46);
  }
  worker_signal(up);
  if (!worker_wait(down)) _exit(5);
  fflush(NULL);
  _exit(g_failed ? 1 : 0);
}

static struct worker worker_start(int mode, const char* cvd) {
  int up[2], down[2];
  struct worker w = {-1, -1, -1};
  if (pipe(up) != 0 || pipe(down) != 0) {
    CHECK(0, "pipe");
    return w;
  }
  fflush(NULL);
  w.pid = fork();
  if (w.pid == 0) {
    close(up[0]);
    close(down[1]);
    setenv("CUDA_VISIBLE_DEVICES", cvd, 1);
    worker_body(mode, up[1], down[0]);
  }
  close(up[1]);
  close(down[0]);
  w.up = up[0];
  w.down = down[1];
  CHECK(w.pid > 0, "fork");
  return w;
}

static void worker_step(struct worker* w) { CHECK(worker_wait(w->up), "worker died"); }
static void worker_go(struct worker* w) {
  if (write(w->down, "x", 1) != 1) CHECK(0, "worker gone");
}

/* Lets the worker finish and waits until it has exited, without reaping it:
 * it stays a zombie until worker_reap. */
static void worker_finish(struct worker* w) {
  worker_go(w);
  siginfo_t info;
  memset(&info, 0, sizeof info);
  CHECK(waitid(P_PID, (id_t)w->pid, &info, WEXITED | WNOWAIT) == 0, "waitid: %s", strerror(errno));
  CHECK(info.si_code == CLD_EXITED && info.si_status == 0, "worker ended with %d/%d", info.si_code,
        info.si_status);
}
static void worker_reap(struct worker* w) {
  int status = -1;
  CHECK(waitpid(w->pid, &status, 0) == w->pid, "waitpid");
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "worker status %#x", status);
  close(w->up);
  close(w->down);
}

static const char kRegistryScenario[] =
    "gpu_count = 3\n"
    "context_registry = %s\n"
    "gpu.0.processes = 4242:2147483648\n"
    "gpu.0.utilization = 5\n"
    "gpu.0.context = error:46\n"
    "gpu.1.context_bytes = 1000\n"
    "gpu.1.utilization = 73\n"
    "gpu.1.memory_utilization = 41\n"
    "gpu.2.mig = 1\n"
    "gpu.2.mig_devices = " MIG_A "\n";

/* Process utilization samples on h; returns the count (rc must be want). */
static unsigned nv_samples(void* h, struct ProcessUtilizationSample* s, unsigned cap,
                           unsigned long long last_seen, int want) {
  unsigned n = cap;
  CHECK_RC(N(nvmlDeviceGetProcessUtilization, f_dputil)(h, s, &n, last_seen), want);
  return n;
}

/* Processes appear in NVML's list with the memory they hold while they run,
 * on the NVML index of the GPU (not the CUDA ordinal), and disappear when
 * they exit; utilization from the scenario. */
static void registry_processes(int arg) {
  (void)arg;
  registry_scenario(kRegistryScenario);
  struct Utilization u = {9, 9};
  CHECK_RC(N(nvmlDeviceGetUtilizationRates, f_dutil)(&u, &u), 1); /* before nvmlInit */
  unsigned n = 0;
  CHECK_RC(N(nvmlDeviceGetProcessUtilization, f_dputil)(NULL, NULL, &n, 0), 1);
  CHECK_RC(nv_init(), 0);
  void *h0 = nv_handle(0), *h1 = nv_handle(1), *h2 = nv_handle(2), *mig = NULL;
  CHECK_RC(N(nvmlDeviceGetMigDeviceHandleByIndex, f_dmig)(h2, 0, &mig), 0);
  /* utilization rates */
  CHECK_RC(N(nvmlDeviceGetUtilizationRates, f_dutil)(h1, &u), 0);
  CHECK(u.gpu == 73 && u.memory == 41, "gpu 1 utilization %u %u", u.gpu, u.memory);
  CHECK_RC(N(nvmlDeviceGetUtilizationRates, f_dutil)(h0, &u), 0);
  CHECK(u.gpu == 5 && u.memory == 0, "gpu 0 utilization %u %u", u.gpu, u.memory);
  CHECK_RC(N(nvmlDeviceGetUtilizationRates, f_dutil)(h2, &u), 0);
  CHECK(u.gpu == 0 && u.memory == 0, "gpu 2 utilization %u %u", u.gpu, u.memory);
  CHECK_RC(N(nvmlDeviceGetUtilizationRates, f_dutil)(h1, NULL), 2);
  CHECK_RC(N(nvmlDeviceGetUtilizationRates, f_dutil)(&u, &u), 2); /* not a handle */
  CHECK_RC(N(nvmlDeviceGetUtilizationRates, f_dutil)(mig, &u), 3);
  /* no registry file yet: only the static processes */
  CHECK(access(g_registry, F_OK) != 0, "registry exists before any context");
  struct ProcessInfo p[64];
  CHECK(nv_procs(h1, p) == 0, "gpu 1 has processes");
  CHECK(nv_mem(h0, 4242) == 2147483648LL, "static process");
  struct ProcessUtilizationSample s[40];
  CHECK(nv_samples(h1, s, 40, 0, 6) == 0, "samples without processes");
  CHECK(nv_samples(h1, NULL, 0, 0, 6) == 0, "samples without processes (NULL)");
  CHECK(nv_samples(h0, s, 40, 0, 0) == 1 && s[0].pid == 4242 && s[0].smUtil == 5,
        "static process sample %u %u", s[0].pid, s[0].smUtil);
  CHECK_RC(N(nvmlDeviceGetProcessUtilization, f_dputil)(h1, s, NULL, 0), 2);
  CHECK_RC(N(nvmlDeviceGetProcessUtilization, f_dputil)(mig, s, &n, 0), 3);
  CHECK_RC(N(nvmlDeviceGetComputeRunningProcesses_v3, f_dprocs)(mig, &n, p), 3);

  /* CUDA_VISIBLE_DEVICES=1: CUDA ordinal 0 is NVML GPU 1 */
  struct worker w = worker_start(0, "1");
  unsigned wp = (unsigned)w.pid;
  char want[512];
  worker_step(&w); /* primary context, then a created one: one line */
  snprintf(want, sizeof want, "%u 1 1000\n", wp);
  CHECK(strcmp(registry_text(), want) == 0, "registry '%s', want '%s'", registry_text(), want);
  CHECK(nv_mem(h1, wp) == 1000, "context only: %lld", nv_mem(h1, wp));
  CHECK(nv_procs(h1, p) == 1, "gpu 1 list");
  CHECK(nv_mem(h0, wp) == -1 && nv_procs(h0, p) == 1, "worker listed on gpu 0");
  CHECK(nv_procs(h2, p) == 0, "worker listed on gpu 2");
  n = 0;
  CHECK_RC(N(nvmlDeviceGetComputeRunningProcesses_v3, f_dprocs)(h1, &n, NULL), 7);
  CHECK(n == 1, "needed %u", n);
  worker_go(&w);
  worker_step(&w); /* + 1 GiB */
  CHECK(nv_mem(h1, wp) == 1000 + (1LL << 30), "1 GiB: %lld", nv_mem(h1, wp));
  worker_go(&w);
  worker_step(&w); /* + 100 bytes, - 1 GiB */
  snprintf(want, sizeof want, "%u 1 1000\n%u 1 %llu\n%u 1 %llu\n%u 1 1100\n", wp, wp,
           1000 + (1ULL << 30), wp, 1100 + (1ULL << 30), wp);
  CHECK(strcmp(registry_text(), want) == 0, "registry '%s', want '%s'", registry_text(), want);
  CHECK(nv_mem(h1, wp) == 1100, "after free: %lld", nv_mem(h1, wp));
  /* its utilization samples: the count protocol, then the samples */
  unsigned long long before = now_us();
  CHECK(nv_samples(h1, NULL, 0, 0, 7) == 1, "sample count (NULL)");
  CHECK(nv_samples(h1, NULL, 5, 0, 7) == 1, "sample count (NULL, room)");
  CHECK(nv_samples(h1, s, 0, 0, 7) == 1, "sample count (too small)");
  memset(s, 0xab, sizeof s);
  CHECK(nv_samples(h1, s, 40, 0, 0) == 1, "samples");
  unsigned long long after = now_us();
  CHECK(s[0].pid == wp && s[0].smUtil == 73 && s[0].memUtil == 41 && s[0].encUtil == 0 &&
            s[0].decUtil == 0,
        "sample %u %u %u %u %u", s[0].pid, s[0].smUtil, s[0].memUtil, s[0].encUtil, s[0].decUtil);
  CHECK(s[0].timeStamp >= before && s[0].timeStamp <= after, "timestamp %llu not in %llu..%llu",
        s[0].timeStamp, before, after);
  CHECK(nv_samples(h1, s, 40, s[0].timeStamp - 1, 0) == 1, "sample after last seen");
  CHECK(nv_samples(h1, s, 40, now_us() + 10000000ULL, 6) == 0, "samples from the future");
  /* a context that fails writes nothing (CUDA_VISIBLE_DEVICES=0: GPU 0, context 46) */
  struct worker f = worker_start(2, "0");
  worker_step(&f);
  worker_finish(&f);
  worker_reap(&f);
  CHECK(strcmp(registry_text(), want) == 0, "failed context wrote '%s'", registry_text());
  /* a MIG device's process is on its parent GPU */
  struct worker m = worker_start(1, MIG_A);
  worker_step(&m);
  CHECK(nv_mem(h2, (unsigned)m.pid) == 536870912LL, "MIG worker: %lld",
        nv_mem(h2, (unsigned)m.pid));
  CHECK(nv_mem(h1, (unsigned)m.pid) == -1, "MIG worker on gpu 1");
  CHECK(nv_mem(h1, wp) == 1100, "worker lost: %lld", nv_mem(h1, wp));
  /* exited but not reaped (a zombie): gone; reaped: still gone */
  worker_finish(&w);
  CHECK(nv_mem(h1, wp) == -1 && nv_procs(h1, p) == 0, "zombie still listed");
  CHECK(nv_samples(h1, s, 40, 0, 6) == 0, "zombie has samples");
  worker_reap(&w);
  CHECK(nv_procs(h1, p) == 0, "reaped process still listed");
  CHECK(nv_mem(h2, (unsigned)m.pid) == 536870912LL, "MIG worker gone early");
  worker_finish(&m);
  worker_reap(&m);
  CHECK(nv_procs(h2, p) == 0, "MIG worker still listed");
  CHECK(nv_procs(h0, p) == 1 && p[0].pid == 4242, "static process lost");
  registry_cleanup();
}

/* A child that sleeps until killed: a live pid for registry lines. It exits
 * by itself when this process is gone. */
static pid_t sleeper(void) {
  int fds[2];
  if (pipe(fds) != 0) {
    CHECK(0, "pipe");
    return -1;
  }
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) { /* until killed, or until this process is gone (EOF) */
    close(fds[1]);
    char c;
    while (read(fds[0], &c, 1) != 0) {
    }
    _exit(0);
  }
  close(fds[0]); /* the write end stays open (and unused) while we live */
  CHECK(pid > 0, "fork");
  return pid;
}

/* The registry written by hand: the last line per pid wins, dead and
 * malformed lines are skipped, a pid of the static list is listed once, and
 * no more than 32 processes are listed (static ones first, then registry
 * ones in the order of their first line). */
static void registry_limits(int arg) {
  (void)arg;
  unsigned self = (unsigned)getpid(), parent = (unsigned)getppid();
  pid_t dead = fork();
  if (dead == 0) _exit(0);
  waitpid(dead, NULL, 0);
  pid_t s1 = sleeper(), s2 = sleeper();
  /* 30 static processes, the last of them this process */
  char procs[1024] = "", fmt[2048];
  for (int i = 0; i < 29; i++)
    snprintf(procs + strlen(procs), sizeof procs - strlen(procs), "%d:%d,", 1000 + i, i);
  snprintf(procs + strlen(procs), sizeof procs - strlen(procs), "%u:7", self);
  snprintf(fmt, sizeof fmt,
           "context_registry = %%s\ngpu_count = 2\ngpu.0.processes = %s\n"
           "gpu.0.utilization = 60\n",
           procs);
  registry_scenario(fmt);
  CHECK_RC(nv_init(), 0);
  void *h0 = nv_handle(0), *h1 = nv_handle(1);
  registry_append("%d 0 5\n", (int)dead);              /* dead: skipped */
  registry_append("%u 0 6\n", parent);                 /* first line of parent */
  registry_append("%u 0 99\n", self);                  /* static already: listed once */
  registry_append("garbage\n1 2\n\n%u 0 x\n", parent); /* malformed: skipped */
  registry_append("%d 0 11\n%d 0 12\n", (int)s1, (int)s2);
  registry_append("%u 0 8\n%u 1 9\n", parent, parent); /* the last line for GPU 0 wins */
  struct ProcessInfo p[64];
  unsigned n = 0;
  CHECK_RC(N(nvmlDeviceGetComputeRunningProcesses_v3, f_dprocs)(h0, &n, NULL), 7);
  CHECK(n == 32, "needed %u", n);
  n = 31;
  CHECK_RC(N(nvmlDeviceGetComputeRunningProcesses_v3, f_dprocs)(h0, &n, p), 7);
  CHECK(n == 32, "needed %u", n);
  n = nv_procs(h0, p);
  CHECK(n == 32, "count %u", n);
  CHECK(p[0].pid == 1000 && p[29].pid == self && p[29].usedGpuMemory == 7, "static first");
  CHECK(p[30].pid == parent && p[30].usedGpuMemory == 8, "parent %u %llu", p[30].pid,
        p[30].usedGpuMemory);
  CHECK(p[31].pid == (unsigned)s1 && p[31].usedGpuMemory == 11, "sleeper 1 %u", p[31].pid);
  CHECK(nv_mem(h0, self) == 7, "static pid in the registry: %lld", nv_mem(h0, self));
  CHECK(nv_mem(h0, (unsigned)s2) == -1, "33rd process listed");
  CHECK(nv_mem(h1, parent) == 9 && nv_procs(h1, p) == 1, "gpu 1");
  struct ProcessUtilizationSample s[40];
  CHECK(nv_samples(h0, NULL, 0, 0, 7) == 32, "sample count");
  CHECK(nv_samples(h0, s, 40, 0, 0) == 32 && s[31].pid == (unsigned)s1 && s[31].smUtil == 60,
        "samples");
  /* a dead process does not count towards the 32 */
  kill(s1, SIGKILL);
  waitpid(s1, NULL, 0);
  CHECK(nv_procs(h0, p) == 32 && p[31].pid == (unsigned)s2 && p[31].usedGpuMemory == 12,
        "after sleeper 1 died: %u", p[31].pid);
  /* a line still being written (no newline yet) does not count */
  registry_append("%u 0 12345", parent);
  CHECK(nv_mem(h0, parent) == 8, "partial line read: %lld", nv_mem(h0, parent));
  kill(s2, SIGKILL);
  waitpid(s2, NULL, 0);
  CHECK(nv_procs(h0, p) == 31, "after sleeper 2 died");
  registry_cleanup();
}

/* Threads that allocate and free at the same time: the last line is still
 * what the process holds. */
static void* registry_thread(void* arg) {
  void* ctx = arg;
  int ok = C(cuCtxSetCurrent, c_ctx)(ctx) == 0;
  unsigned long long keep = 0;
  for (int i = 0; i < 200 && ok; i++) {
    unsigned long long p = 0;
    ok = C(cuMemAlloc_v2, c_alloc)(&p, 4096 + (size_t)i) == 0 &&
         (i == 100 ? (keep = p, 1) : C(cuMemFree_v2, c_free)(p) == 0);
  }
  (void)keep; /* one allocation of 4196 bytes stays */
  return ok ? arg : NULL;
}

static void registry_threads(int arg) {
  (void)arg;
  registry_scenario("context_registry = %s\ngpu.0.context_bytes = 0\n");
  CHECK_RC(C(cuInit, c_init)(0), 0);
  void* ctx = NULL;
  CHECK_RC(C(cuDevicePrimaryCtxRetain, c_retain)(&ctx, 0), 0);
  pthread_t th[4];
  for (int i = 0; i < 4; i++)
    CHECK(pthread_create(&th[i], NULL, registry_thread, ctx) == 0, "thread");
  for (int i = 0; i < 4; i++) {
    void* r = NULL;
    pthread_join(th[i], &r);
    CHECK(r == ctx, "thread %d failed", i);
  }
  const char* text = registry_text();
  int lines = 0;
  for (const char* p = text; *p; p++) lines += *p == '\n';
  CHECK(lines == 1 + 4 * 399, "%d lines", lines);
  const char* last = text + strlen(text);
  if (last > text) last--;
  while (last > text && last[-1] != '\n') last--;
  char want[64];
  snprintf(want, sizeof want, "%u 0 %u\n", (unsigned)getpid(), 4 * 4196u);
  CHECK(strcmp(last, want) == 0, "last line '%s', want '%s'", last, want);
  CHECK_RC(nv_init(), 0);
  CHECK(nv_mem(nv_handle(0), (unsigned)getpid()) == 4 * 4196, "listed with %lld",
        nv_mem(nv_handle(0), (unsigned)getpid()));
  registry_cleanup();
}

/* A registry that cannot be written never fails a CUDA call. */
static void registry_unwritable(int arg) {
  (void)arg;
  CHECK_RC(C(cuInit, c_init)(0), 0);
  void* ctx = NULL;
  CHECK_RC(C(cuDevicePrimaryCtxRetain, c_retain)(&ctx, 0), 0);
  CHECK_RC(C(cuCtxCreate_v2, c_ctx_create)(&ctx, 0, 0), 0);
  unsigned long long p = 0;
  CHECK_RC(C(cuMemAlloc_v2, c_alloc)(&p, 4096), 0);
  CHECK_RC(C(cuMemFree_v2, c_free)(p), 0);
  CHECK_RC(nv_init(), 0);
  struct ProcessInfo procs[4];
  CHECK(nv_procs(nv_handle(0), procs) == 0, "processes without a registry");
  unsigned n = 4;
  CHECK_RC(N(nvmlDeviceGetProcessUtilization, f_dputil)(nv_handle(0), NULL, &n, 0), 6);
}

/* Overrides of the utilization functions. */
static void utilization_overrides(int arg) {
  (void)arg;
  CHECK_RC(nv_init(), 0);
  void* h = nv_handle(0);
  struct Utilization u;
  unsigned n = 0;
  CHECK_RC(N(nvmlDeviceGetUtilizationRates, f_dutil)(h, &u), 15);
  CHECK_RC(N(nvmlDeviceGetProcessUtilization, f_dputil)(h, NULL, &n, 0), 999);
  CHECK_RC(N(nvmlDeviceGetComputeRunningProcesses_v3, f_dprocs)(h, &n, NULL), 0);
}

static void process_utilization_call(int arg) {
  (void)arg;
  unsigned n = 0;
  CHECK_RC(nv_init(), 0);
  N(nvmlDeviceGetProcessUtilization, f_dputil)(nv_handle(0), NULL, &n, 0);
  fprintf(stderr, "    returned\n");
}

/* The names of the functions a library exports (defined, global, default
 * visibility), read from its ELF .dynsym. Returns the count. */
static int exported_functions(const char* path, char names[][64], int max) {
  FILE* f = fopen(path, "rb");
  if (!f) return -1;
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char* img = malloc((size_t)len);
  if (!img || fread(img, 1, (size_t)len, f) != (size_t)len) {
    fclose(f);
    free(img);
    return -1;
  }
  fclose(f);
  const Elf64_Ehdr* eh = (const Elf64_Ehdr*)img;
  const Elf64_Shdr* sh = (const Elf64_Shdr*)(img + eh->e_shoff);
  int n = 0;
  for (int i = 0; i < eh->e_shnum; i++) {
    if (sh[i].sh_type != SHT_DYNSYM) continue;
    const Elf64_Sym* syms = (const Elf64_Sym*)(img + sh[i].sh_offset);
    const char* strtab = (const char*)(img + sh[sh[i].sh_link].sh_offset);
    size_t count = sh[i].sh_size / sizeof(Elf64_Sym);
    for (size_t k = 0; k < count; k++) {
      const Elf64_Sym* s = &syms[k];
      if (ELF64_ST_TYPE(s->st_info) != STT_FUNC || s->st_shndx == SHN_UNDEF ||
          ELF64_ST_BIND(s->st_info) != STB_GLOBAL ||
          ELF64_ST_VISIBILITY(s->st_other) != STV_DEFAULT)
        continue;
      if (n < max) snprintf(names[n], 64, "%s", strtab + s->st_name);
      n++;
    }
  }
  free(img);
  return n;
}

/* Every exported function except the error-text ones is a valid override key
 * (cuda.<fn> / nvml.<fn>): a scenario naming it loads without exit 86. */
static void every_export_overridable(int arg) {
  (void)arg;
  static const char* const libs[][3] = {{"libcuda.so.1", "cuda", "cuDriverGetVersion"},
                                        {"libnvidia-ml.so.1", "nvml", "nvmlInit_v2"}};
  static char names[256][64];
  for (int l = 0; l < 2; l++) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", g_libdir, libs[l][0]);
    int n = exported_functions(path, names, 256);
    CHECK(n > 10 && n <= 256, "%s: %d exported functions", path, n);
    for (int i = 0; i < n && i < 256; i++) {
      if (strcmp(names[i], "cuGetErrorName") == 0 || strcmp(names[i], "cuGetErrorString") == 0 ||
          strcmp(names[i], "nvmlErrorString") == 0)
        continue;
      char tmp[] = "/tmp/ongpu-fake-override-XXXXXX";
      int fd = mkstemp(tmp);
      char line[128];
      int len = snprintf(line, sizeof line, "%s.%s = error:777\n", libs[l][1], names[i]);
      if (fd < 0 || write(fd, line, (size_t)len) != len) {
        CHECK(0, "mkstemp/write");
        return;
      }
      close(fd);
      fflush(NULL);
      pid_t pid = fork();
      if (pid == 0) {
        setenv("ONGPU_FAKE_SCENARIO", tmp, 1);
        void* h = dlopen(libs[l][0], RTLD_NOW | RTLD_LOCAL);
        if (!h) _exit(3);
        void* first = dlsym(h, libs[l][2]);
        if (l == 0) {
          int v;
          ((c_pint)first)(&v);
        } else {
          ((f_void)first)();
        }
        _exit(0);
      }
      int status = 0;
      waitpid(pid, &status, 0);
      unlink(tmp);
      CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s.%s: not accepted (status %#x)",
            libs[l][1], names[i], status);
    }
  }
}

static void versioned_layout(int arg) {
  (void)arg;
  static const char* const names[] = {"libcuda.so", "libnvidia-ml.so"};
  for (int i = 0; i < 2; i++) {
    char link[PATH_MAX], target[PATH_MAX], want[PATH_MAX], file[2 * PATH_MAX + 2];
    snprintf(link, sizeof link, "%s/%s.1", g_verdir, names[i]);
    snprintf(want, sizeof want, "%s.%s", names[i], g_version);
    ssize_t n = readlink(link, target, sizeof target - 1);
    CHECK(n > 0, "%s is not a symlink", link);
    if (n <= 0) continue;
    target[n] = '\0';
    CHECK(strcmp(target, want) == 0, "%s -> %s, want %s", link, target, want);
    struct stat st;
    snprintf(file, sizeof file, "%s/%s", g_verdir, want);
    CHECK(lstat(file, &st) == 0 && S_ISREG(st.st_mode), "%s is not a regular file", file);
  }
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/libcuda.so.1", g_verdir);
  void* h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  CHECK(h != NULL, "dlopen %s: %s", path, dlerror());
  if (!h) return;
  int v = 0;
  CHECK_RC(((c_pint)sym(h, "cuDriverGetVersion"))(&v), 0);
  CHECK(v == 13000, "version %d", v);
  char real[PATH_MAX];
  Dl_info info;
  CHECK(dladdr(sym(h, "cuInit"), &info) && realpath(info.dli_fname, real), "dladdr");
  CHECK(strstr(real, g_version) != NULL, "resolved to %s", real);
}

/* ---- driver ------------------------------------------------------------ */

enum expect { PASS, SEGV, HANG, EXIT86 };

struct tcase {
  const char* name;
  const char* scenario; /* file in the scenario dir, "-" for none, or NULL with text */
  const char* text;     /* inline scenario */
  const char* cvd;      /* CUDA_VISIBLE_DEVICES; NULL = unset */
  const char* order;    /* CUDA_DEVICE_ORDER; NULL = unset */
  void (*fn)(int);
  int arg;
  const char* want; /* cuda_enum */
  enum expect expect;
};

#define H8 "healthy-8gpu.conf"
static const struct tcase kCases[] = {
    {"nvml defaults (no scenario)", "-", NULL, NULL, NULL, nvml_healthy, 0, NULL, PASS},
    {"nvml healthy", "healthy.conf", NULL, NULL, NULL, nvml_healthy, 0, NULL, PASS},
    {"cuda defaults (no scenario)", "-", NULL, NULL, NULL, cuda_healthy, 0, NULL, PASS},
    {"cuda healthy", "healthy.conf", NULL, NULL, NULL, cuda_healthy, 0, NULL, PASS},
    {"nvml init 9", "nvml-init-driver-not-loaded.conf", NULL, NULL, NULL, nvml_init_error, 9, NULL,
     PASS},
    {"nvml init 12", "nvml-init-library-not-found.conf", NULL, NULL, NULL, nvml_init_error, 12,
     NULL, PASS},
    {"nvml init 18", "nvml-init-version-mismatch.conf", NULL, NULL, NULL, nvml_init_error, 18, NULL,
     PASS},
    {"nvml init 4", "nvml-init-no-permission.conf", NULL, NULL, NULL, nvml_init_error, 4, NULL,
     PASS},
    {"nvml init 999", "nvml-init-unknown.conf", NULL, NULL, NULL, nvml_init_error, 999, NULL, PASS},
    {"cuda init 100", "cuda-init-no-device.conf", NULL, NULL, NULL, cuda_init_error, 100, NULL,
     PASS},
    {"cuda init 34 (stub)", "cuda-init-stub.conf", NULL, NULL, NULL, cuda_init_error, 34, NULL,
     PASS},
    {"cuda init 304", "cuda-init-operating-system.conf", NULL, NULL, NULL, cuda_init_error, 304,
     NULL, PASS},
    {"cuda init 803", "cuda-init-system-driver-mismatch.conf", NULL, NULL, NULL, cuda_init_error,
     803, NULL, PASS},
    {"cuda init 999", "cuda-init-unknown.conf", NULL, NULL, NULL, cuda_init_error, 999, NULL, PASS},
    {"nvmlInit_v2 crashes", "crash-nvml.conf", NULL, NULL, NULL, call_nvml_init, 0, NULL, SEGV},
    {"nvmlInit crashes", "crash-nvml.conf", NULL, NULL, NULL, call_nvml_init, 1, NULL, SEGV},
    {"cuInit crashes", "crash-cuda.conf", NULL, NULL, NULL, call_cu_init, 0, NULL, SEGV},
    {"nvmlInit_v2 hangs", "hang-nvml.conf", NULL, NULL, NULL, call_nvml_init, 0, NULL, HANG},
    {"cuInit hangs", "hang-cuda.conf", NULL, NULL, NULL, call_cu_init, 0, NULL, HANG},
    {"crash-nvml leaves cuda alone", "crash-nvml.conf", NULL, NULL, NULL, cuda_healthy, 0, NULL,
     PASS},
    {"unterminated strings", "unterminated.conf", NULL, NULL, NULL, unterminated, 0, NULL, PASS},
    {"absurd count", "absurd-count.conf", NULL, NULL, NULL, absurd_count, 0, NULL, PASS},
    {"prohibited", "prohibited.conf", NULL, NULL, NULL, compute_mode, 2, NULL, PASS},
    {"exclusive busy", "exclusive-busy.conf", NULL, NULL, NULL, compute_mode, 3, NULL, PASS},
    {"mig without instance", "mig-no-instance.conf", NULL, NULL, NULL, mig_no_instance, 0, NULL,
     PASS},
    {"mig with instances (nvml)", "mig-with-instance.conf", NULL, NULL, NULL, mig_with_instance, 0,
     NULL, PASS},
    {"mig: cuda sees one", "mig-with-instance.conf", NULL, NULL, NULL, cuda_enum, 0, "0/0", PASS},
    {"mig: CVD=MIG-b", "mig-with-instance.conf", NULL, MIG_B, NULL, cuda_enum, 0, "0/1", PASS},
    {"mig: CVD=MIG-a,MIG-b", "mig-with-instance.conf", NULL, MIG_A "," MIG_B, NULL, cuda_enum, 0,
     "0/0", PASS},
    {"mig: CVD=0", "mig-with-instance.conf", NULL, "0", NULL, cuda_enum, 0, "0/0", PASS},
    {"mig: CVD=GPU uuid of MIG gpu", "mig-with-instance.conf", NULL, "GPU-00000000", NULL,
     cuda_enum, 0, "", PASS},
    {"mig: CVD=MIG-bogus", "mig-with-instance.conf", NULL, "MIG-4f1c", NULL, cuda_enum, 0, "",
     PASS},
    {"pending retirement", "pending-retirement.conf", NULL, NULL, NULL, retirement, 0, NULL, PASS},
    {"remap pending", "remap-pending.conf", NULL, NULL, NULL, remap, 0, NULL, PASS},
    {"context fails", "context-fails.conf", NULL, NULL, NULL, context_fails, 0, NULL, PASS},
    /* CUDA_VISIBLE_DEVICES, one GPU */
    {"1gpu CVD unset", "healthy.conf", NULL, NULL, NULL, cuda_enum, 0, "0", PASS},
    {"1gpu CVD=0", "healthy.conf", NULL, "0", NULL, cuda_enum, 0, "0", PASS},
    {"1gpu CVD=''", "healthy.conf", NULL, "", NULL, cuda_enum, 0, "", PASS},
    {"1gpu CVD=-1", "healthy.conf", NULL, "-1", NULL, cuda_enum, 0, "", PASS},
    {"1gpu CVD=0,-1,1", "healthy.conf", NULL, "0,-1,1", NULL, cuda_enum, 0, "0", PASS},
    {"1gpu CVD=1", "healthy.conf", NULL, "1", NULL, cuda_enum, 0, "", PASS},
    {"1gpu CVD=GPU-0000000", "healthy.conf", NULL, "GPU-0000000", NULL, cuda_enum, 0, "0", PASS},
    {"1gpu CVD=full uuid", "healthy.conf", NULL, "GPU-00000000-1111-2222-3333-444444444444", NULL,
     cuda_enum, 0, "0", PASS},
    {"1gpu CVD=GPU-bogus", "healthy.conf", NULL, "GPU-bogus", NULL, cuda_enum, 0, "", PASS},
    {"1gpu CVD=GPU-", "healthy.conf", NULL, "GPU-", NULL, cuda_enum, 0, "", PASS},
    {"1gpu CVD=0,0", "healthy.conf", NULL, "0,0", NULL, cuda_enum, 0, "0", PASS},
    {"1gpu CVD=' 0'", "healthy.conf", NULL, " 0", NULL, cuda_enum, 0, "", PASS},
    {"1gpu CVD=0x0", "healthy.conf", NULL, "0x0", NULL, cuda_enum, 0, "", PASS},
    {"1gpu CVD=00", "healthy.conf", NULL, "00", NULL, cuda_enum, 0, "0", PASS},
    /* CUDA_VISIBLE_DEVICES and CUDA_DEVICE_ORDER, eight GPUs */
    {"8gpu fastest first", H8, NULL, NULL, NULL, cuda_enum, 0, "5,3,0,1,2,4,6,7", PASS},
    {"8gpu FASTEST_FIRST", H8, NULL, NULL, "FASTEST_FIRST", cuda_enum, 0, "5,3,0,1,2,4,6,7", PASS},
    {"8gpu PCI_BUS_ID", H8, NULL, NULL, "PCI_BUS_ID", cuda_enum, 0, "0,1,2,3,4,5,6,7", PASS},
    {"8gpu CVD=1", H8, NULL, "1", NULL, cuda_enum, 0, "3", PASS},
    {"8gpu CVD=1 PCI", H8, NULL, "1", "PCI_BUS_ID", cuda_enum, 0, "1", PASS},
    {"8gpu CVD=0,-1,1", H8, NULL, "0,-1,1", NULL, cuda_enum, 0, "5", PASS},
    {"8gpu CVD=2,1 PCI", H8, NULL, "2,1", "PCI_BUS_ID", cuda_enum, 0, "2,1", PASS},
    {"8gpu CVD=0,2,-1,1 PCI", H8, NULL, "0,2,-1,1", "PCI_BUS_ID", cuda_enum, 0, "0,2", PASS},
    {"8gpu CVD=7,8 PCI", H8, NULL, "7,8", "PCI_BUS_ID", cuda_enum, 0, "7", PASS},
    {"8gpu CVD=3,3,4", H8, NULL, "3,3,4", "PCI_BUS_ID", cuda_enum, 0, "3", PASS},
    {"8gpu CVD=0,,1", H8, NULL, "0,,1", "PCI_BUS_ID", cuda_enum, 0, "0", PASS},
    {"8gpu CVD=0,1,", H8, NULL, "0,1,", "PCI_BUS_ID", cuda_enum, 0, "0,1", PASS},
    {"8gpu CVD=0,garbage,2", H8, NULL, "0,garbage,2", "PCI_BUS_ID", cuda_enum, 0, "0", PASS},
    {"8gpu CVD=GPU-7a1 (ambiguous)", H8, NULL, "GPU-7a1", NULL, cuda_enum, 0, "", PASS},
    {"8gpu CVD=1,GPU-7a1 (ambiguous)", H8, NULL, "1,GPU-7a1", "PCI_BUS_ID", cuda_enum, 0, "1",
     PASS},
    {"8gpu CVD=GPU-7a1b", H8, NULL, "GPU-7a1b", NULL, cuda_enum, 0, "2", PASS},
    {"8gpu CVD=GPU-7a1e,GPU-2c1f", H8, NULL, "GPU-7a1e,GPU-2c1f", NULL, cuda_enum, 0, "5,0", PASS},
    {"8gpu CVD=GPU-7a1e,5 PCI (repeat)", H8, NULL, "GPU-7a1e,5,6", "PCI_BUS_ID", cuda_enum, 0, "5",
     PASS},
    {"8gpu CVD=GPU-0000000", H8, NULL, "GPU-0000000", NULL, cuda_enum, 0, "", PASS},
    {"8gpu CVD=GPU-7A1B (case)", H8, NULL, "GPU-7A1B", NULL, cuda_enum, 0, "", PASS},
    {"default uuids: GPU-0000000 ambiguous", NULL, "gpu_count = 3\n", "GPU-0000000", NULL,
     cuda_enum, 0, "", PASS},
    {"default uuids: GPU-00000002", NULL, "gpu_count = 3\n", "GPU-00000002", NULL, cuda_enum, 0,
     "2", PASS},
    {"no gpus", NULL, "gpu_count = 0\n", NULL, NULL, cuda_enum, 0, "", PASS},
    /* other keys */
    {"driver versions", NULL, "driver_version = 535.104.05  # R535\ncuda_driver_version = 12020\n",
     NULL, NULL, versions, 0, NULL, PASS},
    {"function error overrides", NULL,
     "nvml.nvmlDeviceGetRemappedRows = error:15\ncuda.cuDeviceGetAttribute = error:999\n", NULL,
     NULL, override_error, 0, NULL, PASS},
    {"nvmlDeviceGetName crashes", NULL, "nvml.nvmlDeviceGetName = crash\n", NULL, NULL, name_call,
     0, NULL, SEGV},
    {"cuDeviceGetName hangs", NULL, "cuda.cuDeviceGetName = hang\n", NULL, NULL, name_call, 1, NULL,
     HANG},
    {"context crash", NULL, "gpu.0.context = crash\n", NULL, NULL, context_crash, 0, NULL, SEGV},
    {"unknown key is fatal", NULL, "gpu.0.nmae = x\n", NULL, NULL, nvml_healthy, 0, NULL, EXIT86},
    {"unknown function is fatal", NULL, "nvml.nvmlDeviceGetFoo = error:3\n", NULL, NULL,
     cuda_healthy, 0, NULL, EXIT86},
    {"bad value is fatal", NULL, "gpu_count = many\n", NULL, NULL, cuda_healthy, 0, NULL, EXIT86},
    {"missing scenario file is fatal", "does-not-exist.conf", NULL, NULL, NULL, nvml_healthy, 0,
     NULL, EXIT86},
    /* the driver API frameworks use beyond enumeration */
    {"cuda attributes", "healthy.conf", NULL, NULL, NULL, cuda_attributes, 0, NULL, PASS},
    {"cuda attributes, prohibited", "prohibited.conf", NULL, NULL, NULL, cuda_attributes, 1, NULL,
     PASS},
    {"cuda attributes, 8gpu PCI", H8, NULL, NULL, "PCI_BUS_ID", cuda_attributes_gpu, 0, NULL, PASS},
    {"cuda attributes, MIG device", "mig-with-instance.conf", NULL, NULL, NULL, cuda_attributes_gpu,
     1, NULL, PASS},
    {"cuda contexts", "-", NULL, NULL, NULL, cuda_contexts, 0, NULL, PASS},
    {"cuda contexts, prohibited", "prohibited.conf", NULL, NULL, NULL, cuda_contexts, 1, NULL,
     PASS},
    {"cuda memory", "-", NULL, NULL, NULL, cuda_memory, 0, NULL, PASS},
    {"cuda memory, 10 GiB used", NULL, "gpu.0.memory_used = 10737418240\n", NULL, NULL, cuda_memory,
     1, NULL, PASS},
    {"cuda streams and events", "-", NULL, NULL, NULL, cuda_streams, 0, NULL, PASS},
    {"cuda peers", H8, NULL, NULL, NULL, cuda_peers, 0, NULL, PASS},
    {"cuGetProcAddress", "-", NULL, NULL, NULL, cuda_proc_address, 0, NULL, PASS},
    {"overrides of the newer functions", NULL,
     "cuda.cuMemAlloc_v2 = error:2\ncuda.cuStreamCreate = error:999\ncuda.cuGetProcAddress = "
     "error:500\n",
     NULL, NULL, cuda_override_new, 0, NULL, PASS},
    {"cuCtxCreate_v2 crashes", NULL, "cuda.cuCtxCreate_v2 = crash\n", NULL, NULL, context_call, 0,
     NULL, SEGV},
    {"cuCtxCreate_v2 hangs", NULL, "cuda.cuCtxCreate_v2 = hang\n", NULL, NULL, context_call, 0,
     NULL, HANG},
    {"context action on cuCtxCreate", NULL, "gpu.0.context = crash\n", NULL, NULL, context_call, 0,
     NULL, SEGV},
    /* the context registry and utilization */
    {"registry: processes come and go", "-", NULL, NULL, NULL, registry_processes, 0, NULL, PASS},
    {"registry: last line, dead pids, 32 limit", "-", NULL, NULL, NULL, registry_limits, 0, NULL,
     PASS},
    {"registry: threads", "-", NULL, NULL, NULL, registry_threads, 0, NULL, PASS},
    {"registry: unwritable", NULL, "context_registry = /proc/ongpu-no-such-dir/registry\n", NULL,
     NULL, registry_unwritable, 0, NULL, PASS},
    {"utilization overrides", NULL,
     "nvml.nvmlDeviceGetUtilizationRates = error:15\n"
     "nvml.nvmlDeviceGetProcessUtilization = error:999\ngpu.0.utilization = 50\n",
     NULL, NULL, utilization_overrides, 0, NULL, PASS},
    {"nvmlDeviceGetProcessUtilization crashes", NULL,
     "nvml.nvmlDeviceGetProcessUtilization = crash\n", NULL, NULL, process_utilization_call, 0,
     NULL, SEGV},
    {"utilization over 100 is fatal", NULL, "gpu.0.utilization = 101\n", NULL, NULL, nvml_healthy,
     0, NULL, EXIT86},
    {"relative context_registry is fatal", NULL, "context_registry = registry\n", NULL, NULL,
     cuda_healthy, 0, NULL, EXIT86},
    {"negative context_bytes is fatal", NULL, "gpu.1.context_bytes = -1\n", NULL, NULL,
     cuda_healthy, 0, NULL, EXIT86},
    {"every export is overridable", "-", NULL, NULL, NULL, every_export_overridable, 0, NULL, PASS},
    {"versioned layout", "-", NULL, NULL, NULL, versioned_layout, 0, NULL, PASS},
};

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run_case(const struct tcase* t) {
  char path[PATH_MAX] = "";
  char tmp[] = "/tmp/ongpu-fake-scenario-XXXXXX";
  if (t->text) {
    int fd = mkstemp(tmp);
    if (fd < 0 || write(fd, t->text, strlen(t->text)) != (ssize_t)strlen(t->text)) {
      perror("mkstemp/write");
      return 1;
    }
    close(fd);
    snprintf(path, sizeof path, "%s", tmp);
  } else if (strcmp(t->scenario, "-") != 0) {
    snprintf(path, sizeof path, "%s/%s", g_scendir, t->scenario);
  }
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    perror("fork");
    return 1;
  }
  if (pid == 0) {
    if (*path)
      setenv("ONGPU_FAKE_SCENARIO", path, 1);
    else
      unsetenv("ONGPU_FAKE_SCENARIO");
    if (t->cvd)
      setenv("CUDA_VISIBLE_DEVICES", t->cvd, 1);
    else
      unsetenv("CUDA_VISIBLE_DEVICES");
    if (t->order)
      setenv("CUDA_DEVICE_ORDER", t->order, 1);
    else
      unsetenv("CUDA_DEVICE_ORDER");
    g_want = t->want ? t->want : "";
    t->fn(t->arg);
    fflush(NULL);
    _exit(g_failed ? 1 : 0);
  }
  double limit = t->expect == HANG ? 1.5 : 20.0, start = now();
  int status = 0, done = 0;
  while (!done && now() - start < limit) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid)
      done = 1;
    else {
      struct timespec ts = {0, 10 * 1000 * 1000};
      nanosleep(&ts, NULL);
    }
  }
  if (!done) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  if (t->text) unlink(tmp);
  const char* got;
  char got_buf[64];
  if (!done)
    got = "hang";
  else if (WIFSIGNALED(status)) {
    snprintf(got_buf, sizeof got_buf, "signal %d", WTERMSIG(status));
    got = got_buf;
  } else {
    snprintf(got_buf, sizeof got_buf, "exit %d", WEXITSTATUS(status));
    got = got_buf;
  }
  int ok;
  switch (t->expect) {
    case PASS:
      ok = done && WIFEXITED(status) && WEXITSTATUS(status) == 0;
      break;
    case SEGV:
      ok = done && WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;
      break;
    case HANG:
      ok = !done;
      break;
    case EXIT86:
      ok = done && WIFEXITED(status) && WEXITSTATUS(status) == 86;
      break;
    default:
      ok = 0;
  }
  static const char* const names[] = {"pass", "SIGSEGV", "hang", "exit 86"};
  printf("%s  %-40s (expected %s, got %s)\n", ok ? "ok  " : "FAIL", t->name,
         (unsigned)t->expect < 4 ? names[t->expect] : "?", got);
  return ok ? 0 : 1;
}

int main(int argc, char** argv) {
  if (argc < 5) {
    fprintf(stderr,
            "usage: %s <lib dir> <scenario dir> <versioned lib dir> <driver version> [case...]\n",
            argv[0]);
    return 2;
  }
  g_libdir = argv[1];
  g_scendir = argv[2];
  g_verdir = argv[3];
  g_version = argv[4];
  /* dlopen only honours LD_LIBRARY_PATH as it was at process start. */
  const char* llp = getenv("LD_LIBRARY_PATH");
  if (!llp || strcmp(llp, g_libdir) != 0) {
    setenv("LD_LIBRARY_PATH", g_libdir, 1);
    execv("/proc/self/exe", argv);
    perror("execv /proc/self/exe");
    return 2;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  int failures = 0, ran = 0;
  for (size_t i = 0; i < sizeof kCases / sizeof kCases[0]; i++) {
    int selected = argc == 5;
    for (int a = 5; a < argc; a++)
      if (strstr(kCases[i].name, argv[a])) selected = 1;
    if (!selected) continue;
    ran++;
    failures += run_case(&kCases[i]);
  }
  printf("%d of %d cases failed\n", failures, ran);
  return failures || ran == 0 ? 1 : 0;
}
