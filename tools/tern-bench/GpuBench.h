//===- GpuBench.h - tern-bench's GPU benchmarks -----------------*- C++ -*-===//
//
// With a CUDA GPU (driver through dlopen): the device-to-device copy
// bandwidth, the generated ternary matmul on the 2B4T shapes as GEMV (one
// token, weights rotated through more memory than L2 holds) and GEMM (128
// tokens, tensor cores), and cuBLAS's bf16 GEMV of the same shapes
// (libcublas through dlopen), all timed with CUDA events in one run.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_TOOLS_TERN_BENCH_GPUBENCH_H
#define TERN_TOOLS_TERN_BENCH_GPUBENCH_H

#include <string>

namespace tern::bench {

/// Registers the gpu/ benchmarks when a CUDA GPU is present. Returns the
/// device ("NVIDIA H100 ...") or why there are none.
std::string registerGpuBenchmarks();

/// Writes the PTX of every gpu/ ternary benchmark as bench files
/// (runtime/cuda/GpuBenchmark.h) into `dir`, for tern-gpu-check on a GPU
/// machine without MLIR (test/gpu/bundle.sh). False + err on failure.
bool writeGpuBenchFiles(const std::string &dir, int *count, std::string *err);

} // namespace tern::bench

#endif
