//===- GpuObject.cpp - the host object of a GPU executable ----------------===//
#include "codegen/nvptx/GpuObject.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/DerivedTypes.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"

namespace tern::nvptx {

static llvm::GlobalVariable *string(llvm::Module &m, const std::string &name,
                                    const std::string &text, bool external) {
  llvm::Constant *init = llvm::ConstantDataArray::getString(m.getContext(), text, true);
  return new llvm::GlobalVariable(
      m, init->getType(), /*isConstant=*/true,
      external ? llvm::GlobalValue::ExternalLinkage : llvm::GlobalValue::PrivateLinkage,
      init, name);
}

std::unique_ptr<llvm::Module> buildGpuTableModule(llvm::LLVMContext &ctx,
                                                  const std::string &triple,
                                                  const std::string &ptx,
                                                  const std::vector<GpuLaunch> &kernels,
                                                  const std::string &fingerprint,
                                                  const std::vector<uint8_t> &contract) {
  auto m = std::make_unique<llvm::Module>("tern_gpu_table", ctx);
  m->setTargetTriple(llvm::Triple(triple));
  string(*m, "tern_ptx", ptx, true);
  string(*m, "tern_fingerprint", fingerprint, true);
  llvm::Constant *contractBytes = llvm::ConstantDataArray::get(ctx, llvm::ArrayRef(contract));
  auto *contractGlobal = new llvm::GlobalVariable(
      *m, contractBytes->getType(), true, llvm::GlobalValue::ExternalLinkage,
      contractBytes, "tern_contract");
  contractGlobal->setAlignment(llvm::Align(8));
  auto *i32 = llvm::Type::getInt32Ty(ctx);
  auto *i64 = llvm::Type::getInt64Ty(ctx);
  auto *ptr = llvm::PointerType::get(ctx, 0);
  auto *entry = llvm::StructType::get(ctx, {ptr, i32, i32, ptr});
  std::vector<llvm::Constant *> rows;
  for (size_t i = 0; i < kernels.size(); ++i) {
    llvm::GlobalVariable *name =
        string(*m, "tern_gpu_kernel_name." + std::to_string(i), kernels[i].name, false);
    llvm::Constant *single =
        kernels[i].single.empty()
            ? llvm::ConstantPointerNull::get(ptr)
            : static_cast<llvm::Constant *>(string(
                  *m, "tern_gpu_kernel_single." + std::to_string(i), kernels[i].single, false));
    rows.push_back(llvm::ConstantStruct::get(
        entry, {name, llvm::ConstantInt::get(i32, kernels[i].threads),
                llvm::ConstantInt::get(i32, kernels[i].items), single}));
  }
  auto *arr = llvm::ArrayType::get(entry, rows.size());
  new llvm::GlobalVariable(*m, arr, true, llvm::GlobalValue::ExternalLinkage,
                           llvm::ConstantArray::get(arr, rows), "tern_gpu_kernels");
  new llvm::GlobalVariable(*m, i64, true, llvm::GlobalValue::ExternalLinkage,
                           llvm::ConstantInt::get(i64, kernels.size()), "tern_num_kernels");
  return m;
}

} // namespace tern::nvptx
