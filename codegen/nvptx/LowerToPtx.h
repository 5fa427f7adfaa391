//===- LowerToPtx.h - GPU kernels to PTX ------------------------*- C++ -*-===//
//
// gpu.module(scf -> cf, gpu/arith/math/memref/vector -> NVVM + LLVM with
// bare-pointer kernel arguments) then gpu-module-to-binary{format=isa}: the
// NVPTX backend's PTX text for the module's #nvvm.target.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_CODEGEN_NVPTX_LOWERTOPTX_H
#define TERN_CODEGEN_NVPTX_LOWERTOPTX_H

#include "codegen/nvptx/GpuKernelFunc.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"

#include <string>

namespace tern::nvptx {

/// Dialects and interfaces the GPU path needs (those the kernels are
/// written in, gpu, nvvm, their LLVM IR translations and the NVVM target).
void registerGpuDialects(mlir::DialectRegistry &registry);

/// The pass pipeline string, for error messages and --mlir-print-ir-*.
std::string ptxPipeline();

/// Lowers `module` (holding one gpu.module) in place with `pm` (fresh,
/// CLI options applied by the caller) and returns the PTX.
bool lowerToPtx(mlir::ModuleOp module, mlir::PassManager &pm, std::string *ptx,
                std::string *err);

/// One kernel alone: `build` emits it into a fresh module for `chip`
/// (+ptx80), which is lowered to PTX (the GPU tests and tern-bench).
bool buildKernelPtx(
    llvm::function_ref<GpuLaunch(mlir::OpBuilder &, mlir::gpu::GPUModuleOp)> build,
    llvm::StringRef chip, GpuLaunch *launch, std::string *ptx, std::string *err);

} // namespace tern::nvptx

#endif
