//===- KernelFunc.h - the calling convention of generated kernels -*- C++ -*-===//
//
// Every CPU kernel tern generates is a `func.func` marked `tern.kernel`:
//
//   func.func @k(%buf0: memref<...>, ..., %bufN: memref<...>,
//                %t0: index, %t1: index, %start: index,
//                %begin: index, %end: index) attributes {tern.kernel}
//
// Buffers have static shapes (activations are sized for the compiled maximum
// batch, caches for the context), so they lower to bare pointers. After
// lowering, `addKernelEntries` wraps each in the runtime's uniform entry
// `void k_entry(void *const *args, i64 t0, i64 t1, i64 start, i64 begin,
// i64 end)` (tern_kernel_fn in runtime/include/tern_plan.h).
//
//===----------------------------------------------------------------------===//
#ifndef TERN_CODEGEN_CPU_KERNELFUNC_H
#define TERN_CODEGEN_CPU_KERNELFUNC_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace tern::cpu {

/// The block arguments of a kernel being built.
struct KernelArgs {
  llvm::SmallVector<mlir::Value> buffers;
  mlir::Value t0, t1, start, begin, end;
};

/// Fills `args` from a kernel's entry block: `nBuffers` buffers, then t0,
/// t1, start, begin, end (shared with the GPU convention, GpuKernelFunc.h).
void bindKernelArgs(mlir::Block *entry, unsigned nBuffers, KernelArgs *args);

/// Creates `func.func @name` with the kernel convention at the end of
/// `module`, sets the builder inside its (empty) entry block and fills `args`.
/// The caller emits the body and the `func.return`.
mlir::func::FuncOp createKernel(mlir::OpBuilder &b, mlir::ModuleOp module,
                                llvm::StringRef name,
                                llvm::ArrayRef<mlir::MemRefType> buffers,
                                KernelArgs *args);

/// Name of the attribute marking kernels.
inline constexpr llvm::StringLiteral kKernelAttr = "tern.kernel";
/// Suffix of the uniform entry point of a kernel.
inline constexpr llvm::StringLiteral kEntrySuffix = "_entry";

/// Names of the kernels in `module`, in order.
std::vector<std::string> kernelNames(mlir::ModuleOp module);

} // namespace tern::cpu

#endif
