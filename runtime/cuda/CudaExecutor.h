//===- CudaExecutor.h - the plan on an NVIDIA GPU ---------------*- C++ -*-===//
//
// The GPU side of a tern_context whose executable holds PTX
// (tern_kernel_table::ptx): the module JIT-compiled by the driver, every
// weight buffer copied to device memory once, the activation, state,
// tokens and logits buffers in one device arena, and one stream. A chunk
// of tokens is one host-to-device copy of its ids and position, one launch
// per step and one copy of the wanted logits rows back; a decode step (one
// token) is one CUDA graph launch instead, captured on the first decode
// (TERN_CUDA_GRAPH=0: plain launches). Nothing is allocated per call.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_RUNTIME_CUDA_CUDAEXECUTOR_H
#define TERN_RUNTIME_CUDA_CUDAEXECUTOR_H

#include "runtime/include/tern_runtime.h"

#include <cstdint>
#include <memory>
#include <string>

namespace tern::rt {

class CudaExecutor;
struct CudaExecutorDeleter {
  void operator()(CudaExecutor *e) const;
};
using CudaExecutorPtr = std::unique_ptr<CudaExecutor, CudaExecutorDeleter>;

/// Sets up `model` (whose kernel table has PTX) on GPU 0 (or
/// $TERN_CUDA_DEVICE); nullptr with a message naming what is missing.
CudaExecutorPtr cudaExecutorNew(const tern_model *model, std::string *err);

/// Runs every step of the plan on tokens[0, tc) at position `start` (head
/// steps only when `head`, over [t0, tc)) and copies logits rows [t0, tc)
/// to logits + t0 * vocab. False with a message on a CUDA error.
bool cudaRunChunk(CudaExecutor &e, const int32_t *tokens, int64_t tc,
                  int64_t start, bool head, int64_t t0, float *logits,
                  std::string *err);

/// Zeroes the state buffers (KV caches).
bool cudaReset(CudaExecutor &e, std::string *err);

/// The device's name and compute capability, e.g. "NVIDIA H100 (sm_90)".
std::string cudaDeviceDescription(const CudaExecutor &e);

} // namespace tern::rt

#endif
