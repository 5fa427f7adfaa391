//===- GpuObject.h - the host object of a GPU executable ---------*- C++ -*-===//
//
// A GPU executable's generated part is data, not code: the PTX and the
// launch table (tern_gpu_kernel in tern_runtime.h), defined as the symbols
// runtime/main/main_gpu.cpp declares, in an LLVM module for the host.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_CODEGEN_NVPTX_GPUOBJECT_H
#define TERN_CODEGEN_NVPTX_GPUOBJECT_H

#include "codegen/nvptx/GpuKernelFunc.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace llvm {
class LLVMContext;
class Module;
} // namespace llvm

namespace tern::nvptx {

/// tern_ptx, tern_gpu_kernels, tern_num_kernels, tern_fingerprint and
/// tern_contract (the plan contract's bytes, 8-byte aligned) for the host
/// `triple`.
std::unique_ptr<llvm::Module> buildGpuTableModule(llvm::LLVMContext &ctx,
                                                  const std::string &triple,
                                                  const std::string &ptx,
                                                  const std::vector<GpuLaunch> &kernels,
                                                  const std::string &fingerprint,
                                                  const std::vector<uint8_t> &contract);

} // namespace tern::nvptx

#endif
