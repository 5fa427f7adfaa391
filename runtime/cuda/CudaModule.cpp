//===- CudaModule.cpp - one PTX module on GPU 0, for tests and benchmarks -===//
#include "runtime/cuda/CudaModule.h"

namespace tern::rt::cuda {

namespace {

GpuProbe probe() {
  GpuProbe p;
  bool absent = false;
  const Driver *d = driver(&p.why, &absent);
  if (!d) {
    p.state = absent ? GpuState::kAbsent : GpuState::kBroken;
    return p;
  }
  p.state = GpuState::kBroken;
  int n = 0;
  CUresult r = d->deviceGetCount(&n);
  if (r != kSuccess) {
    p.why = d->describe("cuDeviceGetCount", r);
    return p;
  }
  if (n < 1) {
    p.state = GpuState::kAbsent;
    p.why = "the CUDA driver sees no NVIDIA GPU (cuDeviceGetCount: 0; CUDA_VISIBLE_DEVICES?)";
    return p;
  }
  const int ordinal = cudaDeviceOrdinal();
  if (ordinal < 0 || ordinal >= n) {
    p.why = "no CUDA device " + std::to_string(ordinal) + " (TERN_CUDA_DEVICE; this machine has " +
            std::to_string(n) + ")";
    return p;
  }
  CUdevice dev;
  CUcontext ctx;
  int major = 0, minor = 0;
  char name[256] = {0};
  if ((r = d->deviceGet(&dev, ordinal)) != kSuccess) {
    p.why = d->describe("cuDeviceGet", r);
  } else if ((r = d->deviceGetName(name, sizeof name - 1, dev)) != kSuccess) {
    p.why = d->describe("cuDeviceGetName", r);
  } else if ((r = d->deviceGetAttribute(&major, kAttrComputeCapabilityMajor, dev)) != kSuccess ||
             (r = d->deviceGetAttribute(&minor, kAttrComputeCapabilityMinor, dev)) != kSuccess) {
    p.why = d->describe("cuDeviceGetAttribute(compute capability)", r);
  } else if ((r = d->primaryCtxRetain(&ctx, dev)) != kSuccess) {
    p.why = d->describe("cuDevicePrimaryCtxRetain", r) + " on " + name;
  } else if ((r = d->ctxSetCurrent(ctx)) != kSuccess) {
    p.why = d->describe("cuCtxSetCurrent", r) + " on " + name;
  } else {
    p.state = GpuState::kReady;
    p.d = d;
    p.name = name;
    p.sm = major * 10 + minor;
    if (d->driverGetVersion)
      d->driverGetVersion(&p.driverVersion);
  }
  return p;
}

} // namespace

const GpuProbe &probeGpu() {
  static const GpuProbe p = probe();
  return p;
}

const Driver *currentGpu(std::string *why) {
  const GpuProbe &p = probeGpu();
  if (p.state != GpuState::kReady)
    *why = p.why;
  return p.d;
}

int currentGpuSm() { return probeGpu().sm; }

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
