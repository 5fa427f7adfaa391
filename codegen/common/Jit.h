//===- Jit.h - run lowered tern modules in-process --------------*- C++ -*-===//
#ifndef TERN_CODEGEN_COMMON_JIT_H
#define TERN_CODEGEN_COMMON_JIT_H

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/BuiltinOps.h"

#include <memory>

namespace mlir::tern {

/// Marks every public function for a C interface (`_mlir_ciface_<name>`,
/// memrefs passed as pointers to StridedMemRefType), lowers `module` to LLVM
/// with lowerToLLVM() and JIT-compiles it at -O2 for the host CPU.
/// Returns nullptr after emitting diagnostics on failure.
std::unique_ptr<ExecutionEngine> jitCompile(ModuleOp module);

/// Registers what a context needs to JIT tern modules: every dialect the
/// lowering touches, bufferization models and LLVM IR translations.
void registerJitDialects(DialectRegistry &registry);

} // namespace mlir::tern

#endif
