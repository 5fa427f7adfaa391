//===- LowerToPtx.h - GPU kernels to PTX ------------------------*- C++ -*-===//
//
// gpu.module(scf -> cf, gpu/arith/math/memref/vector -> NVVM + LLVM with
// bare-pointer kernel arguments) then gpu-module-to-binary{format=isa}: the
// NVPTX backend's PTX text for the module's #nvvm.target.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_CODEGEN_NVPTX_LOWERTOPTX_H
#define TERN_CODEGEN_NVPTX_LOWERTOPTX_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"

#include <string>

namespace tern::nvptx {

/// Dialects and interfaces the GPU path needs (gpu, nvvm, their LLVM IR
/// translations and the NVVM target).
void registerGpuDialects(mlir::DialectRegistry &registry);

/// The pass pipeline string, for error messages and --mlir-print-ir-*.
std::string ptxPipeline();

/// Lowers `module` (holding one gpu.module) in place with `pm` (fresh,
/// CLI options applied by the caller) and returns the PTX.
bool lowerToPtx(mlir::ModuleOp module, mlir::PassManager &pm, std::string *ptx,
                std::string *err);

} // namespace tern::nvptx

#endif
