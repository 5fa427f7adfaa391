//===- KernelModule.h - what the measurers share to build a kernel ---*- C++ -*-===//
//
// The child measurers (TernaryMatmulMeasure.cpp, HeadMatmulMeasure.cpp,
// AttentionMeasure.cpp) build their kernels in a module of the JIT's
// dialects; a kernel's identity (MatmulJob.h: kernelText) is that module
// printed.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_TOOLS_TERN_TUNE_KERNELMODULE_H
#define TERN_TOOLS_TERN_TUNE_KERNELMODULE_H

#include "codegen/common/Jit.h"
#include "codegen/cpu/KernelJit.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

#include <functional>
#include <memory>
#include <string>

namespace tern::tune {

/// The dialects the kernel JIT lowers.
inline mlir::DialectRegistry kernelRegistry() {
  mlir::DialectRegistry r;
  mlir::tern::registerJitDialects(r);
  return r;
}

/// `build` fills a fresh module (in a context of its own); its text, or ""
/// when `build` returns false.
inline std::string kernelModuleText(
    const std::function<bool(mlir::MLIRContext *, mlir::OpBuilder &, mlir::ModuleOp)> &build) {
  mlir::MLIRContext ctx(kernelRegistry());
  ctx.loadAllAvailableDialects();
  mlir::OpBuilder b(&ctx);
  auto module = mlir::ModuleOp::create(b.getUnknownLoc());
  b.setInsertionPointToEnd(module.getBody());
  std::string text;
  if (build(&ctx, b, module)) {
    llvm::raw_string_ostream os(text);
    module.print(os);
  }
  module->erase();
  return text;
}

/// A kernel's candidate "k" and its default "base", built by
/// `build(b, module, name, candidate)` into one module and JIT-compiled:
/// what the measurers that check a candidate against the default's bits
/// (attention, norm + quantize) run. "" on success, else why not.
struct CandidateAndDefault {
  std::unique_ptr<cpu::KernelJit> jit;
  tern_kernel_fn fn = nullptr, base = nullptr;
};
inline std::string jitCandidateAndDefault(
    mlir::MLIRContext *ctx,
    const std::function<void(mlir::OpBuilder &, mlir::ModuleOp, const char *, bool)> &build,
    CandidateAndDefault *out) {
  mlir::OpBuilder b(ctx);
  auto module = mlir::ModuleOp::create(b.getUnknownLoc());
  b.setInsertionPointToEnd(module.getBody());
  build(b, module, "k", true);
  build(b, module, "base", false);
  std::string err;
  out->jit = cpu::KernelJit::compile(module, &err);
  if (!out->jit)
    return err;
  out->fn = out->jit->lookup("k");
  out->base = out->jit->lookup("base");
  return out->fn && out->base ? "" : "no entry for the kernel";
}

} // namespace tern::tune

#endif
