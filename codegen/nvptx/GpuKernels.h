//===- GpuKernels.h - the NVPTX kernel emitters -----------------*- C++ -*-===//
//
// One emitter per kernel kind, each building one `gpu.func` with the
// convention of GpuKernelFunc.h from the same parameter structs as the CPU
// emitters (codegen/cpu/Kernels.h: same buffers, same math), and returning
// how it is launched. Integer math is bit-exact against the reference; float
// math follows it up to reassociation (exp is ex2.approx based: ~2 ulp).
//
//===----------------------------------------------------------------------===//
#ifndef TERN_CODEGEN_NVPTX_GPUKERNELS_H
#define TERN_CODEGEN_NVPTX_GPUKERNELS_H

#include "codegen/cpu/Kernels.h"
#include "codegen/nvptx/GpuKernelFunc.h"

namespace tern::nvptx {

using codegen::AttentionParams;
using codegen::EmbeddingParams;
using codegen::FloatMatmulParams;
using codegen::Int8MatmulParams;
using codegen::NormQuantizeParams;
using codegen::RopeParams;
using codegen::TernaryMatmulParams;

/// Range TOKENS, one token per block, threads over the hidden size.
GpuLaunch buildGpuEmbeddingKernel(mlir::OpBuilder &b, mlir::gpu::GPUModuleOp gm,
                                  llvm::StringRef name, const EmbeddingParams &p);

/// Range TOKENS, one token per block: block reductions for the sum of
/// squares and the absmax.
GpuLaunch buildGpuNormQuantizeKernel(mlir::OpBuilder &b,
                                     mlir::gpu::GPUModuleOp gm,
                                     llvm::StringRef name,
                                     const NormQuantizeParams &p);

/// The ternary matmul with 2-bit codes (lut = 0), `interleave` R rows per
/// group dividing 32, block 16 (#tern.layout<block = 16, interleave = R,
/// chunk = 16>): one warp streams one group (512 contiguous bytes per warp
/// load, 16 per lane), lane l always serves row l % R; codes c = w + 1 are
/// multiplied 4 at a time with `dp4a` (u8 x s8) and the activation sum is
/// subtracted once. `threads` (schedule) warps per block, `tile_m` tokens per
/// pass over the weights, `unroll` 16-byte loads per lane in flight. With R = 8, calls of 8 or more tokens (prefill)
/// take int8 tensor cores instead: mma.sync m16n8k32 with 16 tokens x the
/// group's 8 rows per instruction, tile_m (<= 4) 16-token tiles per pass.
/// The schedule's `mma` picks that instruction: "dp4a" keeps the dp4a tiles,
/// "wgmma" (sm_90a, threads 128 or 256) takes Hopper's wgmma.mma_async
/// m64nNk32 s8 x s8 with 64 tokens per warpgroup and the block's N = R *
/// threads / 32 rows staged in shared memory (weights decoded to s8).
/// Range FIXED over rows, items = R * threads / 32.
/// With `singleToken`, the kernel handles exactly one token (decode) and
/// has nothing else: no tiles, no tensor cores, and so far fewer registers
/// (more warps per SM to stream the weights); the runtime launches it for
/// calls of one token (GpuLaunch::single, tern_gpu_kernel).
GpuLaunch buildGpuTernaryMatmulKernel(mlir::OpBuilder &b,
                                      mlir::gpu::GPUModuleOp gm,
                                      llvm::StringRef name,
                                      const TernaryMatmulParams &p,
                                      bool singleToken = false);

/// RoPE from a table of cos/sin per position (buffer 1: f32
/// [max_context * head_dim]: cos, sin of pair i at p * head_dim + 2i, +1,
/// computed at compile time with ref::rope's float formula, so positions
/// far from 0 lose nothing to a GPU sin/cos). Range TOKENS.
GpuLaunch buildGpuRopeKernel(mlir::OpBuilder &b, mlir::gpu::GPUModuleOp gm,
                             llvm::StringRef name, const RopeParams &p);

/// The KV-cache append of the attention op, a step of its own on the GPU
/// (every attention block reads every row written): buffers 0 k, 1 v,
/// 2 k_cache, 3 v_cache. Range TOKENS.
GpuLaunch buildGpuKvAppendKernel(mlir::OpBuilder &b, mlir::gpu::GPUModuleOp gm,
                                 llvm::StringRef name, const AttentionParams &p);

/// Query tokens per attention block.
inline constexpr int64_t kAttentionTile = 16;
/// The attention step's range: heads x max_batch rounded up to tiles
/// (items h * padded + t, kAttentionTile per block).
int64_t attentionRange(const AttentionParams &p);
/// Static shared memory of the flash path (query tile, K and V tiles).
int64_t flashAttentionSharedBytes(const AttentionParams &p);

/// Causal GQA attention over the cache (after the append): buffers 0 q,
/// 1 k_cache, 2 v_cache, 3 out. One block per (query head, tile of
/// kAttentionTile tokens); blocks whose tile has no token of [t0, t1)
/// return at once. The kernel is flash-style (K/V tiles of 32 positions in
/// shared memory, online softmax, 4 query rows per warp; head_dim a
/// multiple of 32); with `singleToken` (decode) it takes the tile's tokens
/// one at a time with the scores in shared memory (max_context floats).
/// Range FIXED over attentionRange(p).
GpuLaunch buildGpuAttentionKernel(mlir::OpBuilder &b, mlir::gpu::GPUModuleOp gm,
                                  llvm::StringRef name, const AttentionParams &p,
                                  bool singleToken = false);

/// The float LM head: one warp per row, 16-byte loads. Range FIXED over rows.
GpuLaunch buildGpuFloatMatmulKernel(mlir::OpBuilder &b,
                                    mlir::gpu::GPUModuleOp gm,
                                    llvm::StringRef name,
                                    const FloatMatmulParams &p);

/// The int8 LM head (--head=int8): one warp per row, 16-byte loads, dp4a
/// s8 x s8; K a multiple of 16. Range FIXED over rows.
GpuLaunch buildGpuInt8MatmulKernel(mlir::OpBuilder &b, mlir::gpu::GPUModuleOp gm,
                                   llvm::StringRef name, const Int8MatmulParams &p);

/// Shared memory bytes a kernel may declare statically.
inline constexpr int64_t kMaxStaticShared = 48 * 1024;

} // namespace tern::nvptx

#endif
