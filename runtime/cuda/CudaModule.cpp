//===- CudaModule.cpp - one PTX module on GPU 0, for tests and benchmarks -===//
#include "runtime/cuda/CudaModule.h"

namespace tern::rt::cuda {

const Driver *currentGpu(std::string *why) {
  const Driver *d = driver(why);
  if (!d)
    return nullptr;
  int n = 0;
  CUdevice dev;
  CUcontext ctx;
  if (d->deviceGetCount(&n) != kSuccess || n < 1 || d->deviceGet(&dev, 0) != kSuccess ||
      d->primaryCtxRetain(&ctx, dev) != kSuccess || d->ctxSetCurrent(ctx) != kSuccess) {
    *why = "no usable CUDA device";
    return nullptr;
  }
  return d;
}

int currentGpuSm() {
  std::string why;
  const Driver *d = currentGpu(&why);
  CUdevice dev;
  int major = 0, minor = 0;
  if (!d || d->deviceGet(&dev, 0) != kSuccess ||
      d->deviceGetAttribute(&major, kAttrComputeCapabilityMajor, dev) != kSuccess ||
      d->deviceGetAttribute(&minor, kAttrComputeCapabilityMinor, dev) != kSuccess)
    return 0;
  return major * 10 + minor;
}

CudaModule::~CudaModule() {
  if (!d)
    return;
  for (CUdeviceptr p : owned)
    d->memFree(p);
  if (mod)
    d->moduleUnload(mod);
}

bool CudaModule::load(const std::string &ptx, std::string *err) {
  d = currentGpu(err);
  if (!d)
    return false;
  std::vector<char> log(8192, 0);
  int opts[] = {kJitErrorLogBuffer, kJitErrorLogBufferSizeBytes};
  void *vals[] = {log.data(), reinterpret_cast<void *>(uintptr_t(log.size() - 1))};
  CUresult r = d->moduleLoadDataEx(&mod, ptx.c_str(), 2, opts, vals);
  if (r != kSuccess) {
    *err = d->describe("cuModuleLoadDataEx", r) + ": " + log.data();
    return false;
  }
  return true;
}

CUfunction CudaModule::function(const std::string &name) const {
  CUfunction f = nullptr;
  return d && mod && d->moduleGetFunction(&f, mod, name.c_str()) == kSuccess ? f : nullptr;
}

CUdeviceptr CudaModule::alloc(size_t bytes, const void *host) {
  CUdeviceptr p = 0;
  if (d->memAlloc(&p, bytes ? bytes : 4) != kSuccess)
    return 0;
  owned.push_back(p);
  if (host && d->memcpyHtoD(p, host, bytes) != kSuccess)
    return 0;
  return p;
}

bool CudaModule::launch(CUfunction fn, unsigned blocks, unsigned threads,
                        const std::vector<CUdeviceptr> &buffers, const int64_t ints[5],
                        std::string *err) {
  if (!pos) {
    if (d->memAlloc(&pos, 8) != kSuccess) {
      *err = "cannot allocate the position cell";
      return false;
    }
    owned.push_back(pos);
  }
  if (ints[2] != posValue) { // (a synchronous copy: only when it changes)
    if (d->memcpyHtoD(pos, &ints[2], 8) != kSuccess) {
      *err = "cannot write the position cell";
      return false;
    }
    posValue = ints[2];
  }
  std::vector<CUdeviceptr> ptrs = buffers;
  ptrs.push_back(pos);
  int64_t vals[5] = {ints[0], ints[1], ints[2], ints[3], ints[4]};
  std::vector<void *> params;
  for (size_t i = 0; i + 1 < ptrs.size(); ++i)
    params.push_back(&ptrs[i]);
  for (int64_t &v : vals)
    params.push_back(&v);
  params.push_back(&ptrs.back());
  CUresult r = d->launchKernel(fn, blocks, 1, 1, threads, 1, 1, 0, nullptr, params.data(),
                               nullptr);
  if (r != kSuccess)
    *err = d->describe("cuLaunchKernel", r);
  return r == kSuccess;
}

} // namespace tern::rt::cuda
