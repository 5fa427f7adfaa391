//===- VectorUtils.h - small IR-building helpers for the CPU kernels -*- C++ -*-===//
//
// Shared by the float kernel emitters (embedding, norms, RoPE, attention, LM
// head): constants, scf.for with iter_args, loads that widen f16/bf16 to f32,
// masked tails for static lengths that are not a multiple of the vector
// width, horizontal reductions, and a vectorized exp.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_CODEGEN_CPU_VECTORUTILS_H
#define TERN_CODEGEN_CPU_VECTORUTILS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>

namespace tern::cpu::vec {

/// An index constant.
mlir::Value cIndex(mlir::OpBuilder &b, mlir::Location loc, int64_t v);
/// An f32 constant.
mlir::Value cF32(mlir::OpBuilder &b, mlir::Location loc, float v);
/// A splat constant of the float vector type `vt`.
mlir::Value splatF32(mlir::OpBuilder &b, mlir::Location loc,
                     mlir::VectorType vt, float v);
/// vector<n x f32>.
mlir::VectorType f32Vec(mlir::MLIRContext *ctx, int64_t n);
/// A constant vector<n x i1> whose first `valid` lanes are set.
mlir::Value prefixMask(mlir::OpBuilder &b, mlir::Location loc, int64_t n,
                       int64_t valid);

using LoopBody = llvm::function_ref<llvm::SmallVector<mlir::Value>(
    mlir::OpBuilder &, mlir::Location, mlir::Value iv, mlir::ValueRange iters)>;

/// scf.for iv = lb to ub step `step` carrying `inits`; `body` returns the
/// yielded values. Returns the loop results.
llvm::SmallVector<mlir::Value> forLoop(mlir::OpBuilder &b, mlir::Location loc,
                                       mlir::Value lb, mlir::Value ub,
                                       mlir::Value step, mlir::ValueRange inits,
                                       LoopBody body);
/// forLoop with step 1 and no iter_args.
void forEach(mlir::OpBuilder &b, mlir::Location loc, mlir::Value lb,
             mlir::Value ub,
             llvm::function_ref<void(mlir::OpBuilder &, mlir::Location,
                                     mlir::Value iv)> body);

/// [lo, hi) in tiles: the whole tiles of `tile` items in an scf.for, then
/// the rest one at a time; body(b, loc, first item, items in this tile).
void forTiles(mlir::OpBuilder &b, mlir::Location loc, mlir::Value lo,
              mlir::Value hi, int64_t tile,
              llvm::function_ref<void(mlir::OpBuilder &, mlir::Location,
                                      mlir::Value, int64_t)>
                  body);

using ChunkBody = llvm::function_ref<llvm::SmallVector<mlir::Value>(
    mlir::OpBuilder &, mlir::Location, mlir::Value off, int64_t valid,
    mlir::ValueRange iters)>;

/// Visits [0, len) (a static length) in chunks of `width` lanes: the full
/// chunks in an scf.for (inline when there is one), then the partial last
/// chunk, if any, inline with `valid` < width. `off` is the chunk's first
/// element (an index). Returns the final iter values.
llvm::SmallVector<mlir::Value> forChunks(mlir::OpBuilder &b, mlir::Location loc,
                                         int64_t len, int64_t width,
                                         mlir::ValueRange inits, ChunkBody body);

/// forChunks with `unroll` chunks per loop step: chunk u of a step carries
/// its own copy of `inits` (independent chains), and the whole chunks left
/// over and the partial last one use copy 0. Returns the unroll copies'
/// final values, copy after copy; with unroll <= 1, forChunks.
llvm::SmallVector<mlir::Value> forChunksUnrolled(mlir::OpBuilder &b, mlir::Location loc,
                                                 int64_t len, int64_t width, int64_t unroll,
                                                 mlir::ValueRange inits, ChunkBody body);

/// Loads `width` elements of the 1-D memref `mem` at `off` as vector<width x
/// f32> (f16/bf16 widened with arith.extf); with valid < width, a masked load
/// whose other lanes are 0.
mlir::Value loadF32(mlir::OpBuilder &b, mlir::Location loc, mlir::Value mem,
                    mlir::Value off, int64_t width, int64_t valid);
/// Loads `width` elements as they are stored (masked with valid < width).
mlir::Value loadRaw(mlir::OpBuilder &b, mlir::Location loc, mlir::Value mem,
                    mlir::Value off, int64_t width, int64_t valid);
/// Stores the vector `v` (already of the memref's element type) at `off`,
/// only its first `valid` lanes.
void store(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
           mlir::Value mem, mlir::Value off, int64_t valid);

/// Sum of the lanes of a float vector, as a log2(n) tree of shuffles and
/// adds (explicit, so it does not depend on the lowering's
/// reassociate-fp-reductions flag; a vector.reduction for other widths).
mlir::Value reduceAdd(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v);
/// Max of the lanes of a float vector, the same way (no NaN lanes expected).
mlir::Value reduceMax(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v);

/// exp(x) on a vector<n x f32> by Cody-Waite range reduction and a degree-5
/// polynomial (Cephes expf): relative error ~1-2 ulp for x in [-87.3, 88];
/// exactly 1 at x = 0 and 0 below -87.3 (where expf is subnormal or 0).
mlir::Value expF32(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x);

} // namespace tern::cpu::vec

#endif
