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

#include <gtest/gtest.h>

#include <string>

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

/// A test run once per dot-product ISA (its parameter) and skipped as a
/// whole where this CPU cannot run that ISA, so that every skip ctest
/// counts is exactly one ISA's cases:
///   class GemmTiles : public IsaTest {};
///   TEST_P(GemmTiles, Cases) { ... isa() ... }
///   TERN_INSTANTIATE_ISAS(GemmTiles, DotIsa::Avx2, DotIsa::Avx512Vnni);
class IsaTest : public ::testing::TestWithParam<DotIsa> {
protected:
  void SetUp() override {
    if (!hostRuns(GetParam()))
      GTEST_SKIP() << dotIsaName(GetParam()) << " does not run on this CPU";
  }
  DotIsa isa() const { return GetParam(); }
};

/// "generic", "avx2", "avx512_vnni": gtest parameter names.
inline std::string isaParamName(const ::testing::TestParamInfo<DotIsa> &info) {
  std::string s = dotIsaName(info.param);
  for (char &c : s)
    if (c == '-')
      c = '_';
  return s;
}

#define TERN_INSTANTIATE_ISAS(Suite, ...)                                       \
  INSTANTIATE_TEST_SUITE_P(Isa, Suite, ::testing::Values(__VA_ARGS__),          \
                           ::tern::cpu::test::isaParamName)

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
