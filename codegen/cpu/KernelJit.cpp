//===- KernelJit.cpp - run generated kernels in-process -------------------===//
#include "codegen/cpu/KernelJit.h"
#include "codegen/cpu/KernelFunc.h"
#include "codegen/cpu/LowerKernels.h"
#include "runtime/common/AmxPermission.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/TargetSelect.h"

using namespace mlir;

namespace tern::cpu {

std::unique_ptr<KernelJit> KernelJit::compile(ModuleOp module,
                                              std::string *err) {
  static const bool initialized = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    return true;
  }();
  (void)initialized;
  // The JIT compiles for this machine; where it has AMX the kernels may use
  // it (a machine without it simply says no, and gets no AMX kernels).
  (void)rt::requestAmxPermission();
  std::vector<std::string> names = kernelNames(module);
  PassManager pm(module.getContext());
  if (failed(buildKernelLoweringPipeline(pm, err)))
    return nullptr;
  if (failed(pm.run(module))) {
    *err = "lowering the kernels to LLVM failed";
    return nullptr;
  }
  if (failed(addKernelEntries(module, names, "jit", {}))) {
    *err = "adding kernel entries failed";
    return nullptr;
  }
  ExecutionEngineOptions options;
  auto transformer = makeOptimizingTransformer(3, 0, nullptr);
  options.transformer = transformer;
  options.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
  auto engine = ExecutionEngine::create(module, options);
  if (!engine) {
    *err = "JIT compilation failed: " + llvm::toString(engine.takeError());
    return nullptr;
  }
  auto jit = std::unique_ptr<KernelJit>(new KernelJit());
  jit->engine_ = std::move(*engine);
  return jit;
}

tern_kernel_fn KernelJit::lookup(const std::string &name) const {
  auto sym = engine_->lookup(name + kEntrySuffix.str());
  if (!sym) {
    llvm::consumeError(sym.takeError());
    return nullptr;
  }
  return reinterpret_cast<tern_kernel_fn>(*sym);
}

} // namespace tern::cpu
