//===- LowerToPtx.cpp - GPU kernels to PTX --------------------------------===//
#include "codegen/nvptx/LowerToPtx.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"

#include "llvm/Support/raw_ostream.h"

#include <mutex>

using namespace mlir;

namespace tern::nvptx {

void registerGpuDialects(DialectRegistry &registry) {
  registry.insert<gpu::GPUDialect, NVVM::NVVMDialect, arith::ArithDialect,
                  memref::MemRefDialect, scf::SCFDialect, vector::VectorDialect,
                  LLVM::LLVMDialect, func::FuncDialect, cf::ControlFlowDialect>();
  registerAllExtensions(registry); // the dialects' to-LLVM conversion interfaces
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  registerBuiltinDialectTranslation(registry);
  registerGPUDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
}

std::string ptxPipeline() {
  return "gpu.module(convert-scf-to-cf,convert-gpu-to-nvvm{use-bare-ptr-memref-"
         "call-conv=1},convert-nvvm-to-llvm,canonicalize,cse,"
         "reconcile-unrealized-casts),"
         "gpu-module-to-binary{format=isa}";
}

bool lowerToPtx(ModuleOp module, PassManager &pm, std::string *ptx, std::string *err) {
  static std::once_flag registered; // the pipeline is parsed by pass name
  std::call_once(registered, [] { registerAllPasses(); });
  std::string diag;
  llvm::raw_string_ostream ds(diag);
  if (failed(parsePassPipeline(ptxPipeline(), pm, ds))) {
    *err = "cannot build the PTX pipeline: " + diag;
    return false;
  }
  if (failed(pm.run(module))) {
    *err = "lowering the GPU kernels to PTX failed";
    return false;
  }
  for (auto bin : module.getOps<gpu::BinaryOp>()) {
    for (Attribute o : bin.getObjects()) {
      auto obj = dyn_cast<gpu::ObjectAttr>(o);
      if (!obj)
        continue;
      *ptx = obj.getObject().getValue().str();
      // The object is the PTX text, NUL-terminated by the serializer.
      while (!ptx->empty() && ptx->back() == '\0')
        ptx->pop_back();
      // Self-contained PTX only: a libdevice call would resolve only where
      // the CUDA toolkit was found at compile time (GpuKernelFunc.h).
      if (size_t at = ptx->find("__nv_"); at != std::string::npos) {
        *err = "internal error: the PTX calls libdevice (" +
               ptx->substr(at, ptx->find_first_of("( ;,\n", at) - at) +
               "): a kernel uses a math op without a PTX instruction";
        return false;
      }
      return true;
    }
  }
  *err = "the PTX pipeline produced no gpu.binary";
  return false;
}

bool buildKernelPtx(function_ref<GpuLaunch(OpBuilder &, gpu::GPUModuleOp)> build,
                    StringRef chip, GpuLaunch *launch, std::string *ptx,
                    std::string *err) {
  DialectRegistry registry;
  registerGpuDialects(registry);
  MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  OpBuilder b(&ctx);
  OwningOpRef<ModuleOp> m = ModuleOp::create(b.getUnknownLoc());
  *launch = build(b, kernelModule(b, *m, chip, "+ptx80"));
  PassManager pm(&ctx);
  return lowerToPtx(*m, pm, ptx, err);
}

} // namespace tern::nvptx
