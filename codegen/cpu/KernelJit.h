//===- KernelJit.h - run generated kernels in-process (tests, tuning) -*- C++ -*-===//
#ifndef TERN_CODEGEN_CPU_KERNELJIT_H
#define TERN_CODEGEN_CPU_KERNELJIT_H

#include "runtime/include/tern_plan.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/BuiltinOps.h"

#include <memory>
#include <string>

namespace tern::cpu {

/// A module of generated kernels compiled for this machine.
class KernelJit {
public:
  /// Lowers `module` (kernel functions as built by the kernel emitters) to
  /// LLVM, adds the uniform entries and JIT-compiles it at O3 for the host.
  /// Returns null and sets `err` on failure.
  static std::unique_ptr<KernelJit> compile(mlir::ModuleOp module,
                                            std::string *err);
  /// The uniform entry of kernel `name`, or null.
  tern_kernel_fn lookup(const std::string &name) const;

private:
  std::unique_ptr<mlir::ExecutionEngine> engine_;
};

} // namespace tern::cpu

#endif
