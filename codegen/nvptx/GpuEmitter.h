//===- GpuEmitter.h - the NVPTX kernels of a plan ---------------*- C++ -*-===//
//
// The KernelEmitter (codegen/common/PlanBuilder.h) that builds every kernel of
// a plan as a gpu.func of one gpu.module (GpuKernels.h) and records how each
// is launched. It asks for the GPU plan's two differences: the KV-cache
// append as its own step and RoPE from a table.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_CODEGEN_NVPTX_GPUEMITTER_H
#define TERN_CODEGEN_NVPTX_GPUEMITTER_H

#include "codegen/common/PlanBuilder.h"
#include "codegen/nvptx/GpuKernelFunc.h"
#include "codegen/nvptx/GpuTarget.h"

#include <map>

namespace tern::nvptx {

class GpuEmitter final : public codegen::KernelEmitter {
public:
  GpuEmitter(mlir::OpBuilder &b, mlir::ModuleOp module, const GpuTarget &target);

  void embedding(mlir::OpBuilder &b, llvm::StringRef name,
                 const codegen::EmbeddingParams &p) override;
  void normQuantize(mlir::OpBuilder &b, llvm::StringRef name,
                    const codegen::NormQuantizeParams &p) override;
  void ternaryMatmul(mlir::OpBuilder &b, llvm::StringRef name,
                     const codegen::TernaryMatmulParams &p) override;
  void lutTables(mlir::OpBuilder &b, llvm::StringRef name,
                 const codegen::LutTablesParams &p) override;
  void rope(mlir::OpBuilder &b, llvm::StringRef name,
            const codegen::RopeParams &p) override;
  void attention(mlir::OpBuilder &b, llvm::StringRef name,
                 const codegen::AttentionParams &p) override;
  void floatMatmul(mlir::OpBuilder &b, llvm::StringRef name,
                   const codegen::FloatMatmulParams &p) override;
  void int8Matmul(mlir::OpBuilder &b, llvm::StringRef name,
                  const codegen::Int8MatmulParams &p) override;
  bool separateKvAppend() const override { return true; }
  void kvAppend(mlir::OpBuilder &b, llvm::StringRef name,
                const codegen::AttentionParams &p) override;
  bool ropeTable() const override { return true; }
  int64_t attentionRange(const codegen::AttentionParams &p) const override;
  std::string checkTernaryMatmul(const codegen::TernaryMatmulParams &p) const override;

  /// Launch shapes in the plan's kernel order.
  std::vector<GpuLaunch> launches(const std::vector<std::string> &kernels) const;
  /// Empty, or why a kernel could not be built (e.g. too much shared memory).
  const std::string &error() const { return err; }

private:
  GpuTarget target;
  mlir::gpu::GPUModuleOp gm;
  std::map<std::string, GpuLaunch> byName;
  std::string err;
};

} // namespace tern::nvptx

#endif
