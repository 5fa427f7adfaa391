//===- CudaDriver.cpp - the CUDA driver API, loaded at run time -----------===//
#include "runtime/cuda/CudaDriver.h"

#include <dlfcn.h>
#include <mutex>

namespace tern::rt::cuda {

std::string Driver::describe(const char *call, CUresult r) const {
  const char *msg = nullptr;
  if (getErrorString)
    getErrorString(r, &msg);
  return std::string(call) + " failed: error " + std::to_string(r) +
         (msg ? std::string(" (") + msg + ")" : std::string());
}

namespace {

template <typename F> bool bind(void *lib, const char *name, F *fn, std::string *missing) {
  *fn = reinterpret_cast<F>(::dlsym(lib, name));
  if (!*fn)
    *missing = name;
  return *fn != nullptr;
}

bool load(Driver *d, std::string *err) {
  void *lib = ::dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char *why = ::dlerror();
    *err = std::string("no CUDA driver: cannot load libcuda.so.1") +
           (why ? std::string(" (") + why + ")" : std::string()) +
           "; this needs an NVIDIA GPU with its driver installed";
    return false;
  }
  std::string missing;
  bool ok = bind(lib, "cuInit", &d->init, &missing) &&
            bind(lib, "cuDeviceGetCount", &d->deviceGetCount, &missing) &&
            bind(lib, "cuDeviceGet", &d->deviceGet, &missing) &&
            bind(lib, "cuDeviceGetName", &d->deviceGetName, &missing) &&
            bind(lib, "cuDeviceGetAttribute", &d->deviceGetAttribute, &missing) &&
            bind(lib, "cuDevicePrimaryCtxRetain", &d->primaryCtxRetain, &missing) &&
            bind(lib, "cuDevicePrimaryCtxRelease_v2", &d->primaryCtxRelease, &missing) &&
            bind(lib, "cuCtxSetCurrent", &d->ctxSetCurrent, &missing) &&
            bind(lib, "cuModuleLoadDataEx", &d->moduleLoadDataEx, &missing) &&
            bind(lib, "cuModuleUnload", &d->moduleUnload, &missing) &&
            bind(lib, "cuModuleGetFunction", &d->moduleGetFunction, &missing) &&
            bind(lib, "cuMemAlloc_v2", &d->memAlloc, &missing) &&
            bind(lib, "cuMemFree_v2", &d->memFree, &missing) &&
            bind(lib, "cuMemcpyHtoD_v2", &d->memcpyHtoD, &missing) &&
            bind(lib, "cuMemcpyHtoDAsync_v2", &d->memcpyHtoDAsync, &missing) &&
            bind(lib, "cuMemcpyDtoHAsync_v2", &d->memcpyDtoHAsync, &missing) &&
            bind(lib, "cuMemsetD8_v2", &d->memsetD8, &missing) &&
            bind(lib, "cuLaunchKernel", &d->launchKernel, &missing) &&
            bind(lib, "cuStreamCreate", &d->streamCreate, &missing) &&
            bind(lib, "cuStreamDestroy_v2", &d->streamDestroy, &missing) &&
            bind(lib, "cuStreamSynchronize", &d->streamSynchronize, &missing) &&
            bind(lib, "cuGetErrorString", &d->getErrorString, &missing) &&
            bind(lib, "cuMemcpyDtoDAsync_v2", &d->memcpyDtoDAsync, &missing) &&
            bind(lib, "cuEventCreate", &d->eventCreate, &missing) &&
            bind(lib, "cuEventRecord", &d->eventRecord, &missing) &&
            bind(lib, "cuEventSynchronize", &d->eventSynchronize, &missing) &&
            bind(lib, "cuEventElapsedTime_v2", &d->eventElapsedTime, &missing) &&
            bind(lib, "cuEventDestroy_v2", &d->eventDestroy, &missing);
  if (!ok) {
    *err = "the CUDA driver libcuda.so.1 has no " + missing + " (too old a driver?)";
    return false;
  }
  CUresult r = d->init(0);
  if (r != kSuccess) {
    *err = d->describe("cuInit", r) + ": no usable NVIDIA GPU";
    return false;
  }
  return true;
}

} // namespace

const Driver *driver(std::string *err) {
  static Driver d;
  static std::string loadErr;
  static bool ok = false;
  static std::once_flag once;
  std::call_once(once, [] { ok = load(&d, &loadErr); });
  if (!ok) {
    *err = loadErr;
    return nullptr;
  }
  return &d;
}

} // namespace tern::rt::cuda
