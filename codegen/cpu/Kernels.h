//===- Kernels.h - the CPU kernel emitters ----------------------*- C++ -*-===//
//
// One emitter per kernel kind. Each builds one `func.func` with the kernel
// convention of KernelFunc.h, specialized for static shapes and a schedule,
// written in scf/vector/memref/arith/math (plus target intrinsics through
// DotProduct). What each kind computes, and its buffers in order, are the
// contract of its parameter struct in codegen/common/KernelParams.h, which
// every target shares.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_CODEGEN_CPU_KERNELS_H
#define TERN_CODEGEN_CPU_KERNELS_H

#include "codegen/common/KernelParams.h"
#include "codegen/cpu/CpuTarget.h"
#include "codegen/cpu/KernelFunc.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace tern::cpu {

using codegen::AttentionParams;
using codegen::EmbeddingParams;
using codegen::FloatMatmulParams;
using codegen::FloatType;
using codegen::Int8MatmulParams;
using codegen::LutTablesParams;
using codegen::NormQuantizeParams;
using codegen::RopeParams;
using codegen::TernaryMatmulParams;

/// The MLIR type of a stored float element.
mlir::Type toMlirType(mlir::MLIRContext *ctx, FloatType t);

/// One emitter per kernel kind of KernelParams.h.
mlir::func::FuncOp buildTernaryMatmulKernel(mlir::OpBuilder &b,
                                            mlir::ModuleOp module,
                                            llvm::StringRef name,
                                            const TernaryMatmulParams &p);
mlir::func::FuncOp buildLutTablesKernel(mlir::OpBuilder &b,
                                        mlir::ModuleOp module,
                                        llvm::StringRef name,
                                        const LutTablesParams &p);
/// The matmul body of the lookup-table layout (TernaryMatmulParams::lut > 0);
/// called by buildTernaryMatmulKernel, which creates the function.
void emitLutMatmul(mlir::OpBuilder &b, const TernaryMatmulParams &p,
                   const KernelArgs &args);
/// The matmul body of the i2lane layout (TernaryMatmulParams::lanes()), one
/// row per vector lane; called by buildTernaryMatmulKernel.
void emitLaneMatmul(mlir::OpBuilder &b, const TernaryMatmulParams &p,
                    const KernelArgs &args);
mlir::func::FuncOp buildEmbeddingKernel(mlir::OpBuilder &b,
                                        mlir::ModuleOp module,
                                        llvm::StringRef name,
                                        const EmbeddingParams &p);
mlir::func::FuncOp buildNormQuantizeKernel(mlir::OpBuilder &b,
                                           mlir::ModuleOp module,
                                           llvm::StringRef name,
                                           const NormQuantizeParams &p);
mlir::func::FuncOp buildRopeKernel(mlir::OpBuilder &b, mlir::ModuleOp module,
                                   llvm::StringRef name, const RopeParams &p);
mlir::func::FuncOp buildAttentionKernel(mlir::OpBuilder &b,
                                        mlir::ModuleOp module,
                                        llvm::StringRef name,
                                        const AttentionParams &p);
mlir::func::FuncOp buildFloatMatmulKernel(mlir::OpBuilder &b,
                                          mlir::ModuleOp module,
                                          llvm::StringRef name,
                                          const FloatMatmulParams &p);
mlir::func::FuncOp buildInt8MatmulKernel(mlir::OpBuilder &b,
                                         mlir::ModuleOp module,
                                         llvm::StringRef name,
                                         const Int8MatmulParams &p);

} // namespace tern::cpu

#endif
