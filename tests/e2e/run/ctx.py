"""A CUDA program in miniature for `ongpu run`'s tests: loads libcuda.so.1
(the fake, from LD_LIBRARY_PATH), creates a context on device 0, allocates
GiB, sleeps. Arguments: seconds to hold the context, GiB to allocate."""
import ctypes
import sys
import time

seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3
gib = int(sys.argv[2]) if len(sys.argv) > 2 else 3
cuda = ctypes.CDLL("libcuda.so.1")
assert cuda.cuInit(0) == 0
ctx = ctypes.c_void_p()
assert cuda.cuDevicePrimaryCtxRetain(ctypes.byref(ctx), 0) == 0
assert cuda.cuCtxSetCurrent(ctx) == 0
ptr = ctypes.c_ulonglong()
assert cuda.cuMemAlloc_v2(ctypes.byref(ptr), ctypes.c_size_t(gib << 30)) == 0
print("context", flush=True)
time.sleep(seconds)
