/* A stand-in libcuda.so.1 (gpu-probe.test): how tern tells a machine without
 * a GPU (skip) from a broken GPU machine (fail with the driver's error).
 *   -DINIT_RESULT=N  what cuInit returns (100: CUDA_ERROR_NO_DEVICE)
 *   -DDEVICES=N      what cuDeviceGetCount says (default 1)
 *   -DONLY_INIT      export cuInit alone (a driver missing entry points)
 * Otherwise one "Fake GPU" of compute capability 9.0 that cannot load or
 * run anything: every other call fails with CUDA_ERROR_NOT_SUPPORTED. */
#include <string.h>

#ifndef INIT_RESULT
#define INIT_RESULT 0
#endif
#ifndef DEVICES
#define DEVICES 1
#endif

int cuInit(unsigned flags) { (void)flags; return INIT_RESULT; }

#ifndef ONLY_INIT
int cuDeviceGetCount(int *n) { *n = DEVICES; return 0; }
int cuDeviceGet(int *d, int i) { *d = i; return 0; }
int cuDeviceGetName(char *s, int n, int d) { (void)d; strncpy(s, "Fake GPU", (size_t)n); return 0; }
int cuDeviceGetAttribute(int *v, int attr, int d) { (void)d; *v = attr == 75 ? 9 : 0; return 0; }
int cuDevicePrimaryCtxRetain(void **c, int d) { (void)d; *c = (void *)1; return 0; }
int cuDevicePrimaryCtxRelease_v2(int d) { (void)d; return 0; }
int cuCtxSetCurrent(void *c) { (void)c; return 0; }
int cuDriverGetVersion(int *v) { *v = 13000; return 0; }
int cuGetErrorString(int r, const char **s) { *s = r == 801 ? "fake: not supported" : "fake error"; return 0; }
#define UNSUPPORTED(name) int name(void) { return 801; }
UNSUPPORTED(cuModuleLoadDataEx) UNSUPPORTED(cuModuleUnload) UNSUPPORTED(cuModuleGetFunction)
UNSUPPORTED(cuMemAlloc_v2) UNSUPPORTED(cuMemFree_v2) UNSUPPORTED(cuMemcpyHtoD_v2)
UNSUPPORTED(cuMemcpyHtoDAsync_v2) UNSUPPORTED(cuMemcpyDtoHAsync_v2) UNSUPPORTED(cuMemsetD8_v2)
UNSUPPORTED(cuLaunchKernel) UNSUPPORTED(cuStreamCreate) UNSUPPORTED(cuStreamDestroy_v2)
UNSUPPORTED(cuStreamSynchronize) UNSUPPORTED(cuMemcpyDtoDAsync_v2) UNSUPPORTED(cuEventCreate)
UNSUPPORTED(cuEventRecord) UNSUPPORTED(cuEventSynchronize) UNSUPPORTED(cuEventElapsedTime)
UNSUPPORTED(cuEventDestroy_v2) UNSUPPORTED(cuStreamBeginCapture_v2) UNSUPPORTED(cuStreamEndCapture)
UNSUPPORTED(cuGraphInstantiateWithFlags) UNSUPPORTED(cuGraphLaunch) UNSUPPORTED(cuGraphExecDestroy)
UNSUPPORTED(cuGraphDestroy)
#endif
