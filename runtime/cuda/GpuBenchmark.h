//===- GpuBenchmark.h - GPU timings shared by tern-bench and tern-gpu-check -*- C++ -*-===//
//
// What the gpu/ benchmarks measure, without MLIR: device-to-device copy
// bandwidth, a generated ternary matmul (PTX made elsewhere) with its
// weights rotated through more memory than L2 holds, and cuBLAS's bf16
// GEMV (libcublas through dlopen), all timed with CUDA events on GPU 0.
// tern-bench builds the PTX and times it in-process under Google
// Benchmark; test/gpu/bundle.sh writes the same kernels as bench files
// that tern-gpu-check times on a GPU machine without MLIR.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_RUNTIME_CUDA_GPUBENCHMARK_H
#define TERN_RUNTIME_CUDA_GPUBENCHMARK_H

#include "runtime/common/Spread.h"
#include "runtime/cuda/CudaModule.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tern::rt::cuda {

/// One ternary matmul to time: N x K weights (2-bit, interleave 8), T tokens,
/// the kernel's PTX and launch shape, and its schedule knobs (for reports).
struct TernaryBench {
  std::string label;  ///< "gemv/3840x2560/u4/t128"
  std::string kernel; ///< the PTX entry
  std::string ptx;
  int64_t N = 0, K = 0, T = 1;
  int64_t items = 1, threads = 1; ///< rows per block, threads per block
  int64_t unroll = 1;
  std::string mma; ///< "" (default), "mma_sync", "wgmma"
  int onlySm = 0;  ///< 90 for sm_90a code
};

/// A bench file: one header line ("TERNGPB1 label kernel N K T items threads
/// unroll mma onlySm"), then the PTX.
bool writeBench(const TernaryBench &b, const std::string &path, std::string *err);
bool readBench(const std::string &path, TernaryBench *b, std::string *err);

/// Seconds per D2D copy of `bytes` (median of `samples` samples of 5
/// copies); GB/s = 2 * bytes / seconds. Negative + err on failure.
double timeCopy(size_t bytes, int samples, std::string *err);

/// A ternary matmul set up on GPU 0: inputs, an output and enough weight
/// copies to stream from HBM (>= 512 MiB).
class TernaryBenchRun {
public:
  bool setup(const TernaryBench &b, std::string *err);
  /// Seconds per launch: `reps` launches between two events. Negative +
  /// err on failure.
  double time(int reps, std::string *err);
  size_t weightBytes() const { return wBytes; }

private:
  TernaryBench b;
  std::unique_ptr<CudaModule> m;
  CUfunction fn = nullptr;
  std::vector<CUdeviceptr> bufs, weights;
  size_t wBytes = 0;
  size_t next = 0;
};

/// cuBLAS bf16 x bf16 -> f32 GEMV of N x K (cublasGemmEx with one column),
/// weights rotated like TernaryBenchRun's. Negative + err (no libcublas,
/// a failed call) when it cannot run.
class CublasBf16Gemv {
public:
  bool setup(int64_t N, int64_t K, std::string *err);
  double time(int reps, std::string *err);
  size_t weightBytes() const { return wBytes; }

private:
  std::unique_ptr<CudaModule> m;
  int64_t N = 0, K = 0;
  std::vector<CUdeviceptr> weights;
  CUdeviceptr x = 0, y = 0;
  size_t wBytes = 0, next = 0;
};

using tern::Spread;   // runtime/common/Spread.h
using tern::spreadOf;

} // namespace tern::rt::cuda

#endif
