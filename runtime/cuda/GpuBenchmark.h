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
  /// The weights' layout: #tern.layout<pack_dim = 1, block = B,
  /// interleave = R, chunk = B> (tern-compile's GPU layout: 16, 8).
  int64_t block = 16, interleave = 8;
};

/// A bench file: one header line ("TERNGPB2 label kernel N K T items threads
/// unroll mma onlySm block interleave"), then the PTX.
bool writeBench(const TernaryBench &b, const std::string &path, std::string *err);
bool readBench(const std::string &path, TernaryBench *b, std::string *err);

/// What a bench kernel computes, on the host: y[t][n] = float(sum_k q[t][k]
/// w[n][k]) / s[t] * rowScale[n], with w decoded from W in b's layout
/// (TernaryBenchRun::check compares against it).
void ternaryBenchReference(const TernaryBench &b, const uint8_t *W, const int8_t *q,
                           const float *s, const float *rowScale, float *y);

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
  /// One launch on poisoned output, compared bit for bit with the scalar
  /// formula y[t][n] = float(sum_k q[t][k] w[n][k]) / s[t] * row_scale[n]
  /// over the random inputs setup() uploaded. False + err (naming the
  /// first wrong value) when it differs or the launch fails.
  bool check(std::string *err);

private:
  TernaryBench b;
  std::vector<uint8_t> hostW;
  std::vector<int8_t> hostQ;
  std::vector<float> hostS, hostRs;
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
