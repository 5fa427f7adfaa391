//===- KernelTestSupport.h - shared set-up of the kernel tests --*- C++ -*-===//
#ifndef TERN_TEST_UNIT_CPU_KERNELTESTSUPPORT_H
#define TERN_TEST_UNIT_CPU_KERNELTESTSUPPORT_H

#include "codegen/common/Jit.h"
#include "codegen/cpu/CpuTarget.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/TargetParser/Host.h"

namespace tern::cpu::test {

inline bool hostHas(const char *feature) {
  static const llvm::StringMap<bool> f = llvm::sys::getHostCPUFeatures();
  return f.lookup(feature);
}

/// True when kernels built for `isa` can run here (AArch64 kernels are
/// tested under qemu by the lit tests instead).
inline bool hostRuns(DotIsa isa) {
  switch (isa) {
  case DotIsa::Generic: return true;
  case DotIsa::Avx2: return hostHas("avx2");
  case DotIsa::Avx512Vnni:
    return hostHas("avx512vnni") && hostHas("avx512vl") && hostHas("avx512bw");
  default: return false;
  }
}

/// A context with the JIT's dialects, a builder and an empty module to build
/// kernels into (then KernelJit::compile(module)).
struct KernelModule {
  mlir::MLIRContext ctx{registry()};
  mlir::OpBuilder b{&ctx};
  mlir::ModuleOp module = mlir::ModuleOp::create(b.getUnknownLoc());

  KernelModule() { ctx.loadAllAvailableDialects(); }
  ~KernelModule() { module->erase(); }

private:
  static mlir::DialectRegistry registry() {
    mlir::DialectRegistry r;
    mlir::tern::registerJitDialects(r);
    return r;
  }
};

} // namespace tern::cpu::test

#endif
