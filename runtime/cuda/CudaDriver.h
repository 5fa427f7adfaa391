//===- CudaDriver.h - the CUDA driver API, loaded at run time ---*- C++ -*-===//
//
// The few driver entry points the GPU executor uses, resolved from
// libcuda.so.1 with dlopen/dlsym on first use, so that every tern binary
// runs on machines without CUDA and fails with a clear message only when a
// GPU is asked for. The types are the driver ABI's (handles are pointers,
// device pointers 64-bit integers); no CUDA header is needed to build.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_RUNTIME_CUDA_CUDADRIVER_H
#define TERN_RUNTIME_CUDA_CUDADRIVER_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tern::rt::cuda {

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = struct CUctx_st *;
using CUmodule = struct CUmod_st *;
using CUfunction = struct CUfunc_st *;
using CUstream = struct CUstream_st *;
using CUevent = struct CUevent_st *;
using CUgraph = struct CUgraph_st *;
using CUgraphExec = struct CUgraphExec_st *;

inline constexpr CUresult kSuccess = 0;
// cuDeviceGetAttribute attributes.
inline constexpr int kAttrComputeCapabilityMajor = 75;
inline constexpr int kAttrComputeCapabilityMinor = 76;
// cuModuleLoadDataEx JIT options.
inline constexpr int kJitErrorLogBuffer = 5;
inline constexpr int kJitErrorLogBufferSizeBytes = 6;
inline constexpr unsigned kStreamNonBlocking = 1;
inline constexpr int kCaptureModeRelaxed = 2;

struct Driver {
  CUresult (*init)(unsigned);
  CUresult (*deviceGetCount)(int *);
  CUresult (*deviceGet)(CUdevice *, int);
  CUresult (*deviceGetName)(char *, int, CUdevice);
  CUresult (*deviceGetAttribute)(int *, int, CUdevice);
  CUresult (*primaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*primaryCtxRelease)(CUdevice);
  CUresult (*ctxSetCurrent)(CUcontext);
  CUresult (*moduleLoadDataEx)(CUmodule *, const void *, unsigned, int *, void **);
  CUresult (*moduleUnload)(CUmodule);
  CUresult (*moduleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*memAlloc)(CUdeviceptr *, size_t);
  CUresult (*memFree)(CUdeviceptr);
  CUresult (*memcpyHtoD)(CUdeviceptr, const void *, size_t);
  CUresult (*memcpyHtoDAsync)(CUdeviceptr, const void *, size_t, CUstream);
  CUresult (*memcpyDtoHAsync)(void *, CUdeviceptr, size_t, CUstream);
  CUresult (*memsetD8)(CUdeviceptr, unsigned char, size_t);
  CUresult (*launchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned,
                           unsigned, unsigned, unsigned, CUstream, void **, void **);
  CUresult (*streamCreate)(CUstream *, unsigned);
  CUresult (*streamDestroy)(CUstream);
  CUresult (*streamSynchronize)(CUstream);
  CUresult (*getErrorString)(CUresult, const char **);
  // Timing and copies for benchmarks.
  CUresult (*memcpyDtoDAsync)(CUdeviceptr, CUdeviceptr, size_t, CUstream);
  CUresult (*eventCreate)(CUevent *, unsigned);
  CUresult (*eventRecord)(CUevent, CUstream);
  CUresult (*eventSynchronize)(CUevent);
  CUresult (*eventElapsedTime)(float *, CUevent, CUevent);
  CUresult (*eventDestroy)(CUevent);
  // CUDA graphs (the decode step).
  CUresult (*streamBeginCapture)(CUstream, int);
  CUresult (*streamEndCapture)(CUstream, CUgraph *);
  CUresult (*graphInstantiate)(CUgraphExec *, CUgraph, unsigned long long);
  CUresult (*graphLaunch)(CUgraphExec, CUstream);
  CUresult (*graphExecDestroy)(CUgraphExec);
  CUresult (*graphDestroy)(CUgraph);
  CUresult (*driverGetVersion)(int *);

  /// "call: CUDA_ERROR_... (message)" for a failed call.
  std::string describe(const char *call, CUresult r) const;
};

/// The exported names the loader resolves (checked against the CUDA
/// toolkit's stub libcuda.so by the tests).
std::vector<std::string> driverSymbols();

/// The driver, loaded once per process; nullptr with a message when
/// libcuda.so.1 or one of its entry points is missing or cuInit fails.
/// *absent (when given) tells a machine without an NVIDIA GPU (no
/// libcuda.so.1, or cuInit's CUDA_ERROR_NO_DEVICE) from a broken one (an
/// entry point missing, any other cuInit error): tests skip only the first.
const Driver *driver(std::string *err, bool *absent = nullptr);

/// The GPU tern runs on: $TERN_CUDA_DEVICE, else 0 (after
/// CUDA_VISIBLE_DEVICES). The executor, the tests, tern-gpu-check and lit
/// all use this one.
int cudaDeviceOrdinal();

/// cuInit's answer on a machine whose driver sees no GPU.
inline constexpr CUresult kErrorNoDevice = 100;

} // namespace tern::rt::cuda

#endif
