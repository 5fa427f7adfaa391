//===- CudaModule.h - one PTX module on GPU 0, for tests and benchmarks -*- C++ -*-===//
//
// What the GPU kernel tests and tern-bench share: GPU 0's primary context,
// a PTX module loaded from text, device buffers and launches with the
// kernel convention (buffers, then t0, t1, start, begin, end). The
// executor (CudaExecutor) does the same for a whole plan.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_RUNTIME_CUDA_CUDAMODULE_H
#define TERN_RUNTIME_CUDA_CUDAMODULE_H

#include "runtime/cuda/CudaDriver.h"

#include <string>
#include <vector>

namespace tern::rt::cuda {

/// What this process finds: GPU 0 ready (its primary context current),
/// no GPU at all (no driver library, or a driver that sees no device), or
/// a GPU machine that does not work (an entry point missing, a context
/// that cannot be made, ...). Checks skip only on kAbsent: a broken GPU
/// machine fails them with the driver's error. GPU 0 is the first device
/// cudaDeviceOrdinal() picks ($TERN_CUDA_DEVICE, else the first that
/// CUDA_VISIBLE_DEVICES leaves), for the executor, the tests, lit and
/// tern-gpu-check alike; "GPU 0" below means that one.
enum class GpuState { kReady, kAbsent, kBroken };
struct GpuProbe {
  GpuState state = GpuState::kAbsent;
  std::string why;          ///< when not ready: the driver's message
  const Driver *d = nullptr; ///< when ready
  std::string name;         ///< "NVIDIA H200"
  int sm = 0;               ///< compute capability as XY (90 for sm_90)
  int driverVersion = 0;    ///< cuDriverGetVersion's (13000 for 13.0)
};
/// Probed once per process.
const GpuProbe &probeGpu();

/// The driver with GPU 0's primary context current, or nullptr and why.
const Driver *currentGpu(std::string *why);
/// GPU 0's compute capability as XY (90 for sm_90), or 0 without one.
int currentGpuSm();

class CudaModule {
public:
  CudaModule() = default;
  CudaModule(const CudaModule &) = delete;
  CudaModule &operator=(const CudaModule &) = delete;
  ~CudaModule();

  /// Loads `ptx` (the JIT's log in *err on failure).
  bool load(const std::string &ptx, std::string *err);
  /// The entry `name`, or nullptr.
  CUfunction function(const std::string &name) const;
  /// A device buffer of `bytes`, initialized from `host` when given; freed
  /// with the module.
  CUdeviceptr alloc(size_t bytes, const void *host = nullptr);
  /// Launches `fn` on `blocks` x `threads` with `buffers`, the five int64
  /// arguments and the position cell (written with ints[2] first);
  /// asynchronous on the default stream.
  bool launch(CUfunction fn, unsigned blocks, unsigned threads,
              const std::vector<CUdeviceptr> &buffers, const int64_t ints[5],
              std::string *err);

  const Driver *d = nullptr;

private:
  CUmodule mod = nullptr;
  std::vector<CUdeviceptr> owned;
  CUdeviceptr pos = 0; ///< the position cell (GpuKernelFunc.h)
  int64_t posValue = -1;
};

} // namespace tern::rt::cuda

#endif
