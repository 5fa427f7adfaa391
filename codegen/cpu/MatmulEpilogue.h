//===- MatmulEpilogue.h - the store of a ternary matmul output --*- C++ -*-===//
//
// What every form of the ternary matmul (2-bit codes, lookup tables) shares:
// the rows of each concatenated part a thread owns, and what it does with a
// row's exact int32 sum, in the reference's order:
//   y = float(acc) / s[t] * scale[n]      (multiply)
//   y = float(acc) / (s[t] * scale[n])    (divide)
//   out[t][n - rowBase] = (residual ? r[t][n - rowBase] : 0) + y
// (buffers as TernaryMatmulParams documents).
//
//===----------------------------------------------------------------------===//
#ifndef TERN_CODEGEN_CPU_MATMULEPILOGUE_H
#define TERN_CODEGEN_CPU_MATMULEPILOGUE_H

#include "codegen/cpu/KernelFunc.h"
#include "codegen/cpu/Kernels.h"

namespace tern::cpu {

/// For each part of a (concatenated) matmul, this thread's rows of it:
/// [max(begin, base), min(end, base + N_part)), possibly empty, with the
/// part's first global row `base`.
void forEachPartRange(
    mlir::OpBuilder &b, mlir::Location loc, const TernaryMatmulParams &p,
    const KernelArgs &a,
    llvm::function_ref<void(int part, int64_t base, mlir::Value lo, mlir::Value hi)> body);

/// The register tiles over rows (or groups) [lo, hi) and tokens [t0, t1):
/// whole tiles of tile_m tokens over tiles of tile_n (prefill), then the
/// tokens left one at a time over tiles of gemv_tile_n (decode). Rows
/// outside, tokens inside: a tile's weights stay in cache while every
/// token uses them. body(t, r, tm, tn) emits one tm x tn tile at (t, r).
void forTokenTiles(
    mlir::OpBuilder &b, mlir::Location loc, const TernaryMatmulParams &p, const KernelArgs &a,
    mlir::Value lo, mlir::Value hi,
    llvm::function_ref<void(mlir::Value t, mlir::Value r, int64_t tm, int64_t tn)> body);

class DotProduct;

/// sums[t] = sum_k q[t][k] for tokens [t0, t1) (the c = w + 1 codes' excess,
/// subtracted from each row's sum) in a new memref<max_batch x i32>, with
/// `dot`'s steps (its width must divide K).
mlir::Value emitActivationSums(mlir::OpBuilder &b, mlir::Location loc,
                               const TernaryMatmulParams &p, const KernelArgs &a,
                               const DotProduct &dot);

/// Emits the store of row `row` (global, in part `part` starting at
/// `rowBase`) for token `tok`; `acc` is its i32 sum and `st` the token's
/// activation scale s[t].
void storeMatmulOutput(mlir::OpBuilder &b, mlir::Location loc,
                       const TernaryMatmulParams &p, const KernelArgs &a,
                       int part, int64_t rowBase, mlir::Value acc,
                       mlir::Value st, mlir::Value tok, mlir::Value row);

} // namespace tern::cpu

#endif
