//===- KernelFunc.cpp - the calling convention of generated kernels -------===//
#include "codegen/cpu/KernelFunc.h"

using namespace mlir;

namespace tern::cpu {

func::FuncOp createKernel(OpBuilder &b, ModuleOp module, StringRef name,
                          ArrayRef<MemRefType> buffers, KernelArgs *args) {
  SmallVector<Type> inputs(buffers.begin(), buffers.end());
  for (int i = 0; i < 5; ++i)
    inputs.push_back(b.getIndexType());
  b.setInsertionPointToEnd(module.getBody());
  auto f = func::FuncOp::create(b, module.getLoc(), name,
                                b.getFunctionType(inputs, {}));
  f->setAttr(kKernelAttr, b.getUnitAttr());
  Block *entry = f.addEntryBlock();
  b.setInsertionPointToStart(entry);
  bindKernelArgs(entry, buffers.size(), args);
  return f;
}

void bindKernelArgs(Block *entry, unsigned n, KernelArgs *args) {
  args->buffers.clear();
  for (unsigned i = 0; i < n; ++i)
    args->buffers.push_back(entry->getArgument(i));
  args->t0 = entry->getArgument(n);
  args->t1 = entry->getArgument(n + 1);
  args->start = entry->getArgument(n + 2);
  args->begin = entry->getArgument(n + 3);
  args->end = entry->getArgument(n + 4);
}

std::vector<std::string> kernelNames(ModuleOp module) {
  std::vector<std::string> names;
  for (auto f : module.getOps<func::FuncOp>())
    if (f->hasAttr(kKernelAttr))
      names.push_back(f.getName().str());
  return names;
}

} // namespace tern::cpu
