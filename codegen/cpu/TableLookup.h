//===- TableLookup.h - 16-entry byte table lookups of a target --*- C++ -*-===//
//
// The innermost step of the lookup-table (TL1/TL2-style) ternary kernels:
// r[i] = table[16 * (i / 16) + idx[i]] for vector<V x i8> table and idx
// (V = 16, 32 or 64; idx in 0..15). Each 16-byte lane of `table` is its own
// table. x86 does it with pshufb (codegen/x86/), AArch64 with tbl
// (codegen/aarch64/); elsewhere a chain of selects.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_CODEGEN_CPU_TABLELOOKUP_H
#define TERN_CODEGEN_CPU_TABLELOOKUP_H

#include "codegen/cpu/CpuTarget.h"

#include "mlir/IR/Builders.h"

namespace tern::cpu {

/// The lookup for `isa` (the generic one for Generic).
mlir::Value lookup16(DotIsa isa, mlir::OpBuilder &b, mlir::Location loc,
                     mlir::Value table, mlir::Value idx);
/// Plain vector IR: one select per table entry.
mlir::Value lookup16Generic(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::Value table, mlir::Value idx);

namespace x86 {
/// vpshufb: zmm (AVX-512BW) when `zmm`, else ymm (AVX2) / xmm (SSSE3) pieces.
mlir::Value lookup16(mlir::OpBuilder &b, mlir::Location loc, mlir::Value table,
                     mlir::Value idx, bool zmm);
} // namespace x86

namespace aarch64 {
/// tbl (one 16-byte table register) per 16-byte lane.
mlir::Value lookup16(mlir::OpBuilder &b, mlir::Location loc, mlir::Value table,
                     mlir::Value idx);
} // namespace aarch64

} // namespace tern::cpu

#endif
