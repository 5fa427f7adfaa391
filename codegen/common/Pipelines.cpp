//===- Pipelines.cpp - tern lowering pipelines ----------------------------===//
#include "codegen/common/Pipelines.h"
#include "codegen/common/Passes.h"

#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

std::string tern::lowerToLLVMPipeline() {
  return "convert-tern-to-linalg,"
         "canonicalize,"
         "one-shot-bufferize{bufferize-function-boundaries "
         "function-boundary-type-conversion=identity-layout-map},"
         "buffer-deallocation-pipeline,"
         "func.func(convert-linalg-to-loops),"
         "lower-affine,"
         "convert-scf-to-cf,"
         "expand-strided-metadata,"
         "finalize-memref-to-llvm,"
         "convert-math-to-llvm,"
         "convert-arith-to-llvm,"
         "convert-index-to-llvm,"
         "convert-func-to-llvm,"
         "convert-cf-to-llvm,"
         "reconcile-unrealized-casts";
}

void tern::registerTernPipelines() {
  PassPipelineRegistration<>(
      "tern-lower-to-llvm",
      "Lower tern graph IR through linalg, bufferization and loops to the "
      "LLVM dialect (portable, unscheduled)",
      [](OpPassManager &pm) {
        if (failed(parsePassPipeline(lowerToLLVMPipeline(), pm)))
          llvm::report_fatal_error("tern-lower-to-llvm: bad built-in pipeline");
      });
}

LogicalResult tern::lowerToLLVM(ModuleOp module) {
  // The pipeline is text: every pass it names must be registered once.
  static const bool registered = [] {
    registerAllPasses();
    registerTernCodegenPasses();
    return true;
  }();
  (void)registered;
  PassManager pm(module.getContext());
  std::string errors;
  llvm::raw_string_ostream os(errors);
  if (failed(parsePassPipeline(lowerToLLVMPipeline(), pm, os)))
    return module.emitError() << "cannot build the lowering pipeline: " << errors;
  return pm.run(module);
}
