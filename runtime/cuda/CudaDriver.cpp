//===- CudaDriver.cpp - the CUDA driver API, loaded at run time -----------===//
#include "runtime/cuda/CudaDriver.h"

#include <cstdlib>
#include <dlfcn.h>
#include <mutex>
#include <vector>

namespace tern::rt::cuda {

std::string Driver::describe(const char *call, CUresult r) const {
  const char *msg = nullptr;
  if (getErrorString)
    getErrorString(r, &msg);
  return std::string(call) + " failed: error " + std::to_string(r) +
         (msg ? std::string(" (") + msg + ")" : std::string());
}

namespace {

/// Every entry point and where it goes (the driver ABI's exported names).
template <typename F> std::pair<const char *, void **> entry(const char *name, F *slot) {
  return {name, reinterpret_cast<void **>(slot)};
}
std::vector<std::pair<const char *, void **>> entries(Driver *d) {
  return {
      entry("cuInit", &d->init),
      entry("cuDeviceGetCount", &d->deviceGetCount),
      entry("cuDeviceGet", &d->deviceGet),
      entry("cuDeviceGetName", &d->deviceGetName),
      entry("cuDeviceGetAttribute", &d->deviceGetAttribute),
      entry("cuDevicePrimaryCtxRetain", &d->primaryCtxRetain),
      entry("cuDevicePrimaryCtxRelease_v2", &d->primaryCtxRelease),
      entry("cuCtxSetCurrent", &d->ctxSetCurrent),
      entry("cuModuleLoadDataEx", &d->moduleLoadDataEx),
      entry("cuModuleUnload", &d->moduleUnload),
      entry("cuModuleGetFunction", &d->moduleGetFunction),
      entry("cuMemAlloc_v2", &d->memAlloc),
      entry("cuMemFree_v2", &d->memFree),
      entry("cuMemcpyHtoD_v2", &d->memcpyHtoD),
      entry("cuMemcpyHtoDAsync_v2", &d->memcpyHtoDAsync),
      entry("cuMemcpyDtoHAsync_v2", &d->memcpyDtoHAsync),
      entry("cuMemsetD8_v2", &d->memsetD8),
      entry("cuLaunchKernel", &d->launchKernel),
      entry("cuStreamCreate", &d->streamCreate),
      entry("cuStreamDestroy_v2", &d->streamDestroy),
      entry("cuStreamSynchronize", &d->streamSynchronize),
      entry("cuGetErrorString", &d->getErrorString),
      entry("cuMemcpyDtoDAsync_v2", &d->memcpyDtoDAsync),
      entry("cuEventCreate", &d->eventCreate),
      entry("cuEventRecord", &d->eventRecord),
      entry("cuEventSynchronize", &d->eventSynchronize),
      entry("cuEventElapsedTime", &d->eventElapsedTime),
      entry("cuEventDestroy_v2", &d->eventDestroy),
      entry("cuStreamBeginCapture_v2", &d->streamBeginCapture),
      entry("cuStreamEndCapture", &d->streamEndCapture),
      entry("cuGraphInstantiateWithFlags", &d->graphInstantiate),
      entry("cuGraphLaunch", &d->graphLaunch),
      entry("cuGraphExecDestroy", &d->graphExecDestroy),
      entry("cuGraphDestroy", &d->graphDestroy),
      entry("cuDriverGetVersion", &d->driverGetVersion),
  };
}

bool load(Driver *d, std::string *err, bool *absent) {
  *absent = false;
  void *lib = ::dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char *why = ::dlerror();
    *err = std::string("no CUDA driver: cannot load libcuda.so.1") +
           (why ? std::string(" (") + why + ")" : std::string()) +
           "; this needs an NVIDIA GPU with its driver installed";
    *absent = true;
    return false;
  }
  for (auto &[name, slot] : entries(d)) {
    *slot = ::dlsym(lib, name);
    if (!*slot) {
      *err = std::string("the CUDA driver libcuda.so.1 has no ") + name +
             " (too old a driver?)";
      return false;
    }
  }
  CUresult r = d->init(0);
  if (r != kSuccess) {
    *absent = r == kErrorNoDevice;
    *err = d->describe("cuInit", r) +
           (*absent ? ": the CUDA driver sees no NVIDIA GPU"
                    : ": the CUDA driver is installed but does not initialize");
    return false;
  }
  return true;
}

} // namespace

int cudaDeviceOrdinal() {
  const char *env = std::getenv("TERN_CUDA_DEVICE");
  return env && *env ? std::atoi(env) : 0;
}

std::vector<std::string> driverSymbols() {
  Driver d{};
  std::vector<std::string> names;
  for (auto &e : entries(&d))
    names.push_back(e.first);
  return names;
}

const Driver *driver(std::string *err, bool *absent) {
  static Driver d;
  static std::string loadErr;
  static bool ok = false, none = false;
  static std::once_flag once;
  std::call_once(once, [] { ok = load(&d, &loadErr, &none); });
  if (absent)
    *absent = !ok && none;
  if (!ok) {
    *err = loadErr;
    return nullptr;
  }
  return &d;
}

} // namespace tern::rt::cuda
