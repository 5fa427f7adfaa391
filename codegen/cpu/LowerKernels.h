//===- LowerKernels.h - generated kernels to LLVM IR and objects -*- C++ -*-===//
#ifndef TERN_CODEGEN_CPU_LOWERKERNELS_H
#define TERN_CODEGEN_CPU_LOWERKERNELS_H

#include "codegen/cpu/CpuTarget.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace llvm {
class LLVMContext;
class Module;
class TargetMachine;
} // namespace llvm

namespace tern::cpu {

/// The pass pipeline (textual) that lowers kernel functions (scf, vector,
/// memref, arith, math, `llvm.call_intrinsic`) to the LLVM dialect with
/// bare-pointer memref arguments.
std::string kernelLoweringPipeline();

/// Adds kernelLoweringPipeline() to `pm`.
mlir::LogicalResult buildKernelLoweringPipeline(mlir::OpPassManager &pm,
                                                std::string *err);

/// After lowering to the LLVM dialect: adds, for each kernel in `names`, the
/// uniform entry `<name>_entry(ptr args, i64 t0, i64 t1, i64 start, i64 begin,
/// i64 end)`, and the tables the runtime links against: `tern_kernels` (entry
/// pointers, in `names` order), `tern_num_kernels`, `tern_fingerprint` and
/// `tern_contract` (the plan contract's bytes, tern_plan.h, 8-byte aligned).
mlir::LogicalResult addKernelEntries(mlir::ModuleOp module,
                                     const std::vector<std::string> &names,
                                     const std::string &fingerprint,
                                     const std::vector<uint8_t> &contract);

/// An LLVM TargetMachine for `target` (optimization level O3, PIC).
std::unique_ptr<llvm::TargetMachine>
createTargetMachine(const CpuTarget &target, std::string *err);

/// Translates an LLVM-dialect module to LLVM IR for `tm`, stamps every
/// function with the target's CPU and features, and optimizes it at O3.
std::unique_ptr<llvm::Module> translateAndOptimize(mlir::ModuleOp module,
                                                   llvm::LLVMContext &ctx,
                                                   llvm::TargetMachine &tm,
                                                   std::string *err);

/// Writes `m` as an object file or assembly text.
bool emitMachineCode(llvm::Module &m, llvm::TargetMachine &tm, bool assembly,
                     const std::string &path, std::string *err);

} // namespace tern::cpu

#endif
