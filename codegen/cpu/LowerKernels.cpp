//===- LowerKernels.cpp - generated kernels to LLVM IR and objects --------===//
#include "codegen/cpu/KernelFunc.h"
#include "codegen/cpu/LowerKernels.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"

using namespace mlir;

namespace tern::cpu {

std::string kernelLoweringPipeline() {
  return "canonicalize,cse,"
         "func.func(lower-vector-multi-reduction),"
         "convert-vector-to-scf,"
         "lower-affine,"
         "convert-scf-to-cf,"
         "expand-strided-metadata,"
         "lower-affine,"
         "convert-vector-to-llvm{enable-amx=1},"
         "finalize-memref-to-llvm,"
         "convert-math-to-llvm,"
         "convert-arith-to-llvm,"
         "convert-index-to-llvm,"
         "convert-func-to-llvm{use-bare-ptr-memref-call-conv=1},"
         "convert-cf-to-llvm,"
         "convert-ub-to-llvm,"
         "reconcile-unrealized-casts,"
         "canonicalize";
}

LogicalResult buildKernelLoweringPipeline(OpPassManager &pm, std::string *err) {
  static const bool registered = [] {
    registerAllPasses();
    return true;
  }();
  (void)registered;
  std::string errors;
  llvm::raw_string_ostream os(errors);
  if (failed(parsePassPipeline(kernelLoweringPipeline(), pm, os))) {
    *err = "cannot build the kernel lowering pipeline: " + errors;
    return failure();
  }
  return success();
}

LogicalResult addKernelEntries(ModuleOp module,
                               const std::vector<std::string> &names,
                               const std::string &fingerprint,
                               const std::vector<uint8_t> &contract) {
  MLIRContext *ctx = module.getContext();
  OpBuilder b(ctx);
  Location loc = module.getLoc();
  auto ptr = LLVM::LLVMPointerType::get(ctx);
  auto i64 = b.getI64Type();
  auto voidTy = LLVM::LLVMVoidType::get(ctx);
  b.setInsertionPointToEnd(module.getBody());
  std::vector<LLVM::LLVMFuncOp> entries;
  for (const std::string &name : names) {
    auto kernel = module.lookupSymbol<LLVM::LLVMFuncOp>(name);
    if (!kernel)
      return module.emitError() << "kernel @" << name
                                << " was not lowered to an llvm.func";
    auto fnTy = kernel.getFunctionType();
    unsigned nparams = fnTy.getNumParams();
    if (nparams < 5)
      return kernel.emitError() << "kernel has fewer than 5 parameters";
    unsigned nbuf = nparams - 5;
    auto entryTy = LLVM::LLVMFunctionType::get(voidTy, {ptr, i64, i64, i64, i64, i64});
    auto entry = LLVM::LLVMFuncOp::create(b, loc, name + kEntrySuffix.str(), entryTy);
    Block *blk = entry.addEntryBlock(b);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(blk);
    SmallVector<Value> args;
    for (unsigned i = 0; i < nbuf; ++i) {
      if (!isa<LLVM::LLVMPointerType>(fnTy.getParamType(i)))
        return kernel.emitError() << "kernel parameter " << i
                                  << " is not a pointer after lowering";
      Value slot = LLVM::GEPOp::create(b, loc, ptr, ptr, blk->getArgument(0),
                                       ArrayRef<LLVM::GEPArg>{int32_t(i)});
      args.push_back(LLVM::LoadOp::create(b, loc, ptr, slot));
    }
    for (unsigned i = 1; i <= 5; ++i)
      args.push_back(blk->getArgument(i));
    LLVM::CallOp::create(b, loc, kernel, args);
    LLVM::ReturnOp::create(b, loc, ValueRange{});
    entries.push_back(entry);
  }

  // tern_kernels: the entry points, in plan order.
  auto arrTy = LLVM::LLVMArrayType::get(ptr, names.size());
  auto table = LLVM::GlobalOp::create(b, loc, arrTy, /*isConstant=*/true,
                                      LLVM::Linkage::External, "tern_kernels",
                                      Attribute());
  {
    Block *init = b.createBlock(&table.getInitializerRegion());
    b.setInsertionPointToStart(init);
    Value arr = LLVM::UndefOp::create(b, loc, arrTy);
    for (size_t i = 0; i < entries.size(); ++i) {
      Value p = LLVM::AddressOfOp::create(b, loc, entries[i]);
      arr = LLVM::InsertValueOp::create(b, loc, arr, p, ArrayRef<int64_t>{int64_t(i)});
    }
    LLVM::ReturnOp::create(b, loc, arr);
  }
  b.setInsertionPointToEnd(module.getBody());
  LLVM::GlobalOp::create(b, loc, i64, true, LLVM::Linkage::External,
                         "tern_num_kernels", b.getI64IntegerAttr(names.size()));
  std::string fp = fingerprint;
  fp.resize(64, '\0');
  auto fpTy = LLVM::LLVMArrayType::get(b.getI8Type(), 64);
  LLVM::GlobalOp::create(b, loc, fpTy, true, LLVM::Linkage::External,
                         "tern_fingerprint", b.getStringAttr(fp));
  auto contractTy = LLVM::LLVMArrayType::get(b.getI8Type(), contract.size());
  auto contractGlobal = LLVM::GlobalOp::create(
      b, loc, contractTy, true, LLVM::Linkage::External, "tern_contract",
      b.getStringAttr(llvm::StringRef(reinterpret_cast<const char *>(contract.data()),
                                      contract.size())));
  contractGlobal.setAlignment(8);
  return success();
}

std::unique_ptr<llvm::TargetMachine>
createTargetMachine(const CpuTarget &target, std::string *err) {
  static const bool initialized = [] {
    llvm::InitializeAllTargetInfos();
    llvm::InitializeAllTargets();
    llvm::InitializeAllTargetMCs();
    llvm::InitializeAllAsmPrinters();
    return true;
  }();
  (void)initialized;
  llvm::Triple triple(target.triple);
  std::string lookupErr;
  const llvm::Target *t = llvm::TargetRegistry::lookupTarget(triple, lookupErr);
  if (!t) {
    *err = "no LLVM backend for " + target.triple + ": " + lookupErr;
    return nullptr;
  }
  llvm::TargetOptions options;
  std::unique_ptr<llvm::TargetMachine> tm(t->createTargetMachine(
      triple, target.cpu, target.features, options, llvm::Reloc::PIC_,
      std::nullopt, llvm::CodeGenOptLevel::Aggressive));
  if (!tm)
    *err = "cannot create an LLVM target machine for " + target.triple;
  return tm;
}

std::unique_ptr<llvm::Module> translateAndOptimize(ModuleOp module,
                                                   llvm::LLVMContext &ctx,
                                                   llvm::TargetMachine &tm,
                                                   std::string *err) {
  std::unique_ptr<llvm::Module> m = translateModuleToLLVMIR(module, ctx);
  if (!m) {
    *err = "translation of the lowered kernels to LLVM IR failed";
    return nullptr;
  }
  m->setTargetTriple(tm.getTargetTriple());
  m->setDataLayout(tm.createDataLayout());
  for (llvm::Function &f : *m) {
    if (f.isDeclaration())
      continue;
    f.addFnAttr("target-cpu", tm.getTargetCPU());
    if (!tm.getTargetFeatureString().empty())
      f.addFnAttr("target-features", tm.getTargetFeatureString());
  }
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder pb(&tm);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager mpm =
      pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3);
  mpm.run(*m, mam);
  return m;
}

bool emitMachineCode(llvm::Module &m, llvm::TargetMachine &tm, bool assembly,
                     const std::string &path, std::string *err) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec) {
    *err = "cannot write " + path + ": " + ec.message();
    return false;
  }
  llvm::legacy::PassManager pm;
  if (tm.addPassesToEmitFile(pm, os, nullptr,
                             assembly ? llvm::CodeGenFileType::AssemblyFile
                                      : llvm::CodeGenFileType::ObjectFile)) {
    *err = "the LLVM backend cannot emit this file type for " +
           tm.getTargetTriple().str();
    return false;
  }
  pm.run(m);
  os.flush();
  return true;
}

} // namespace tern::cpu
