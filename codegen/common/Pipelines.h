//===- Pipelines.h - tern lowering pipelines --------------------*- C++ -*-===//
#ifndef TERN_CODEGEN_COMMON_PIPELINES_H
#define TERN_CODEGEN_COMMON_PIPELINES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"
#include <string>

namespace mlir::tern {

/// The textual pass pipeline that takes tern graph IR (on tensors) to the
/// LLVM dialect, portable and unscheduled. Registered as `tern-lower-to-llvm`,
/// so `tern-opt --tern-lower-to-llvm` shows the same steps the JIT runs.
std::string lowerToLLVMPipeline();

/// Registers tern's named pipelines (`tern-lower-to-llvm`).
void registerTernPipelines();

/// Runs lowerToLLVMPipeline() on `module` in place. On failure the
/// diagnostics have been emitted on the module's context.
LogicalResult lowerToLLVM(ModuleOp module);

} // namespace mlir::tern

#endif
