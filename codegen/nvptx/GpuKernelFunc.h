//===- GpuKernelFunc.h - the calling convention of generated GPU kernels -*- C++ -*-===//
//
// Every GPU kernel tern generates is a `gpu.func ... kernel` in one
// `gpu.module @tern_kernels` targeting NVVM:
//
//   gpu.func @k(%buf0: memref<...>, ..., %bufN: memref<...>,
//               %t0: index, %t1: index, %start: index,
//               %begin: index, %end: index, %pos: memref<1xi64>) kernel
//
// the same arguments as a CPU kernel (KernelFunc.h), lowered with bare
// pointers so the runtime passes one device pointer per buffer and five
// int64s, plus the device cell holding the position of token 0: kernels
// read `start` from it, not from the %start value, so that a captured CUDA
// graph of a decode step replays at every position unchanged (the runtime
// writes the cell before each call). A launch covers the step's whole
// range [begin, end): block b
// owns items [begin + b * items, begin + (b+1) * items) (GpuLaunch), tokens
// [t0, t1) are looped inside unless the range is over tokens.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_CODEGEN_NVPTX_GPUKERNELFUNC_H
#define TERN_CODEGEN_NVPTX_GPUKERNELFUNC_H

#include "codegen/cpu/KernelFunc.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tern::nvptx {

/// How the runtime launches a kernel (tern_gpu_kernel in tern_runtime.h).
struct GpuLaunch {
  GpuLaunch() = default;
  GpuLaunch(std::string name, int64_t threads, int64_t items, std::string single = {})
      : name(std::move(name)), threads(threads), items(items), single(std::move(single)) {}
  std::string name;
  int64_t threads = 128; ///< threads per block (x)
  int64_t items = 1;     ///< range items per block
  /// A variant of the kernel for calls of one token (the same launch
  /// shape), or empty.
  std::string single;
};

/// The block arguments of a GPU kernel being built (as a CPU kernel's),
/// plus its thread and block index.
struct GpuKernelArgs : cpu::KernelArgs {
  mlir::Value tid;   ///< thread index in the block (index)
  mlir::Value block; ///< block index (index)
};

/// The module's `gpu.module @tern_kernels` for chip/features (created on
/// first use; the outer module becomes a gpu.container_module).
mlir::gpu::GPUModuleOp kernelModule(mlir::OpBuilder &b, mlir::ModuleOp module,
                                    llvm::StringRef chip,
                                    llvm::StringRef features);

/// Creates `gpu.func @name` with the kernel convention at the end of `gm`
/// (known block size `threads`), `workgroup` shared-memory buffers, sets the
/// builder inside its entry block and fills `args`. The caller emits the
/// body and the gpu.return.
mlir::gpu::GPUFuncOp createGpuKernel(mlir::OpBuilder &b,
                                     mlir::gpu::GPUModuleOp gm,
                                     llvm::StringRef name,
                                     llvm::ArrayRef<mlir::MemRefType> buffers,
                                     llvm::ArrayRef<mlir::MemRefType> workgroup,
                                     int64_t threads, GpuKernelArgs *args);

/// memref<n x T> in workgroup (shared) memory.
mlir::MemRefType sharedBuffer(mlir::MLIRContext *ctx, int64_t n, mlir::Type t);

/// A sum (or max) over the 32 lanes of a warp, by xor shuffles over lane
/// distances `from` .. 16 (from = 1: the whole warp; from = R: the lanes
/// with the same index mod R). Every lane gets the result.
mlir::Value warpReduce(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                       bool isMax, int64_t from = 1);
/// A sum (or max) of `v` over the block's `threads` threads (a multiple of
/// 32), through `scratch` (shared memory of threads/32 elements); every
/// thread gets the result. Contains barriers: call from uniform control flow.
mlir::Value blockReduce(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                        bool isMax, mlir::Value scratch, int64_t threads);

/// One warp per output row (the heads): row = begin + blockIdx.x * warps +
/// warp, idle past `end`; for each token t in [t0, t1) the lanes' partial
/// sums `dot(t, row, lane)` (i32 or f32) are added over the warp and lane 0
/// calls `store(t, row, sum)`.
void forEachWarpRow(
    mlir::OpBuilder &b, mlir::Location loc, const GpuKernelArgs &a, int64_t warps,
    llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location, mlir::Value t,
                                   mlir::Value row, mlir::Value lane)>
        dot,
    llvm::function_ref<void(mlir::OpBuilder &, mlir::Location, mlir::Value t,
                            mlir::Value row, mlir::Value sum)>
        store);

/// scf.for iv = tid to n step threads: a block-strided loop (static n).
void forStrided(mlir::OpBuilder &b, mlir::Location loc, mlir::Value first,
                mlir::Value n, int64_t stride,
                llvm::function_ref<void(mlir::OpBuilder &, mlir::Location,
                                        mlir::Value)>
                    body);

// Float helpers that lower to single PTX instructions. The math dialect
// and arith's float min/max lower to libdevice calls (__nv_*), which only
// resolve when the CUDA toolkit's libdevice is found at compile time; these
// keep the PTX self-contained (lowerToPtx rejects any __nv_ call).

/// sqrt rounded to nearest (sqrt.rn.f32).
mlir::Value sqrtRn(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x);
/// |x| (abs.f32).
mlir::Value absF32(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x);
/// Round half to even (cvt.rni.f32.f32).
mlir::Value roundEvenF32(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x);
/// 2^x (ex2.approx.f32, relative error ~2^-22).
mlir::Value exp2Approx(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x);
/// x > y ? x : y: a NaN x never wins (like the reference's comparisons).
mlir::Value maxF32(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                   mlir::Value y);
/// x < y ? x : y.
mlir::Value minF32(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                   mlir::Value y);

} // namespace tern::nvptx

#endif
